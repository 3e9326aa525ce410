"""The health model: the pure status function, and the checks gathered against both sandboxes."""

from __future__ import annotations

import pytest

from app.context import AppContext
from app.domain.errors import (
    ErrorKind,
    UserError,
    from_conductor,
    from_oauth,
    keyring_locked,
    no_network,
    salesforce_schema_missing,
)
from app.engine.health import (
    LINE_LIMIT,
    ApiUsage,
    HealthInputs,
    Part,
    Probe,
    Status,
    check_configured,
    evaluate,
    last_check,
    status_lines,
)
from app.sandbox.conductor import ConductorSandbox
from app.sandbox.salesforce import SalesforceSandbox
from app.store.settings import SALESFORCE_USERNAME, WORKFLOWS

DIALOG = from_conductor(
    {
        "error": {
            "type": "INTEGRATION_CONNECTION_ERROR",
            "code": "QBD_CONNECTION_ERROR",
            "integrationCode": "0x80040414",
            "message": "A modal dialog box is showing.",
            "userFacingMessage": "A window is open in QuickBooks. Close it, then try again.",
        }
    },
    502,
)
NOT_FINISHED = from_conductor(
    {
        "error": {
            "type": "INTEGRATION_CONNECTION_ERROR",
            "code": "INTEGRATION_CONNECTION_NOT_SET_UP",
        }
    },
    409,
)
EXPIRED = from_oauth("invalid_grant", "expired access/refresh token")
OFFLINE = no_network("Salesforce")
SCHEMA = salesforce_schema_missing({"Account": ["Email__c"]})
OK = Probe(True)


def failed(error: UserError) -> Probe:
    return Probe(False, error)


def inputs(**changes: object) -> HealthInputs:
    base: dict[str, object] = {
        "quickbooks_set_up": True,
        "salesforce_set_up": True,
        "quickbooks": OK,
        "salesforce": OK,
        "schema": OK,
        "api": ApiUsage(used=100, max=15_000),
    }
    base.update(changes)
    return HealthInputs(**base)  # type: ignore[arg-type]


def test_all_passing_is_healthy() -> None:
    health = evaluate(inputs())
    assert health.status is Status.HEALTHY
    assert health.error is None
    assert "14,900 Salesforce requests left" in health.line


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"quickbooks_set_up": False}, Status.NOT_SET_UP, None),
        ({"quickbooks": failed(NOT_FINISHED)}, Status.NOT_SET_UP, NOT_FINISHED),
        ({"syncing": True}, Status.SYNCING, None),
        ({"quickbooks": failed(DIALOG)}, Status.NEEDS_ATTENTION, DIALOG),
        ({"api": ApiUsage(used=14_000, max=15_000)}, Status.NEEDS_ATTENTION, None),
        ({"salesforce": failed(EXPIRED)}, Status.ERROR, EXPIRED),
        ({"schema": failed(SCHEMA)}, Status.ERROR, SCHEMA),
        ({"local_error": keyring_locked()}, Status.ERROR, None),
        ({"salesforce": failed(OFFLINE)}, Status.OFFLINE, OFFLINE),
    ],
)
def test_each_input_gives_its_status(
    changes: dict[str, object], status: Status, error: UserError | None
) -> None:
    health = evaluate(inputs(**changes))
    assert health.status is status
    if error is not None:
        assert health.error == error
    assert 0 < len(health.line) <= LINE_LIMIT


def test_precedence_is_the_documented_order() -> None:
    everything = inputs(
        quickbooks=failed(DIALOG), salesforce=failed(OFFLINE), schema=failed(SCHEMA)
    )
    assert evaluate(everything).status is Status.NEEDS_ATTENTION
    assert evaluate(inputs(salesforce=failed(OFFLINE), schema=failed(SCHEMA))).status is (
        Status.ERROR
    )
    syncing = evaluate(inputs(quickbooks=failed(DIALOG), syncing=True))
    assert syncing.status is Status.SYNCING and syncing.error == DIALOG
    not_set_up = evaluate(inputs(salesforce_set_up=False, quickbooks=failed(DIALOG)))
    assert not_set_up.status is Status.NOT_SET_UP
    assert [s.rank for s in Status] == sorted(s.rank for s in Status)


def test_problems_are_listed_worst_first() -> None:
    health = evaluate(
        inputs(
            quickbooks=failed(OFFLINE),
            salesforce=failed(EXPIRED),
            api=ApiUsage(used=15_000, max=15_000),
        )
    )
    assert [(p.part, p.status) for p in health.problems] == [
        (Part.API, Status.NEEDS_ATTENTION),
        (Part.SALESFORCE, Status.ERROR),
        (Part.QUICKBOOKS, Status.OFFLINE),
    ]
    assert health.line == "Paused: 15,000 of 15,000 Salesforce requests used today"


def test_not_set_up_line_says_what_to_do() -> None:
    both = evaluate(inputs(quickbooks_set_up=False, salesforce_set_up=False))
    assert both.line == "Connect QuickBooks and sign in to Salesforce"
    assert evaluate(inputs(quickbooks=failed(NOT_FINISHED))).line == NOT_FINISHED.title


def test_a_long_title_is_cut_to_fit_a_tooltip() -> None:
    long = UserError(
        code="x",
        title="word " * 60,
        what_happened="",
        what_to_do="",
        action=EXPIRED.action,
        kind=ErrorKind.CONFIGURATION,
        retryable=False,
    )
    assert len(evaluate(inputs(salesforce=failed(long))).line) == LINE_LIMIT


# -- gathered against the sandboxes ---------------------------------------------------------
ITEMS_AND_INVOICES = {"customers": False, "payments": False, "opportunities": False}


def _check(ctx: AppContext, **options: object):  # type: ignore[no-untyped-def]
    return check_configured(ctx.store, ctx.credentials, ctx.paths.data_dir, **options)  # type: ignore[arg-type]


def test_nothing_connected_is_not_set_up(ctx: AppContext) -> None:
    health = _check(ctx)
    assert health.status is Status.NOT_SET_UP
    assert health.line == "Connect QuickBooks and sign in to Salesforce"


def test_connected_sandboxes_are_healthy_then_not(
    connected: AppContext,
    conductor_sandbox: ConductorSandbox,
    salesforce: SalesforceSandbox,
) -> None:
    health = _check(connected)
    assert health.status is Status.HEALTHY, health
    assert last_check(connected.store)["status"] == "healthy"  # type: ignore[index]

    conductor_sandbox.add_fault("qb_dialog", times=None)
    health = _check(connected, schema=False)
    assert health.status is Status.NEEDS_ATTENTION
    assert health.error is not None and "close any open dialog" in health.error.what_to_do
    conductor_sandbox.clear_faults()

    salesforce.set_config(api_usage=14_500)
    assert _check(connected, schema=False).status is Status.NEEDS_ATTENTION
    salesforce.set_config(api_usage=0)

    salesforce.expire_tokens(refresh_too=True)
    health = _check(connected)
    assert health.status is Status.ERROR
    assert health.error is not None and health.error.title == "Salesforce sign-in expired"


def test_missing_fields_are_an_error_naming_them(
    connected: AppContext, salesforce: SalesforceSandbox
) -> None:
    connected.store.set(WORKFLOWS, ITEMS_AND_INVOICES)
    salesforce.set_config(missing=["QuickBooks_Invoice__c.Due_Date__c", "QuickBooks_Payment__c"])
    health = _check(connected)
    assert health.status is Status.ERROR
    assert health.error is not None
    assert "QuickBooks_Invoice__c (Due_Date__c)" in health.error.what_happened
    assert "QuickBooks_Payment__c" not in health.error.what_happened  # payments are off


def test_status_lines_describe_the_connections(connected: AppContext) -> None:
    lines = status_lines(connected.store, connected.credentials)
    text = "\n".join(lines)
    assert "QuickBooks:  connected through Conductor (end user end_usr_" in text
    username = connected.store.get(SALESFORCE_USERNAME)
    assert f"Salesforce:  signed in as {username}" in text
    assert "Last check:  never" in text
    _check(connected, schema=False)
    assert "Last check:  " in status_lines(connected.store, connected.credentials)[-1]
