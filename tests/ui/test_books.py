"""Check the books from the tray: the difference listed, and Fix re-syncs exactly that record."""

from __future__ import annotations

import threading
from typing import Any

import requests

from app.sandbox.launcher import Sandboxes
from app.ui.menu import MenuAction
from app.ui.shell import Shell
from app.ui.windows.books import BooksWindow
from tests.ui.test_sync_flow import WAIT, sync


def test_check_the_books_lists_a_missing_mirror_and_fix_restores_it(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    sync(qtbot, shell)
    salesforce = sandboxes.salesforce
    open_mirror = next(
        r for r in salesforce.records("QuickBooks_Invoice__c") if r.get("Status__c") == "Open"
    )
    token = salesforce.issue_access_token()

    deleted = requests.delete(
        f"{salesforce.instance_url}/services/data/v62.0/sobjects/QuickBooks_Invoice__c/"
        f"{open_mirror['Id']}",
        headers={"Authorization": f"Bearer {token}"},
        verify=salesforce.ca_pem_path,
        timeout=30,
    )
    assert deleted.status_code == 204

    gui = threading.get_ident()
    shell.trigger(MenuAction.BOOKS)
    window = shell.windows["books"]
    assert isinstance(window, BooksWindow)
    qtbot.waitUntil(lambda: window.result is not None, timeout=WAIT)
    assert window.result is not None and not window.result.clean
    assert "1 missing in Salesforce" in window.headline.text()
    assert window.table.rowCount() == 1
    assert window.table.item(0, 1).text() == open_mirror["Name"]
    figures = window.figures.text().splitlines()
    assert [line.split(":")[0] for line in figures[1:]] == [
        "Open credits",
        "Unapplied payments",
        "Customer balances",
    ]
    assert window.fix_button.isEnabled()
    assert shell.controller.worker_threads and gui not in shell.controller.worker_threads

    first = window.result
    window.fix_button.click()
    qtbot.waitUntil(lambda: window.result is not first and not window.loading, timeout=WAIT)
    assert window.result is not None and window.result.clean, window.result.report_lines()
    assert window.table.rowCount() == 0
    restored = [
        r
        for r in salesforce.records("QuickBooks_Invoice__c")
        if r["QuickBooks_Invoice_Id__c"] == open_mirror["QuickBooks_Invoice_Id__c"]
    ]
    assert len(restored) == 1
