"""Matches to confirm from the tray: a phone-only look-alike is listed, not linked, and the
bookkeeper links it choosing the name both sides keep."""

from __future__ import annotations

import threading
from typing import Any

import requests

from app.sandbox.launcher import Sandboxes
from app.ui.menu import MenuAction, menu_entries
from app.ui.shell import Shell
from app.ui.windows.matches import MatchesWindow
from tests.ui.test_sync_flow import WAIT, sync


def _create_account(sandboxes: Sandboxes, **fields: Any) -> str:
    salesforce = sandboxes.salesforce
    made = requests.post(
        f"{salesforce.instance_url}/services/data/v62.0/sobjects/Account",
        json=fields,
        headers={"Authorization": f"Bearer {salesforce.issue_access_token()}"},
        verify=salesforce.ca_pem_path,
        timeout=30,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_a_phone_only_look_alike_waits_in_the_window_and_is_linked_once_confirmed(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    customer = sandboxes.conductor.qb.add_customer("Harbor Freight Brokers", phone="253-555-0142")
    account_id = _create_account(sandboxes, Name="Harbor Logistics Group", Phone="253.555.0142")
    sync(qtbot, shell)

    facts = shell.controller.facts
    labels = [e.label for e in menu_entries(facts, shell.controller.view)]
    assert f"Matches to confirm ({facts.matches_count})" in labels and facts.matches_count >= 1
    gui = threading.get_ident()
    shell.trigger(MenuAction.MATCHES)
    window = shell.windows["matches"]
    assert isinstance(window, MatchesWindow)
    [row] = [
        r
        for r in range(window.match_table.rowCount())
        if window.match_table.item(r, 2).text() == "Harbor Freight Brokers"
    ]
    assert window.match_table.item(row, 1).text() == "Harbor Logistics Group"
    assert "phone" in window.match_table.item(row, 3).text()

    window.match_table.selectRow(row)
    assert window.keep_quickbooks_name.isVisible()
    assert window.keep_quickbooks_name.text() == "QuickBooks: Harbor Freight Brokers"
    assert window.keep_salesforce_name.text() == "Salesforce: Harbor Logistics Group"
    assert not window.confirm_button.isEnabled()  # the name to keep comes first
    window.keep_quickbooks_name.click()
    assert window.confirm_button.isEnabled()
    window.confirm_button.click()
    qtbot.waitUntil(lambda: not window.busy and bool(window.message.text()), timeout=WAIT)

    assert "Linked" in window.message.text(), window.message.text()
    assert shell.controller.worker_threads and gui not in shell.controller.worker_threads
    account = next(a for a in sandboxes.salesforce.records("Account") if a["Id"] == account_id)
    assert account["QuickBooks_Customer_Id__c"] == customer["id"]
    assert account["Name"] == "Harbor Freight Brokers"
    assert all(m.customer_id != customer["id"] for m in window.matches)
