"""Won opportunities waiting to become QuickBooks invoices: list, approve, skip.

Nothing is written to QuickBooks without the bookkeeper's approval. Approving creates the invoice
through the outbox (exactly once, even across crashes) and writes its id back to the opportunity.
Each draft passes the accounting pre-flight checks first; their problems show in the review
queue and stop the approval before anything is sent.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from app.domain.fieldmap import Side
from app.domain.invoice_draft import CUSTOMER_ID_PATH, ITEM_ID_PATH, InvoiceDraft, draft_invoice
from app.domain.outcomes import Outcome, Problem
from app.domain.salesforce_ids import is_salesforce_id
from app.domain.workflows import ACCOUNT, OPPORTUNITY, PRODUCT, WORKFLOWS, WorkflowId
from app.engine import preflight
from app.engine.context import RunContext
from app.engine.outbox import OutboxWriter
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.quickbooks import QuickBooksError
from app.salesforce.soql import IN_VALUES
from app.store import Link, OutboxEntry, OutboxState, Store

log = logging.getLogger(__name__)

WORKFLOW = WorkflowId.OPPORTUNITIES
OPPORTUNITY_LINK_FIELD = OPPORTUNITY.quickbooks_id
SKIPPED = "skipped"


@dataclass(frozen=True)
class ReviewCandidate:
    opportunity: dict[str, Any]
    lines: list[dict[str, Any]]
    draft: InvoiceDraft  # its preview's problems include the pre-flight ones
    decision: str | None  # None (waiting), "skipped" or "approved"
    checks: tuple[Problem, ...] = ()  # pre-flight problems: QuickBooks would refuse, or should

    @property
    def id(self) -> str:
        return str(self.opportunity["Id"])

    @property
    def name(self) -> str:
        return str(self.opportunity.get("Name") or self.id)


def _fields(ctx: RunContext, *, lines: bool) -> list[str]:
    mapping = ctx.mapping.for_workflow(WORKFLOW)
    rules = mapping.lines_owned_by(Side.SALESFORCE) if lines else mapping.owned_by(Side.SALESFORCE)
    base = (
        {
            "Id",
            "OpportunityId",
            OPPORTUNITY.line_items.product_id,
            PRODUCT.path("Name"),
            ITEM_ID_PATH,
            "Quantity",
            "UnitPrice",
            "TotalPrice",
        }
        if lines
        else {
            "Id",
            "Name",
            "AccountId",
            ACCOUNT.path("Name"),
            CUSTOMER_ID_PATH,
            "CloseDate",
            "Amount",
            OPPORTUNITY_LINK_FIELD,
        }
    )
    base.update(f for rule in rules for f in rule.sources)
    return sorted(base)


def candidates(
    ctx: RunContext, ids: list[str] | None = None, *, checks: bool = True
) -> list[ReviewCandidate]:
    """Waiting opportunities (or those in `ids`, checked in that order) with their drafts.

    Listing without `ids` shows the queue even when QuickBooks cannot be reached for the
    pre-flight checks; approving (with `ids`) needs them. `checks=False` skips them (and their
    QuickBooks reads), e.g. to count the queue.
    """
    where = WORKFLOWS[WORKFLOW].salesforce_scope or ""
    if ids is not None:
        where += f" AND Id IN {IN_VALUES}"
    soql = (
        f"SELECT {', '.join(_fields(ctx, lines=False))} FROM {OPPORTUNITY.name} "  # noqa: S608
        f"WHERE {where} ORDER BY CloseDate, Id"
    )
    if ids is None:
        opportunities = ctx.salesforce.query_all(soql)
    else:
        opportunities = ctx.salesforce.query_in(soql, [i for i in ids if is_salesforce_id(i)])
        # Each chunk is ordered on its own; the whole list keeps the query's order.
        opportunities.sort(key=lambda o: (str(o.get("CloseDate") or ""), str(o["Id"])))
    if not opportunities:
        return []
    lines_by_opp: dict[str, list[dict[str, Any]]] = {}
    opp_ids = [str(o["Id"]) for o in opportunities]
    for line in ctx.salesforce.query_in(
        f"SELECT {', '.join(_fields(ctx, lines=True))} FROM {OPPORTUNITY.line_items.name} "  # noqa: S608
        f"WHERE OpportunityId IN {IN_VALUES} ORDER BY OpportunityId, Id",
        opp_ids,
    ):
        lines_by_opp.setdefault(str(line["OpportunityId"]), []).append(line)
    decisions = ctx.store.review_decisions()
    customer_links = {link.sf_id: link.qb_id for link in ctx.store.links("customers") if link.sf_id}
    item_links = {link.sf_id: link.qb_id for link in ctx.store.links("items") if link.sf_id}
    result = []
    for opportunity in opportunities:
        lines = lines_by_opp.get(str(opportunity["Id"]), [])
        draft = draft_invoice(
            ctx.mapping,
            opportunity,
            lines,
            item_links=item_links,
            customer_links=customer_links,
        )
        result.append(
            ReviewCandidate(opportunity, lines, draft, decisions.get(str(opportunity["Id"])))
        )
    return _checked(ctx, result, ids) if checks else result


def _checked(
    ctx: RunContext, found: list[ReviewCandidate], ids: list[str] | None
) -> list[ReviewCandidate]:
    order = {opportunity_id: n for n, opportunity_id in enumerate(ids or [])}
    # A create already sent is finished through the outbox, never stopped by a check.
    unsent = [
        c
        for c in sorted(found, key=lambda c: order.get(c.id, len(order)))
        if c.draft.external_id is None or _unsent(ctx.store.outbox_get(c.draft.external_id))
    ]
    try:
        problems = preflight.invoice_problems(ctx, [(c.id, c.draft) for c in unsent])
    except QuickBooksError as error:
        if ids is not None:
            raise
        log.info("pre-flight checks skipped while listing: %s", error)
        return found
    return [_with_checks(c, problems[c.id]) if c.id in problems else c for c in found]


def _unsent(entry: OutboxEntry | None) -> bool:
    return entry is None or entry.state in {OutboxState.PENDING, OutboxState.FAILED}


def _with_checks(candidate: ReviewCandidate, checks: tuple[Problem, ...]) -> ReviewCandidate:
    draft = candidate.draft
    preview = dataclasses.replace(draft.preview, problems=draft.preview.problems + checks)
    blocked = dataclasses.replace(draft, body=None, preview=preview)
    return dataclasses.replace(candidate, draft=blocked, checks=checks)


def skip(ctx: RunContext, ids: list[str]) -> None:
    for opportunity_id in ids:
        ctx.store.set_review_decision(opportunity_id, SKIPPED)


def unskip(store: Store, ids: list[str]) -> None:
    """Skipped opportunities back in the queue, waiting again; an approval is never undone."""
    decided = store.review_decisions()
    for opportunity_id in ids:
        if decided.get(opportunity_id) == SKIPPED:
            store.clear_review_decision(opportunity_id)


def approve(ctx: RunContext, ids: list[str]) -> None:
    """Create one QuickBooks invoice per approved opportunity, each exactly once."""
    writer = OutboxWriter(ctx.store, ctx.quickbooks.create)
    pending = {c.id: c for c in candidates(ctx, ids)}
    # Approved earlier but interrupted before the id reached Salesforce: finish those too.
    for entry in ctx.store.outbox_entries(workflow=WORKFLOW):
        if entry.sf_id in ids and entry.sf_id not in pending and entry.qb_id:
            _write_back(ctx, entry.sf_id, entry.qb_id, entry.sf_id)
    for opportunity_id in ids:
        ctx.check_cancel()
        candidate = pending.get(opportunity_id)
        if candidate is None:
            continue
        if candidate.checks:  # stays in the queue, showing what to fix
            ctx.recorder.commit([_refused(ctx, candidate)])
            continue
        ctx.store.set_review_decision(opportunity_id, "approved")
        outcome = _approve_one(ctx, writer, candidate)
        ctx.recorder.commit([outcome])


def _refused(ctx: RunContext, candidate: ReviewCandidate) -> ItemOutcome:
    message = " ".join(p.message for p in candidate.checks)
    ctx.plan(
        PlannedAction(
            WORKFLOW, "problem", "QuickBooks", candidate.name, None, candidate.id, message
        )
    )
    return ItemOutcome(
        WORKFLOW,
        candidate.name,
        Outcome.FAILED,
        None,
        candidate.id,
        candidate.checks[0].code,
        message,
    )


def _approve_one(ctx: RunContext, writer: OutboxWriter, candidate: ReviewCandidate) -> ItemOutcome:
    draft = candidate.draft
    if draft.body is None or draft.external_id is None:
        message = " ".join(p.message for p in draft.problems)
        return ItemOutcome(
            WORKFLOW, candidate.name, Outcome.FAILED, None, candidate.id, "CANNOT_DRAFT", message
        )
    ctx.plan(
        PlannedAction(
            WORKFLOW,
            "create",
            "QuickBooks",
            candidate.name,
            None,
            candidate.id,
            f"invoice for {draft.preview.customer_name}, {draft.preview.subtotal}",
        )
    )
    if ctx.dry_run:
        return ItemOutcome(WORKFLOW, candidate.name, Outcome.CREATED, None, candidate.id)
    body = draft.body
    external_id = draft.external_id

    def find_existing(sent: dict[str, Any]) -> dict[str, Any] | None:
        found = ctx.quickbooks.list_all(
            "invoice",
            customer_ids=[sent["customerId"]],
            transaction_date_from=sent["transactionDate"],
            transaction_date_to=sent["transactionDate"],
            include_line_items=False,
        )
        return next((i for i in found if i.get("externalId") == external_id), None)

    try:
        result = writer.create(WORKFLOW, candidate.id, "invoice", body, find_existing)
    except QuickBooksError:
        raise
    if not result.ok:
        assert result.error is not None
        user = result.error.user_error
        if result.error.connection_problem:
            raise result.error
        code = "NEEDS_VERIFICATION" if result.error.outcome_unknown else user.code
        return ItemOutcome(
            WORKFLOW,
            candidate.name,
            Outcome.FAILED,
            None,
            candidate.id,
            code,
            f"{user.what_happened} {user.what_to_do}".strip(),
            user.details,
        )
    assert result.qb_id is not None
    return _write_back(ctx, candidate.id, result.qb_id, candidate.name)


def _write_back(ctx: RunContext, opportunity_id: str, qb_id: str, label: str) -> ItemOutcome:
    results = ctx.salesforce.update(
        OPPORTUNITY.name, [{"Id": opportunity_id, OPPORTUNITY_LINK_FIELD: qb_id}]
    )
    ctx.recorder.commit([], [Link(WORKFLOW, qb_id, opportunity_id, None)])
    if not results[0].get("success"):
        return ItemOutcome(
            WORKFLOW,
            label,
            Outcome.FAILED,
            qb_id,
            opportunity_id,
            "WRITE_BACK_FAILED",
            "The invoice was created in QuickBooks, but its number could not be "
            "stored on the opportunity. The next approval run stores it.",
        )
    return ItemOutcome(WORKFLOW, label, Outcome.CREATED, qb_id, opportunity_id)
