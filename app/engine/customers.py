"""Customers both ways: every QuickBooks customer -> a linked Salesforce account carrying its
balance (here), and Salesforce accounts in scope -> QuickBooks customers (`customer_push`).

QuickBooks names are unique across customers, vendors and employees (error 3100), so before a
customer is created the app looks for one with that name and links it instead; and it matches
QuickBooks customers to existing accounts by name, email or phone before creating any account.
A new customer passes the pre-flight checks first (a name a vendor, employee, other name or
another linked customer already has), so QuickBooks is never sent what it would refuse.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.matching import ProposedLink, propose_links
from app.domain.outcomes import Outcome
from app.domain.quickbooks_ids import is_quickbooks_id, not_a_quickbooks_id
from app.domain.salesforce_errors import duplicate_match_ids
from app.domain.workflows import ACCOUNT, WORKFLOWS, WorkflowId
from app.engine import customer_matches, customer_updates, new_accounts
from app.engine.context import RunContext
from app.engine.mirror_spec import MirrorSpec
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.engine.salesforce_results import failure_text, first_error
from app.salesforce.client import SalesforceClient
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


class AccountIndex:
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
    index: AccountIndex = ctx.cache.get("accounts") or AccountIndex(ctx)
    ctx.cache["accounts"] = index
    failures: list[ItemOutcome] = []
    found = [c for c in unlinked if str(c["id"]) in index.by_qb_id]
    for customer in found:
        links.append(Link(WORKFLOW, str(customer["id"]), index.by_qb_id[str(customer["id"])], None))
    rest = [c for c in unlinked if str(c["id"]) not in index.by_qb_id]
    by_id = {str(c["id"]): c for c in rest}
    for qb_id in [i for i in by_id if not is_quickbooks_id(i)]:
        failures.append(bad_id(_customer_label(by_id.pop(qb_id)), qb_id))
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
        links.append(Link(WORKFLOW, qb_id, entry.sf_id, None, content=as_written(entry.payload)))
    return links


def as_written(sent: dict[str, Any] | None) -> dict[str, Any]:
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


def bad_id(label: str, qb_id: str) -> ItemOutcome:
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
