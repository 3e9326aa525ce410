"""The Conductor sandbox keeps the accounting rules the pre-flight checks anticipate.

Preferences (closing date, home currency), the closed period (3171), credit limits (3180), and
the vendor, employee and other-name lists whose names customers may not take.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import conductor
import pytest

from app.sandbox.conductor import ConductorSandbox


@pytest.fixture
def sandbox() -> Iterator[ConductorSandbox]:
    with ConductorSandbox(customers=3, items=2, invoices=4, payments=1) as running:
        yield running
        assert running.schema_violations == [] and running.internal_errors == []


def _client(sandbox: ConductorSandbox) -> tuple[conductor.Conductor, dict[str, str]]:
    client = conductor.Conductor(
        api_key=sandbox.secret_key, base_url=sandbox.base_url, max_retries=0
    )
    return client, {"conductor_end_user_id": sandbox.end_user_id}


def _invoice(sandbox: ConductorSandbox, customer_id: str, day: str) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "transaction_date": day,
        "lines": [{"itemId": sandbox.qb.ids("service_item")[0], "quantity": 1}],
    }


def _integration_code(error: conductor.APIError) -> str:
    return str(error.body["error"]["integrationCode"])  # type: ignore[index]


def test_preferences_show_the_closing_date_and_home_currency(sandbox: ConductorSandbox) -> None:
    client, user = _client(sandbox)
    before = client.qbd.preferences.retrieve(**user)
    assert before.accounting.closing_date is None and before.multi_currency is None
    sandbox.qb.set_closing_date("2025-03-31")
    sandbox.qb.use_multicurrency("US Dollar")
    after = client.qbd.preferences.retrieve(**user)
    assert str(after.accounting.closing_date) == "2025-03-31"
    assert after.multi_currency is not None
    assert after.multi_currency.home_currency.full_name == "US Dollar"


def test_closed_period_refuses_new_and_changed_transactions(sandbox: ConductorSandbox) -> None:
    client, user = _client(sandbox)
    customer = sandbox.qb.all("customer")[0]
    old = sandbox.qb.add_invoice(customer["id"], transaction_date="2025-03-01")
    sandbox.qb.set_closing_date("2025-03-31")
    with pytest.raises(conductor.APIError) as refused:
        client.qbd.invoices.create(**_invoice(sandbox, customer["id"], "2025-03-31"), **user)
    assert _integration_code(refused.value) == "3171"
    with pytest.raises(conductor.APIError) as edit:
        client.qbd.invoices.update(
            old["id"], revision_number=old["revisionNumber"], memo="late", **user
        )
    assert _integration_code(edit.value) == "3171"
    with pytest.raises(conductor.APIError) as payment:
        client.qbd.receive_payments.create(
            customer_id=customer["id"],
            transaction_date="2025-02-01",
            total_amount="10.00",
            is_auto_apply=False,
            **user,
        )
    assert _integration_code(payment.value) == "3171"
    created = client.qbd.invoices.create(**_invoice(sandbox, customer["id"], "2025-04-01"), **user)
    assert created.transaction_date.isoformat() == "2025-04-01"


def test_credit_limit_refuses_an_invoice_that_goes_over_it(sandbox: ConductorSandbox) -> None:
    client, user = _client(sandbox)
    customer = sandbox.qb.add_customer("Limited Co", creditLimit="150.00")
    item = sandbox.qb.add_item("Small Job", price="100.00")
    body = {
        "customer_id": customer["id"],
        "transaction_date": "2025-05-01",
        "lines": [{"itemId": item["id"], "quantity": 1}],
    }
    client.qbd.invoices.create(**body, **user)
    with pytest.raises(conductor.APIError) as refused:
        client.qbd.invoices.create(**body, **user)
    assert _integration_code(refused.value) == "3180"
    assert "credit limit" in refused.value.body["error"]["userFacingMessage"]  # type: ignore[index]
    assert sandbox.qb.get(customer["id"])["balance"] == "100.00"


def test_vendor_employee_and_other_names_are_listed(sandbox: ConductorSandbox) -> None:
    client, user = _client(sandbox)
    sandbox.qb.add_other_name("Petty Cash Runner")
    sandbox.qb.add_employee("Sam Rivera")
    vendors = client.qbd.vendors.list(status="all", **user)
    assert "Office Depot" in {v.name for v in vendors.data}
    assert {e.name for e in client.qbd.employees.list(status="all", **user).data} == {
        "Jordan Lee",
        "Sam Rivera",
    }
    assert [o.name for o in client.qbd.other_names.list(**user).data] == ["Petty Cash Runner"]
    found = client.qbd.vendors.list(names=["office depot"], **user).data
    assert [v.name for v in found] == ["Office Depot"]


def test_a_customer_can_be_billed_in_another_currency(sandbox: ConductorSandbox) -> None:
    client, user = _client(sandbox)
    sandbox.qb.use_multicurrency("US Dollar")
    customer = sandbox.qb.all("customer")[0]
    sandbox.qb.set_customer_currency(customer["id"], "Canadian Dollar")
    shown = client.qbd.customers.retrieve(customer["id"], **user)
    assert shown.currency is not None and shown.currency.full_name == "Canadian Dollar"
