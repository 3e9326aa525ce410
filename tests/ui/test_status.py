"""The tray status: precedence, and the icon, tooltip and menu line each status shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.errors import no_network, salesforce_limit_reserve
from app.domain.user_error import ErrorAction, ErrorKind, UserError
from app.engine.health import Status
from app.engine.standing import Standing, State
from app.ui.icons import status_icon_file
from app.ui.menu import MenuAction, menu_entries
from app.ui.status import (
    QUICKBOOKS_BLOCKED_LINE,
    TOOLTIP_LIMIT,
    TrayFacts,
    derive_status,
    present,
)

QB_DIALOG = UserError(
    code="conductor.QBD_CONNECTION_ERROR.0x80040414",
    title="QuickBooks is not reachable",
    what_happened="A window is open in QuickBooks.",
    what_to_do="Close it, then try again.",
    action=ErrorAction.OPEN_QUICKBOOKS_HELP,
    kind=ErrorKind.CONNECTION,
    retryable=True,
)
SIGN_IN_EXPIRED = UserError(
    code="salesforce.INVALID_SESSION_ID",
    title="Salesforce sign-in expired",
    what_happened="Salesforce no longer accepts this app's sign-in.",
    what_to_do="Click Sign in to Salesforce again… and sign in.",
    action=ErrorAction.RECONNECT_SALESFORCE,
    kind=ErrorKind.CONFIGURATION,
    retryable=False,
)
PARTIAL = Standing(State.RECORDS_FAILED, "1 record failed: Show them", 3, failed=1)
GOOD = Standing(State.IN_STEP, "Up to date (last sync 17:05)", 2, "2025-06-30T17:05:09+00:00")
WAITING = Standing(State.DECISIONS_WAITING, "1 change waits for your decision: Show them", 5)
STOPPED = Standing(
    State.STOPPED,
    "Last sync stopped at Invoices: QuickBooks is blocked",
    4,
    stopped_at="invoices",
    reason="QuickBooks is blocked",
)


def test_each_status_in_its_own_situation() -> None:
    ready = TrayFacts(set_up=True)
    assert derive_status(TrayFacts()) is Status.NOT_SET_UP
    assert derive_status(ready) is Status.HEALTHY
    assert derive_status(TrayFacts(set_up=True, syncing=True)) is Status.SYNCING
    assert derive_status(TrayFacts(set_up=True, problem=QB_DIALOG)) is Status.NEEDS_ATTENTION
    assert derive_status(TrayFacts(set_up=True, problem=SIGN_IN_EXPIRED)) is Status.ERROR
    assert derive_status(TrayFacts(set_up=True, problem=no_network("Salesforce"))) is (
        Status.OFFLINE
    )
    assert derive_status(TrayFacts(set_up=True, standing=PARTIAL)) is Status.ERROR
    assert derive_status(TrayFacts(set_up=True, standing=GOOD)) is Status.HEALTHY


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (TrayFacts(set_up=False, syncing=True, problem=QB_DIALOG), Status.NOT_SET_UP),
        (TrayFacts(set_up=True, syncing=True, problem=QB_DIALOG), Status.SYNCING),
        (TrayFacts(set_up=True, problem=QB_DIALOG, standing=PARTIAL), Status.NEEDS_ATTENTION),
        (TrayFacts(set_up=True, problem=no_network(), standing=PARTIAL), Status.ERROR),
    ],
)
def test_precedence_when_several_apply(facts: TrayFacts, expected: Status) -> None:
    assert derive_status(facts) is expected


def test_the_health_models_verdict_on_a_problem_wins_over_its_kind() -> None:
    limit = salesforce_limit_reserve(9_500, 10_000)
    facts = TrayFacts(set_up=True, problem=limit, problem_status=Status.NEEDS_ATTENTION)
    assert derive_status(facts) is Status.NEEDS_ATTENTION


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("dark", [False, True])
def test_every_status_has_light_and_dark_icons_and_a_windows_ico(
    status: Status, dark: bool
) -> None:
    svg = Path(status_icon_file(status, dark=dark))
    assert svg.is_file()
    assert svg.read_text(encoding="utf-8").startswith("<svg")
    assert svg.with_suffix(".ico").is_file()


def test_tooltips_stay_under_the_windows_limit() -> None:
    long_title = "QuickBooks could not start " + "because of a very long reason " * 10
    problem = UserError(
        **{**QB_DIALOG.__dict__, "title": long_title, "code": "conductor.QBD_CONNECTION_ERROR"}
    )
    view = present(TrayFacts(set_up=True, problem=problem))
    assert len(view.tooltip) <= TOOLTIP_LIMIT < 128
    assert view.tooltip.endswith("…")
    assert view.line == problem.title


def test_views_name_icon_tooltip_and_line() -> None:
    view = present(TrayFacts(set_up=True, problem=QB_DIALOG))
    assert view.icon == "tray-needs-attention"
    # A dialog open in QuickBooks is named as what blocks it, with what to close.
    assert view.line == QUICKBOOKS_BLOCKED_LINE
    assert QUICKBOOKS_BLOCKED_LINE in view.tooltip
    assert present(TrayFacts()).line.startswith("Not set up")
    syncing = present(TrayFacts(set_up=True, syncing=True, activity="Invoices 3 of 30"))
    assert syncing.line == "Syncing: Invoices 3 of 30"
    assert present(TrayFacts(set_up=True, standing=PARTIAL)).line == "1 record failed: Show them"
    assert present(TrayFacts(set_up=True, standing=GOOD)).line.startswith("Up to date (last sync")
    stopped = present(TrayFacts(set_up=True, standing=STOPPED))
    assert stopped.status is Status.NEEDS_ATTENTION
    assert stopped.line == "Last sync stopped at Invoices: QuickBooks is blocked"


def test_the_fix_comes_first_in_the_menu() -> None:
    for standing, label, action in (
        (STOPPED, "Try again", MenuAction.TRY_AGAIN),
        (PARTIAL, "Show the failed records", MenuAction.SHOW_FAILED),
        (WAITING, "Show what waits for your decision", MenuAction.MATCHES),
    ):
        facts = TrayFacts(set_up=True, standing=standing)
        entries = menu_entries(facts, present(facts))
        assert (entries[1].label, entries[1].action) == (label, action)
    signed_out = TrayFacts(set_up=True, problem=SIGN_IN_EXPIRED, standing=STOPPED)
    top = menu_entries(signed_out, present(signed_out))[1]
    assert (top.label, top.action) == ("Sign in to Salesforce again…", MenuAction.SIGN_IN_AGAIN)
    good = TrayFacts(set_up=True, standing=GOOD)
    assert menu_entries(good, present(good))[1].separator


def test_menu_entries_follow_the_facts() -> None:
    facts = TrayFacts(set_up=True, review_count=4)
    entries = menu_entries(facts, present(facts))
    labels = [e.label for e in entries if e.label]
    assert labels == [
        present(facts).line,
        "Sync now",
        "Review invoices to create (4)",
        "Matches to confirm (0)",
        "Preview changes",
        "Sync history",
        "Check the books",
        "Check connection",
        "Settings",
        "Set up…",
        "Open logs folder",
        "About",
        "Quit",
    ]
    assert not entries[0].enabled
    assert all(e.enabled for e in entries[1:] if e.action)

    not_set_up = menu_entries(TrayFacts(), present(TrayFacts()))
    enabled = {e.action for e in not_set_up if e.action and e.enabled}
    assert MenuAction.SYNC_NOW not in enabled
    assert MenuAction.SETUP in enabled

    busy = TrayFacts(set_up=True, syncing=True)
    actions = {e.action: e.enabled for e in menu_entries(busy, present(busy)) if e.action}
    assert actions[MenuAction.SHOW_PROGRESS]
    assert not actions[MenuAction.PREVIEW]
    assert not actions[MenuAction.CHECK]
    assert not actions[MenuAction.BOOKS]
