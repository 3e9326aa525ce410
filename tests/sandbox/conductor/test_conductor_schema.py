"""The committed schema is what the spec says, and responses have the spec's exact shape."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import conductor
import pytest
from conductor.types.qbd import (
    Account,
    Customer,
    DeletedTransaction,
    Invoice,
    NonInventoryItem,
    ReceivePayment,
    ServiceItem,
)

from app.sandbox.conductor import ConductorSandbox
from app.sandbox.conductor.spec import SCHEMA_PATH

#: The official spec and its examples, kept beside the repository (not shipped with it).
REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "conductor"
MONEY = re.compile(r"^-?\d+\.\d{2}$")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")


def _reference(name: str) -> Path:
    """The reference file, or a skip where it is not checked out; on CI its absence fails."""
    path = REFERENCE / name
    if not path.exists():
        message = f"{path} not found"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def test_schema_is_derived_from_the_spec(tmp_path: Path) -> None:
    spec = _reference("openapi.yml")
    out = tmp_path / "schema.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "app.sandbox.conductor.derive_schema",
            str(spec),
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert json.loads(out.read_text()) == json.loads(SCHEMA_PATH.read_text())


def test_the_runtime_needs_neither_yaml_nor_the_spec() -> None:
    code = (
        "import sys; from app.sandbox.conductor import ConductorSandbox; "
        "ConductorSandbox(customers=2, items=2, invoices=2, payments=1).close(); "
        "assert 'yaml' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "example, kind",
    [
        ("example_customer.json", "customer"),
        ("example_invoice.json", "invoice"),
        ("example_qbd_service_item.json", "service_item"),
        ("example_qbd_non_inventory_item.json", "non_inventory_item"),
        ("example_qbd_receive_payment.json", "receive_payment"),
        ("example_qbd_account.json", "account"),
    ],
)
def test_responses_have_the_documented_properties(
    example: str, kind: str, shared: ConductorSandbox
) -> None:
    documented = json.loads((_reference("examples") / example).read_text())
    ours = shared.qb.all(kind)[0]
    assert list(ours) == list(documented)
    if kind == "invoice":
        assert list(ours["lines"][0]) == list(documented["lines"][0])


def _raw(
    client: conductor.Conductor, resource: str, eu: str, **params: Any
) -> list[dict[str, Any]]:
    response = getattr(client.qbd, resource).with_raw_response.list(
        conductor_end_user_id=eu, **params
    )
    return list(response.http_response.json()["data"])


def test_money_and_timestamps_on_the_wire(
    shared: ConductorSandbox, shared_client: conductor.Conductor
) -> None:
    eu = shared.end_user_id
    invoices = _raw(shared_client, "invoices", eu, include_linked_transactions=True)
    payments = _raw(shared_client, "receive_payments", eu)
    for invoice in invoices:
        for field in ("subtotal", "salesTaxTotal", "appliedAmount", "balanceRemaining"):
            assert MONEY.match(invoice[field]), (field, invoice[field])
        for line in invoice["lines"]:
            assert MONEY.match(line["amount"])
            assert isinstance(line["quantity"], int | float)
        for link in invoice["linkedTransactions"]:
            assert MONEY.match(link["amount"]) and link["amount"].startswith("-")
        assert STAMP.match(invoice["createdAt"]) and STAMP.match(invoice["updatedAt"])
        assert invoice["revisionNumber"].isdigit()
    for payment in payments:
        assert MONEY.match(payment["totalAmount"]) and MONEY.match(payment["unusedPayment"])
        for applied in payment["appliedToTransactions"]:
            assert MONEY.match(applied["amount"]) and MONEY.match(applied["balanceRemaining"])


@pytest.mark.parametrize(
    "resource, model",
    [
        ("customers", Customer),
        ("service_items", ServiceItem),
        ("non_inventory_items", NonInventoryItem),
        ("invoices", Invoice),
        ("receive_payments", ReceivePayment),
        ("accounts", Account),
    ],
)
def test_responses_validate_as_conductor_py_models(
    resource: str, model: Any, shared: ConductorSandbox, shared_client: conductor.Conductor
) -> None:
    for raw in _raw(
        shared_client,
        resource,
        shared.end_user_id,
        **({} if resource == "accounts" else {"limit": 20}),
    ):
        parsed = model.model_validate(raw)
        assert parsed.model_extra == {}


def test_deleted_transactions_validate(sb: ConductorSandbox) -> None:
    sb.qb.delete_invoice(sb.qb.ids("invoice")[0])
    client = conductor.Conductor(api_key=sb.secret_key, base_url=sb.base_url, max_retries=0)
    response = client.qbd.deleted_transactions.with_raw_response.list(
        conductor_end_user_id=sb.end_user_id, transaction_types=["invoice"]
    )
    DeletedTransaction.model_validate(response.http_response.json()["data"][0])
