"""Settings > Salesforce: the price book, the record type of new accounts and inactive customers
are shown as saved and saved as chosen."""

from __future__ import annotations

from typing import Any

from app.context import AppContext
from app.store.settings import ACCOUNT_RECORD_TYPE, CUSTOMERS_INCLUDE_INACTIVE, PRICE_BOOK
from app.ui.windows.settings import SettingsWindow


def test_the_salesforce_choices_are_shown_and_saved(qtbot: Any, ctx: AppContext) -> None:
    ctx.store.set(ACCOUNT_RECORD_TYPE, "Customer")
    window = SettingsWindow(ctx, saved=lambda: None, set_start_at_login=lambda _on: None)
    qtbot.addWidget(window)
    section = window.salesforce
    assert section.record_type.text() == "Customer"
    assert section.price_book.text() == ""
    assert not section.include_inactive.isChecked()

    section.price_book.setText("  Partner Prices ")
    section.record_type.setText("")
    section.include_inactive.setChecked(True)
    window.save()

    assert ctx.store.get(PRICE_BOOK) == "Partner Prices"
    assert ctx.store.get(ACCOUNT_RECORD_TYPE) == ""
    assert ctx.store.get(CUSTOMERS_INCLUDE_INACTIVE) is True


def test_cancel_saves_nothing(qtbot: Any, ctx: AppContext) -> None:
    window = SettingsWindow(ctx, saved=lambda: None, set_start_at_login=lambda _on: None)
    qtbot.addWidget(window)
    window.salesforce.price_book.setText("Partner Prices")
    window.reject()
    assert ctx.store.get(PRICE_BOOK) == ""
