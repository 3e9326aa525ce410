"""Salesforce accounts in scope -> QuickBooks customers: Salesforce owns their fields.

QuickBooks names are unique across customers, vendors and employees (error 3100), so before a
customer is created the app looks for one with that name and links it instead. A new customer
passes the pre-flight checks first (a name a vendor, employee, other name or another linked
customer already has), so QuickBooks is never sent what it would refuse; every create goes
through the outbox, so one whose answer was lost is found, not made again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from app.domain.fieldmap import Side
from app.domain.hashing import content_hash
from app.domain.outcomes import Outcome, Problem
from app.domain.quickbooks_ids import is_quickbooks_id
from app.domain.record_mapping import (
    map_salesforce_record,
    quickbooks_create_body,
)
from app.domain.salesforce_ids import external_id_for
from app.domain.workflows import ACCOUNT
from app.engine import customer_matches, customer_updates, preflight
from app.engine.context import RunContext, later, parse_stamp
from app.engine.customers import (
    ACCOUNT_ID_FIELD,
    SCOPE,
    WORKFLOW,
    AccountIndex,
    as_written,
    bad_id,
)
from app.engine.outbox import CreateOutcome, FindExisting, OutboxWriter
from app.engine.pipeline import Prefetcher
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.quickbooks import QuickBooksError
from app.salesforce.soql import IN_VALUES
from app.store import Link

log = logging.getLogger(__name__)


def _account_fields(ctx: RunContext) -> list[str]:
    rules = ctx.mapping.for_workflow(WORKFLOW).owned_by(Side.SALESFORCE)
    names = {"Id", "Name", ACCOUNT_ID_FIELD, "SystemModstamp"}
    names.update(field for rule in rules for field in rule.sources)
    return sorted(names)


#: Where a run keeps the accounts query asked when it started: (its SOQL, its pages).
_AHEAD = "customer_push.accounts_ahead"


def _accounts_soql(ctx: RunContext, cursor: str | None, only: set[str] | None) -> str:
    where = SCOPE
    if only is not None:
        where += f" AND Id IN {IN_VALUES}"
    elif cursor:
        since = parse_stamp(cursor) - ctx.settings.overlap
        where += f" AND SystemModstamp >= {since.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    return (
        f"SELECT {', '.join(_account_fields(ctx))} FROM {ACCOUNT.name} WHERE {where} "  # noqa: S608
        "ORDER BY SystemModstamp, Id"
    )


def read_ahead(ctx: RunContext) -> None:
    """Ask for the accounts changed since the cursor now, while the run's first checks wait."""
    if ctx.only_sf_ids is not None:
        return
    soql = _accounts_soql(ctx, ctx.store.get_cursor(WORKFLOW, "sf"), None)
    pages = Prefetcher(ctx.salesforce.query_pages(soql), depth=2, name="sf-accounts")
    ctx.cache[_AHEAD] = (soql, pages)


def close_read_ahead(ctx: RunContext) -> None:
    """The accounts asked for ahead and not taken (the run stopped first)."""
    ahead = ctx.cache.pop(_AHEAD, None)
    if ahead is not None:
        ahead[1].close()


def push_accounts(ctx: RunContext) -> None:
    """Accounts marked for QuickBooks, changed since the cursor, become or update customers."""
    cursor = ctx.store.get_cursor(WORKFLOW, "sf")
    only = ctx.only_sf_ids.get(WORKFLOW) if ctx.only_sf_ids is not None else None
    if only is not None and not only:
        return
    soql = _accounts_soql(ctx, cursor, only)
    ahead = ctx.cache.pop(_AHEAD, None)
    pages: Iterable[list[dict[str, Any]]]
    if only is not None:
        pages = ctx.salesforce.query_in_pages(soql, sorted(only))
    elif ahead is not None and ahead[0] == soql:
        pages = ahead[1]
    else:
        pages = ctx.salesforce.query_pages(soql)
    if ahead is not None and pages is not ahead[1]:
        ahead[1].close()
    ctx.report(WORKFLOW, "reading")
    newest = cursor
    writer = OutboxWriter(ctx.store, ctx.quickbooks.create)
    write_back: list[dict[str, Any]] = []
    clean = True
    for page in pages:
        for account in page:
            ctx.check_cancel()
            outcome, link, needs_write_back = _push_one(ctx, writer, account)
            if _quickbooks_failure(outcome):
                clean = False  # nothing in the account has to change for it to go through
            if needs_write_back and link is not None and is_quickbooks_id(link.qb_id):
                write_back.append({"Id": account["Id"], ACCOUNT_ID_FIELD: link.qb_id})
            ctx.recorder.commit([outcome], [link] if link else [])
            newest = later(newest, account.get("SystemModstamp"))
    if write_back and not ctx.dry_run:
        results = ctx.salesforce.update(ACCOUNT.name, write_back)
        for row, result in zip(write_back, results, strict=True):
            if not result.get("success"):
                clean = False
                log.warning("could not store QuickBooks id on account %s: %s", row["Id"], result)
    if clean and newest and only is None and not ctx.dry_run:
        ctx.recorder.commit([], cursor=(WORKFLOW, "sf", newest))


def _push_one(
    ctx: RunContext, writer: OutboxWriter, account: dict[str, Any]
) -> tuple[ItemOutcome, Link | None, bool]:
    sf_id = str(account["Id"])
    name = str(account.get("Name") or sf_id)
    mapped = map_salesforce_record(ctx.mapping, WORKFLOW, account)
    if mapped.record is None:
        codes = ",".join(sorted({p.code for p in mapped.problems}))
        return _refused(ctx, name, sf_id, codes, mapped.problems)
    body = mapped.record
    digest = content_hash(body)
    link = ctx.store.link_by_sf(WORKFLOW, sf_id)
    qb_id = link.qb_id if link else account.get(ACCOUNT_ID_FIELD)
    try:
        if qb_id:
            return customer_updates.update_customer(ctx, account, str(qb_id), body, digest, link)
        own = None if ctx.dry_run else writer.recover("customer", *_own_create(ctx, sf_id))
        if own is not None:  # the app's own create, its answer lost: not a match to weigh
            return _recovered(ctx, account, own, body, digest)
        matches = _unlinked_customers(ctx)
        sure, to_confirm = matches.for_account(sf_id)
        if to_confirm:
            customer_matches.propose(ctx, to_confirm)
            outcome = customer_matches.waiting(name, None, sf_id, to_confirm, of="account")
            return outcome, None, False
        if sure is not None and ctx.store.link_by_qb(WORKFLOW, sure.customer_id) is None:
            return _adopt(ctx, account, sure.customer_id, body, digest)
        existing = ctx.quickbooks.find_by_name("customer", str(body.get("name") or name))
        problems = preflight.customer_problems(ctx, body, existing)
        if problems:
            return _refused(ctx, name, sf_id, problems[0].code, problems)
        ctx.plan(
            PlannedAction(
                workflow=WORKFLOW,
                action="create",
                target="QuickBooks",
                record=name,
                qb_id=None,
                sf_id=sf_id,
            )
        )
        if ctx.dry_run:
            return (
                ItemOutcome(
                    workflow=WORKFLOW,
                    record_key=name,
                    outcome=Outcome.CREATED,
                    qb_id=None,
                    sf_id=sf_id,
                ),
                None,
                False,
            )
        return _create_customer(ctx, writer, account, body, digest)
    except QuickBooksError as error:
        if error.connection_problem:
            raise
        return _qb_failure(name, sf_id, str(qb_id) if qb_id else None, error), None, False


def _refused(
    ctx: RunContext, name: str, sf_id: str, code: str, problems: Sequence[Problem]
) -> tuple[ItemOutcome, Link | None, bool]:
    """An account that cannot become a customer as it is: planned and reported, not sent."""
    message = " ".join(p.message for p in problems)
    ctx.plan(
        PlannedAction(
            workflow=WORKFLOW,
            action="problem",
            target="QuickBooks",
            record=name,
            qb_id=None,
            sf_id=sf_id,
            detail=message,
        )
    )
    outcome = ItemOutcome(
        workflow=WORKFLOW,
        record_key=name,
        outcome=Outcome.FAILED,
        qb_id=None,
        sf_id=sf_id,
        code=code,
        message=message,
    )
    return outcome, None, False


def _unlinked_customers(ctx: RunContext) -> customer_matches.UnlinkedCustomers:
    found = ctx.cache.get("unlinked customers")
    if found is None:
        index: AccountIndex = ctx.cache.get("accounts") or AccountIndex(ctx)
        ctx.cache["accounts"] = index
        found = ctx.cache["unlinked customers"] = customer_matches.UnlinkedCustomers(
            ctx, index.accounts
        )
    return found


def _adopt(
    ctx: RunContext, account: dict[str, Any], qb_id: str, body: dict[str, Any], digest: str
) -> tuple[ItemOutcome, Link | None, bool]:
    """Link the account to the one QuickBooks customer surely the same company, then update it
    as far as that is safe (no field emptied, no new name without the bookkeeper)."""
    sf_id = str(account["Id"])
    name = str(account.get("Name") or sf_id)
    ctx.plan(
        PlannedAction(
            workflow=WORKFLOW,
            action="link",
            target="QuickBooks",
            record=name,
            qb_id=qb_id,
            sf_id=sf_id,
            detail="a QuickBooks customer already has this name",
        )
    )
    new_link = Link(WORKFLOW, qb_id, sf_id, None)
    if not ctx.dry_run:
        ctx.recorder.commit([], [new_link])
        index: AccountIndex | None = ctx.cache.get("accounts")
        if index is not None:
            index.mark(qb_id, sf_id)
    try:
        outcome, updated_link, _ = customer_updates.update_customer(
            ctx, account, qb_id, body, digest, new_link
        )
    except QuickBooksError as error:
        if error.connection_problem:
            raise
        # Linked all the same: the account still gets the customer's id.
        return _qb_failure(name, sf_id, qb_id, error), new_link, not ctx.dry_run
    if ctx.dry_run:
        return outcome, None, False
    return outcome, updated_link or new_link, True


def _create_customer(
    ctx: RunContext,
    writer: OutboxWriter,
    account: dict[str, Any],
    body: dict[str, Any],
    digest: str,
) -> tuple[ItemOutcome, Link | None, bool]:
    sf_id = str(account["Id"])
    name = str(account.get("Name") or sf_id)
    external_id, find_existing = _own_create(ctx, sf_id)
    create_body = quickbooks_create_body(body, external_id)
    result = writer.create(WORKFLOW, sf_id, "customer", create_body, find_existing)
    if not result.ok:
        assert result.error is not None
        return _qb_failure(name, sf_id, None, result.error), None, False
    assert result.qb_id is not None
    if result.recovered:
        return _recovered(ctx, account, result, body, digest)
    if not is_quickbooks_id(result.qb_id):
        return replace(bad_id(name, result.qb_id), sf_id=sf_id), None, False
    revision = (result.record or {}).get("revisionNumber")
    link = Link(WORKFLOW, result.qb_id, sf_id, digest, qb_revision=revision, content=body)
    return (
        ItemOutcome(
            workflow=WORKFLOW,
            record_key=name,
            outcome=Outcome.CREATED,
            qb_id=result.qb_id,
            sf_id=sf_id,
        ),
        link,
        True,
    )


def _own_create(ctx: RunContext, sf_id: str) -> tuple[str, FindExisting]:
    """The external id the app gives this account's customer, and how to find it by what an
    earlier create sent."""
    external_id = external_id_for(sf_id)

    def find_existing(sent: dict[str, Any]) -> dict[str, Any] | None:
        found = ctx.quickbooks.find_by_name("customer", str(sent.get("name", "")))
        return found if found and found.get("externalId") == external_id else None

    return external_id, find_existing


def _recovered(
    ctx: RunContext,
    account: dict[str, Any],
    result: CreateOutcome,
    body: dict[str, Any],
    digest: str,
) -> tuple[ItemOutcome, Link | None, bool]:
    """A customer an earlier attempt created, perhaps from older values: the app wrote what
    that attempt sent, so only fields QuickBooks holds otherwise since are conflicts."""
    assert result.qb_id is not None
    if not is_quickbooks_id(result.qb_id):
        name = str(account.get("Name") or account["Id"])
        return replace(bad_id(name, result.qb_id), sf_id=str(account["Id"])), None, False
    made = Link(WORKFLOW, result.qb_id, str(account["Id"]), None, content=as_written(result.sent))
    return customer_updates.update_customer(ctx, account, result.qb_id, body, digest, made)


def _quickbooks_failure(outcome: ItemOutcome) -> bool:
    """Failed in (or for lack of an answer from) QuickBooks, not for the account's own data."""
    code = outcome.code or ""
    return outcome.outcome is Outcome.FAILED and (
        code == "NEEDS_VERIFICATION" or code.startswith(("conductor.", "local."))
    )


def _qb_failure(name: str, sf_id: str, qb_id: str | None, error: QuickBooksError) -> ItemOutcome:
    user = error.user_error
    if error.outcome_unknown:
        return ItemOutcome(
            workflow=WORKFLOW,
            record_key=name,
            outcome=Outcome.FAILED,
            qb_id=qb_id,
            sf_id=sf_id,
            code="NEEDS_VERIFICATION",
            message="QuickBooks did not confirm this change. The next sync checks QuickBooks "
            "before sending it again, so it will not be doubled.",
            details=user.details,
        )
    return ItemOutcome(
        workflow=WORKFLOW,
        record_key=name,
        outcome=Outcome.FAILED,
        qb_id=qb_id,
        sf_id=sf_id,
        code=user.code,
        message=f"{user.what_happened} {user.what_to_do}".strip(),
        details=user.details,
    )
