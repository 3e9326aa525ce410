"""`review approve` signs the invoice `review list` showed: never one the data folder has not
listed, nor one that changed since it was listed, nor one its CHECK code does not name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import cli
from app.commands.exit_codes import ExitCode
from app.engine.review import CHANGED_SINCE_REVIEW
from app.sandbox.launcher import Sandboxes
from app.store import open_store
from tests.reliability.harness import SalesforceUser, small_world


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandboxes]:
    with small_world(seed=412) as sandboxes:
        for name, value in sandboxes.environment().items():
            monkeypatch.setenv(name, value)
        yield sandboxes


def _qbsf(data: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["--data-dir", str(data), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _won(sandboxes: Sandboxes, user: SalesforceUser) -> tuple[str, str]:
    """A won deal on a linked account, and its one line."""
    account = next(
        a["Id"]
        for a in sandboxes.salesforce.records("Account")
        if a.get("QuickBooks_Customer_Id__c")
    )
    product = next(
        p["Id"] for p in sandboxes.salesforce.records("Product2") if p.get("QuickBooks_Item_Id__c")
    )
    opportunity = user.won_opportunity(account, [(product, 120.0)], "Listed order")
    [line] = [
        li["Id"]
        for li in sandboxes.salesforce.records("OpportunityLineItem")
        if li["OpportunityId"] == opportunity
    ]
    return opportunity, line


def _listed_check(listing: str, opportunity: str) -> str:
    found = re.search(rf"qbsf review approve {opportunity}=([0-9a-f]+)", listing)
    assert found, listing
    return found.group(1)


def _invoices(sandboxes: Sandboxes) -> list[dict[str, Any]]:
    return list(sandboxes.conductor.qb.all("invoice"))


def test_approve_signs_only_the_invoice_the_last_list_showed(
    world: Sandboxes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert _qbsf(data, capsys, "sync")[0] == ExitCode.OK
    user = SalesforceUser(world)
    opportunity, line = _won(world, user)
    before = len(_invoices(world))

    # Never listed in this data folder: nothing is approved.
    code, _, err = _qbsf(data, capsys, "review", "approve", opportunity)
    assert code == ExitCode.USAGE and "not in the last 'qbsf review list'" in err
    store = open_store(data / "sync.sqlite3")
    assert opportunity not in store.review_decisions()
    store.close()

    # Listed, then changed in Salesforce: the changed invoice is not the one shown.
    code, listing, _ = _qbsf(data, capsys, "review", "list")
    assert code == ExitCode.OK
    first_check = _listed_check(listing, opportunity)
    user.update("OpportunityLineItem", line, Quantity=40)
    code, out, _ = _qbsf(data, capsys, "review", "approve", opportunity)
    assert code == ExitCode.PARTIAL, out
    run = re.search(r"Run #(\d+)", out)
    assert run, out
    store = open_store(data / "sync.sqlite3")
    assert [i.code for i in store.run_items(int(run.group(1)))] == [CHANGED_SINCE_REVIEW]
    store.close()
    assert len(_invoices(world)) == before

    # Listed again: an old check code names another invoice; the new one approves it.
    code, listing, _ = _qbsf(data, capsys, "review", "list")
    check = _listed_check(listing, opportunity)
    assert check != first_check
    number = re.search(rf"{opportunity} .*\n\s+invoice #(\S+),", listing)
    assert number, listing
    code, _, err = _qbsf(data, capsys, "review", "approve", f"{opportunity}={first_check}")
    assert code == ExitCode.USAGE and f"check {first_check}" in err
    assert len(_invoices(world)) == before
    code, out, _ = _qbsf(data, capsys, "review", "approve", f"{opportunity}={check}")
    assert code == ExitCode.OK, out
    [made] = [i for i in _invoices(world) if i.get("refNumber") == number.group(1)]
    assert made["subtotal"] in {"4800.00", "4800"}
    assert len(_invoices(world)) == before + 1
