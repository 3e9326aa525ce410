"""Setup and Settings choose how invoices are numbered and the go-live date (today unless
changed); finishing setup sets the go-live date when it was never chosen."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QDate

from app.context import AppContext
from app.engine.invoice_numbers import NumberRule
from app.store.settings import (
    GO_LIVE_DATE,
    INVOICE_NUMBER_COUNTER,
    INVOICE_NUMBER_FIELD,
    INVOICE_NUMBER_PREFIX,
    INVOICE_NUMBER_RULE,
    SETUP_FINISHED,
)
from app.ui.controller import Controller
from app.ui.windows.invoice_settings import InvoiceSettings
from app.ui.windows.settings import SettingsWindow
from app.ui.wizard.context import SetupContext
from app.ui.wizard.defaults import SetupDefaults
from app.ui.wizard.wizard import PageId, SetupWizard


@pytest.fixture
def controller(ctx: AppContext) -> Controller:
    return Controller(ctx)


def _wizard(
    qtbot: Any, ctx: AppContext, controller: Controller, page: str | None = None
) -> SetupWizard:
    setup = SetupContext(ctx, controller, SetupDefaults.from_store(ctx.store))
    wizard = SetupWizard(setup, only=page)
    qtbot.addWidget(wizard)
    return wizard


def _choose(choices: InvoiceSettings, rule: NumberRule) -> None:
    choices.rule.setCurrentIndex(choices.rule.findData(rule.value))


def test_the_invoices_page_follows_the_workflows_and_saves_the_rule_and_go_live_date(
    qtbot: Any, ctx: AppContext, controller: Controller
) -> None:
    wizard = _wizard(qtbot, ctx, controller)
    assert wizard.page(PageId.INVOICES) is wizard.invoices
    wizard.setStartId(PageId.WORKFLOWS)
    wizard.restart()
    assert wizard.nextId() == PageId.INVOICES
    wizard.next()
    page = wizard.invoices
    choices = page.choices
    assert wizard.currentId() == PageId.INVOICES
    assert choices.go_live.date() == QDate.currentDate()
    assert choices.chosen_rule() is NumberRule.NEXT_NUMBER and page.isComplete()
    assert choices.prefix.isHidden()

    _choose(choices, NumberRule.PREFIX)
    assert not choices.prefix.isHidden()
    choices.prefix.setText("")
    assert not page.isComplete() and "prefix" in choices.problem.text()
    choices.prefix.setText("INV-2025-")
    choices.counter.setValue(1000)
    assert not page.isComplete() and "11 characters" in choices.problem.text()
    choices.prefix.setText("INV-")
    assert page.isComplete() and choices.problem.isHidden()
    choices.go_live.setDate(QDate(2025, 3, 1))
    wizard.next()
    assert wizard.currentId() == PageId.MATCH
    assert ctx.store.get(INVOICE_NUMBER_RULE) == NumberRule.PREFIX.value
    assert ctx.store.get(INVOICE_NUMBER_PREFIX) == "INV-"
    assert ctx.store.get(INVOICE_NUMBER_COUNTER) == 1000
    assert ctx.store.get(GO_LIVE_DATE) == "2025-03-01"


def test_finishing_setup_sets_the_go_live_date_only_when_unset(
    qtbot: Any, ctx: AppContext, controller: Controller
) -> None:
    assert ctx.store.get(GO_LIVE_DATE) == ""
    wizard = _wizard(qtbot, ctx, controller, page="welcome")
    wizard.accept()
    assert ctx.store.get(SETUP_FINISHED) is True
    assert ctx.store.get(GO_LIVE_DATE) == date.today().isoformat()

    ctx.store.set(GO_LIVE_DATE, "2024-07-01")
    _wizard(qtbot, ctx, controller, page="welcome").accept()
    assert ctx.store.get(GO_LIVE_DATE) == "2024-07-01"


def test_settings_show_and_save_the_numbering_rule_and_go_live_date(
    qtbot: Any, ctx: AppContext
) -> None:
    ctx.store.set(INVOICE_NUMBER_RULE, NumberRule.OPPORTUNITY_FIELD.value)
    ctx.store.set(INVOICE_NUMBER_FIELD, "Invoice_Number__c")
    ctx.store.set(GO_LIVE_DATE, "2025-02-03")
    saved: list[int] = []
    window = SettingsWindow(ctx, saved=lambda: saved.append(1), set_start_at_login=lambda _: None)
    qtbot.addWidget(window)
    choices = window.invoices
    assert choices.chosen_rule() is NumberRule.OPPORTUNITY_FIELD
    assert choices.field.text() == "Invoice_Number__c"
    assert choices.go_live.date() == QDate(2025, 2, 3)

    choices.field.setText(" ")
    window.save()
    assert saved == [] and "opportunity field" in window.problem.text()
    assert ctx.store.get(INVOICE_NUMBER_FIELD) == "Invoice_Number__c"

    _choose(choices, NumberRule.NEXT_NUMBER)
    choices.go_live.setDate(QDate(2025, 6, 30))
    window.save()
    assert saved == [1]
    assert ctx.store.get(INVOICE_NUMBER_RULE) == NumberRule.NEXT_NUMBER.value
    assert ctx.store.get(GO_LIVE_DATE) == "2025-06-30"
