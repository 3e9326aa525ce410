"""Customers both ways: Salesforce accounts in scope -> QuickBooks customers (Salesforce owns their
fields), and every QuickBooks customer -> a linked Salesforce account carrying its balance.

QuickBooks names are unique across customers, vendors and employees (error 3100), so before a
customer is created the app looks for one with that name and links it instead; and it matches
QuickBooks customers to existing accounts by name, email or phone before creating any account.
A new customer passes the pre-flight checks first (a name a vendor, employee, other name or
another linked customer already has), so QuickBooks is never sent what it would refuse.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.domain.fieldmap import Side
from app.domain.hashing import content_hash
from app.domain.matching import ProposedLink, propose_links
from app.domain.outcomes import Outcome, Problem
from app.domain.quickbooks_ids import is_quickbooks_id, not_a_quickbooks_id
from app.domain.record_mapping import (
    map_salesforce_record,
    quickbooks_create_body,
)
from app.domain.salesforce_errors import duplicate_match_ids
from app.domain.salesforce_ids import external_id_for
from app.domain.workflows import ACCOUNT, WORKFLOWS, WorkflowId
from app.engine import customer_matches, customer_updates, new_accounts, preflight
from app.engine.context import RunContext, later, parse_stamp
from app.engine.mirror import MirrorSpec
from app.engine.outbox import CreateOutcome, FindExisting, OutboxWriter
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.engine.salesforce_results import failure_text, first_error
from app.quickbooks import QuickBooksError
from app.salesforce.client import SalesforceClient
from app.salesforce.soql import IN_VALUES
from app.store import Link, OutboxState, Store

log = logging.getLogger(__name__)

WORKFLOW = WorkflowId.CUSTOMERS
BALANCE_LINKS = f"{WORKFLOW}:balance"
ACCOUNT_ID_FIELD = ACCOUNT.quickbooks_id
SCOPE = WORKFLOWS[WORKFLOW].salesforce_scope or ""
NOT_A_QUICKBOOKS_ID = "not_a_quickbooks_id"


def _customer_label(record: dict[str, Any]) -> str:
    return str(record.get("fullName") or record.get("name") or record.get("id"))


def balance_spec() -> MirrorSpec:
    return MirrorSpec(
        workflow=WORKFLOW,
        link_key=BALANCE_LINKS,
        map_workflow=WORKFLOW,
        kinds=("customer",),
        sobject=ACCOUNT.name,
        external_field=ACCOUNT_ID_FIELD,
        label=_customer_label,
        filters={"status": "all"},
        before_write=link_accounts,
    )


# -- QuickBooks customers -> Salesforce accounts ----------------------------------------------


@dataclass(frozen=True)
class Refused:
    """A proposed pair Salesforce would not link, in plain words."""

    pair: ProposedLink
    code: str
    plain: str
    details: str | None


def read_accounts(salesforce: SalesforceClient) -> list[dict[str, Any]]:
    """Every Salesforce account, with the fields matching compares and its QuickBooks id."""
    fields = f"Id, Name, Phone, {ACCOUNT.email}, {ACCOUNT_ID_FIELD}"
    return salesforce.query_all(f"SELECT {fields} FROM {ACCOUNT.name}")  # noqa: S608


def mark_accounts(
    salesforce: SalesforceClient, pairs: Sequence[ProposedLink]
) -> tuple[list[Link], list[Refused]]:
    """Write each pair's QuickBooks customer id on its account: the links made, the refusals."""
    if not pairs:
        return [], []
    rows = [{"Id": p.account_id, ACCOUNT_ID_FIELD: p.customer_id} for p in pairs]
    links, refused = [], []
    for pair, result in zip(pairs, salesforce.update(ACCOUNT.name, rows), strict=True):
        if result.get("success"):
            links.append(Link(WORKFLOW, pair.customer_id, pair.account_id, None))
            continue
        code, message, fields = first_error(result)
        plain, details = failure_text(code, message, fields)
        refused.append(Refused(pair, code, plain, details))
    return links, refused


class _AccountIndex:
    """Salesforce accounts, read once per run when a QuickBooks customer has no account yet."""

    def __init__(self, ctx: RunContext) -> None:
        self.accounts = read_accounts(ctx.salesforce)
        self.by_qb_id = {
            a[ACCOUNT_ID_FIELD]: a["Id"] for a in self.accounts if a.get(ACCOUNT_ID_FIELD)
        }

    def mark(self, qb_id: str, sf_id: str) -> None:
        """The account now holds this customer's id: it is no longer free to match."""
        self.by_qb_id[qb_id] = sf_id
        for account in self.accounts:
            if account.get("Id") == sf_id:
                account[ACCOUNT_ID_FIELD] = qb_id


def link_accounts(ctx: RunContext, customers: list[dict[str, Any]]) -> list[ItemOutcome]:
    """Give every QuickBooks customer on this page a linked account when sure; propose the rest
    for confirmation; report QuickBooks edits of the fields Salesforce owns."""
    linked = ctx.store.links_by_qb(WORKFLOW, [str(c["id"]) for c in customers])
    ctx.recorder.commit(customer_updates.notice_quickbooks_edits(ctx, customers, linked))
    unlinked = [c for c in customers if str(c["id"]) not in linked]
    links: list[Link] = [] if ctx.dry_run else _own_creates(ctx, unlinked)
    unlinked = [c for c in unlinked if str(c["id"]) not in {link.qb_id for link in links}]
    if not unlinked:
        ctx.recorder.commit([], links)
        return []
    index: _AccountIndex = ctx.cache.get("accounts") or _AccountIndex(ctx)
    ctx.cache["accounts"] = index
    failures: list[ItemOutcome] = []
    found = [c for c in unlinked if str(c["id"]) in index.by_qb_id]
    for customer in found:
        links.append(Link(WORKFLOW, str(customer["id"]), index.by_qb_id[str(customer["id"])], None))
    rest = [c for c in unlinked if str(c["id"]) not in index.by_qb_id]
    by_id = {str(c["id"]): c for c in rest}
    for qb_id in [i for i in by_id if not is_quickbooks_id(i)]:
        failures.append(_bad_id(_customer_label(by_id.pop(qb_id)), qb_id))
    proposal = propose_links(index.accounts, list(by_id.values()))
    skipped = customer_matches.rejected_pairs(ctx.store)
    accounts = {str(a.get("Id")): a for a in index.accounts}
    to_confirm = customer_matches.candidates(proposal, accounts, by_id, skipped)
    customer_matches.propose(ctx, to_confirm)
    waiting: dict[str, list[ProposedLink]] = {}
    for pair in to_confirm:
        waiting.setdefault(pair.customer_id, []).append(pair)
    for qb_id, pairs in sorted(waiting.items()):
        label = _customer_label(by_id[qb_id])
        failures.append(customer_matches.waiting(label, qb_id, None, pairs, of="customer"))
    accepted = [p for p in proposal.sure if (p.account_id, p.customer_id) not in skipped]
    held = set(waiting)
    unmatched = [*proposal.unmatched_customer_ids]
    unmatched += [cid for m in proposal.ambiguous for cid in m.customer_ids]
    unmatched += [p.customer_id for p in proposal.links]
    unmatched = [i for i in unmatched if i not in {p.customer_id for p in accepted}]
    to_create = [
        {"Name": _customer_label(by_id[qb_id]), ACCOUNT_ID_FIELD: qb_id}
        for qb_id in dict.fromkeys(unmatched)
        if qb_id in by_id and qb_id not in held
    ]
    to_create, inactive = new_accounts.left_out(ctx, to_create, by_id)
    failures.extend(inactive)
    for p in accepted:
        ctx.plan(
            PlannedAction(
                workflow=WORKFLOW,
                action="link",
                target="Salesforce",
                record=p.customer_name,
                qb_id=p.customer_id,
                sf_id=p.account_id,
                detail=f"matched by {p.basis.value}",
            )
        )
    for row in to_create:
        ctx.plan(
            PlannedAction(
                workflow=WORKFLOW,
                action="create",
                target="Salesforce",
                record=row["Name"],
                qb_id=row[ACCOUNT_ID_FIELD],
            )
        )
    if ctx.dry_run:
        return failures
    marked, refused = mark_accounts(ctx.salesforce, accepted)
    links.extend(marked)
    failures.extend(
        ItemOutcome(
            workflow=WORKFLOW,
            record_key=_customer_label(by_id[r.pair.customer_id]),
            outcome=Outcome.FAILED,
            qb_id=r.pair.customer_id,
            sf_id=None,
            code=r.code,
            message=r.plain,
            details=r.details,
        )
        for r in refused
    )
    if to_create:
        to_create = new_accounts.with_account_kind(ctx, to_create, by_id)
        results = ctx.salesforce.upsert(
            ACCOUNT.name,
            ACCOUNT_ID_FIELD,
            to_create,
            allow_duplicates=ctx.settings.allow_duplicate_accounts,
        )
        results = _save_reviewed_duplicates(ctx, to_create, results, skipped)
        made = [
            (r[ACCOUNT_ID_FIELD], _customer_label(by_id[r[ACCOUNT_ID_FIELD]])) for r in to_create
        ]
        new_links, refused_accounts = account_results(made, results)
        links.extend(new_links)
        failures.extend(refused_accounts)
    for link in links:
        index.mark(link.qb_id, link.sf_id or "")
    ctx.recorder.commit([], links)
    return failures


def _own_creates(ctx: RunContext, customers: list[dict[str, Any]]) -> list[Link]:
    """Customers this app created whose answer never came: linked to their account with what
    was sent as the values the app wrote, never weighed as matches."""
    links = []
    for customer in customers:
        entry = ctx.store.outbox_get(str(customer.get("externalId") or ""))
        if entry is None or entry.workflow != WORKFLOW or not is_quickbooks_id(customer["id"]):
            continue
        if entry.state not in {OutboxState.SENT, OutboxState.DONE}:
            continue
        qb_id = str(customer["id"])
        ctx.store.outbox_set_state(entry.external_id, OutboxState.DONE, qb_id=qb_id)
        links.append(Link(WORKFLOW, qb_id, entry.sf_id, None, content=_as_written(entry.payload)))
    return links


def _as_written(sent: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (sent or {}).items() if k != "externalId"}


def _save_reviewed_duplicates(
    ctx: RunContext,
    rows: list[dict[str, Any]],
    results: list[dict[str, Any]],
    rejected: set[tuple[str, str]],
) -> list[dict[str, Any]]:
    """A new account a duplicate rule refused only for matching accounts the bookkeeper already
    said are another company is saved anyway (allowSave): the duplicate was seen and decided."""
    if ctx.settings.allow_duplicate_accounts:
        return results
    decided = [
        i
        for i, (row, result) in enumerate(zip(rows, results, strict=True))
        if _refused_only_for(result, {a for a, c in rejected if c == row[ACCOUNT_ID_FIELD]})
    ]
    if not decided:
        return results
    again = ctx.salesforce.upsert(
        ACCOUNT.name, ACCOUNT_ID_FIELD, [rows[i] for i in decided], allow_duplicates=True
    )
    merged = list(results)
    for i, result in zip(decided, again, strict=True):
        merged[i] = result
    return merged


def _refused_only_for(result: dict[str, Any], rejected_accounts: set[str]) -> bool:
    errors = result.get("errors") or []
    if result.get("success") or len(errors) != 1:
        return False
    error = errors[0]
    if (error.get("statusCode") or error.get("errorCode")) != "DUPLICATES_DETECTED":
        return False
    matched = duplicate_match_ids(error)
    return bool(matched) and matched <= rejected_accounts


def _bad_id(label: str, qb_id: str) -> ItemOutcome:
    """A QuickBooks id this app refuses: the record's own problem, nothing written for it."""
    return ItemOutcome(
        workflow=WORKFLOW,
        record_key=label,
        outcome=Outcome.FAILED,
        qb_id=qb_id[:64],
        sf_id=None,
        code=NOT_A_QUICKBOOKS_ID,
        message=not_a_quickbooks_id(qb_id),
    )


def skipped_pairs(store: Store) -> set[tuple[str, str]]:
    """(account, customer) pairs the bookkeeper said are not the same company."""
    return customer_matches.rejected_pairs(store)


def account_results(
    made: Sequence[tuple[str, str]], results: Sequence[dict[str, Any]]
) -> tuple[list[Link], list[ItemOutcome]]:
    """Accounts upserted for QuickBooks customers or jobs, each (QuickBooks id, label): the
    links made, and each refused account as a failure in Salesforce's words."""
    links: list[Link] = []
    failures: list[ItemOutcome] = []
    for (qb_id, label), result in zip(made, results, strict=True):
        if result.get("success"):
            links.append(Link(WORKFLOW, qb_id, str(result.get("id")), None))
            continue
        code, message, fields = first_error(result)
        plain, details = failure_text(code, message, fields)
        failures.append(
            ItemOutcome(
                workflow=WORKFLOW,
                record_key=label,
                outcome=Outcome.FAILED,
                qb_id=qb_id,
                sf_id=None,
                code=code,
                message=plain,
                details=details,
            )
        )
    return links, failures


# -- Salesforce accounts -> QuickBooks customers -----------------------------------------------


def _account_fields(ctx: RunContext) -> list[str]:
    rules = ctx.mapping.for_workflow(WORKFLOW).owned_by(Side.SALESFORCE)
    names = {"Id", "Name", ACCOUNT_ID_FIELD, "SystemModstamp"}
    names.update(field for rule in rules for field in rule.sources)
    return sorted(names)


def push_accounts(ctx: RunContext) -> None:
    """Accounts marked for QuickBooks, changed since the cursor, become or update customers."""
    cursor = ctx.store.get_cursor(WORKFLOW, "sf")
    where = SCOPE
    only = ctx.only_sf_ids.get(WORKFLOW) if ctx.only_sf_ids is not None else None
    if only is not None:
        if not only:
            return
        where += f" AND Id IN {IN_VALUES}"
    elif cursor:
        since = parse_stamp(cursor) - ctx.settings.overlap
        where += f" AND SystemModstamp >= {since.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    soql = (
        f"SELECT {', '.join(_account_fields(ctx))} FROM {ACCOUNT.name} WHERE {where} "  # noqa: S608
        "ORDER BY SystemModstamp, Id"
    )
    ctx.report(WORKFLOW, "reading")
    newest = cursor
    writer = OutboxWriter(ctx.store, ctx.quickbooks.create)
    write_back: list[dict[str, Any]] = []
    clean = True
    pages = (
        ctx.salesforce.query_in_pages(soql, sorted(only))
        if only is not None
        else ctx.salesforce.query_pages(soql)
    )
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
        index: _AccountIndex = ctx.cache.get("accounts") or _AccountIndex(ctx)
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
        index: _AccountIndex | None = ctx.cache.get("accounts")
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
        return replace(_bad_id(name, result.qb_id), sf_id=sf_id), None, False
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
        return replace(_bad_id(name, result.qb_id), sf_id=str(account["Id"])), None, False
    made = Link(WORKFLOW, result.qb_id, str(account["Id"]), None, content=_as_written(result.sent))
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
