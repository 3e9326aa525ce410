"""Won opportunities waiting to become QuickBooks invoices: list, approve, skip.

Nothing is written to QuickBooks without the bookkeeper's approval, and an approval is a signature
on one exact invoice: approving stores the draft shown (invoice number included) with its
fingerprint, and what is sent is that stored draft. An opportunity changed in Salesforce before
QuickBooks confirms the create voids the approval: it is back in the queue, showing what was
approved and what it is now, and no sync creates it until it is approved again.

Only opportunities won on or after the go-live date are offered, and not those QuickBooks already
has an invoice for. Each draft passes the accounting pre-flight checks first; their problems show
in the review queue and stop the approval before anything is sent.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.fieldmap import Side
from app.domain.invoice_draft import (
    CUSTOMER_ID_PATH,
    ITEM_ID_PATH,
    InvoiceDraft,
    draft_invoice,
    fingerprint,
)
from app.domain.outcomes import Outcome, Problem
from app.domain.workflows import ACCOUNT, OPPORTUNITY, PRODUCT, WORKFLOWS, WorkflowId
from app.engine import invoice_numbers, invoice_send, invoiced_elsewhere, preflight
from app.engine.books import money
from app.engine.context import RunContext
from app.engine.outbox import OutboxWriter
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.quickbooks import QuickBooksError
from app.salesforce.soql import IN_VALUES
from app.store import Approval, OutboxEntry, OutboxState, Store
from app.store.settings import GO_LIVE_DATE

log = logging.getLogger(__name__)

WORKFLOW = WorkflowId.OPPORTUNITIES
OPPORTUNITY_LINK_FIELD = OPPORTUNITY.quickbooks_id
CLOSE_DATE = "CloseDate"
SKIPPED = "skipped"
APPROVED = "approved"
ALREADY_INVOICED = "ALREADY_INVOICED"
APPROVAL_LAPSED = "APPROVAL_LAPSED"
CHANGED_SINCE_REVIEW = "CHANGED_SINCE_REVIEW"


@dataclass(frozen=True)
class Reviewed:
    """The invoice the bookkeeper looked at: its number and its fingerprint."""

    ref_number: str
    fingerprint: str


@dataclass(frozen=True)
class ReviewCandidate:
    opportunity: dict[str, Any]
    lines: list[dict[str, Any]]
    draft: InvoiceDraft  # its preview's problems include the pre-flight ones
    decision: str | None  # None (waiting), "skipped" or "approved"
    checks: tuple[Problem, ...] = ()  # pre-flight problems: QuickBooks would refuse, or should
    #: The approval on record, live or lapsed.
    approval: Approval | None = None
    #: The invoice number of the QuickBooks invoice that already bills this opportunity.
    invoiced_as: str | None = None
    #: The fingerprint of the numbered invoice as Salesforce has it now, checks aside.
    content_fingerprint: str | None = None

    @property
    def id(self) -> str:
        return str(self.opportunity["Id"])

    @property
    def name(self) -> str:
        return str(self.opportunity.get("Name") or self.id)

    @property
    def ref_number(self) -> str | None:
        return self.draft.preview.ref_number

    @property
    def fingerprint(self) -> str | None:
        """The invoice as shown: what approving it signs (None while it cannot be approved)."""
        return None if self.draft.problems else self.content_fingerprint

    @property
    def reviewed(self) -> Reviewed | None:
        """What approving this invoice as shown signs; None while it cannot be approved."""
        if self.fingerprint is None or self.ref_number is None:
            return None
        return Reviewed(self.ref_number, self.fingerprint)

    @property
    def needs_attention(self) -> str | None:
        """'needs attention: QuickBooks saved invoice #1043 differently ...' for a held one."""
        if self.approval is None or self.approval.held_reason is None:
            return None
        return (
            f"needs attention: {self.approval.held_reason}. Check it in QuickBooks, then "
            "approve to link it as QuickBooks has it, or skip"
        )

    @property
    def changed_since_approval(self) -> str | None:
        """'changed since you approved: was $1,240.43, now $5,012.12' for a lapsed approval."""
        if self.approval is None or not self.approval.lapsed:
            return None
        was = money(Decimal(self.approval.total))
        return f"changed since you approved: was {was}, now {money(self.draft.preview.subtotal)}"


def state_text(candidate: ReviewCandidate) -> str:
    """What the queue says of one opportunity: invoiced already, changed, or its decision."""
    if candidate.invoiced_as is not None:
        return f"already invoiced as #{candidate.invoiced_as}"
    held = candidate.needs_attention
    if held is not None:
        return held
    changed = candidate.changed_since_approval
    if changed is not None:
        return changed
    if candidate.decision:
        return candidate.decision
    return "cannot be invoiced yet" if candidate.draft.preview.problems else "waiting"


def go_live_date(store: Store) -> str:
    """The first day whose won opportunities are invoiced: set the first time it is needed."""
    chosen = store.get(GO_LIVE_DATE)
    if not chosen:
        chosen = date.today().isoformat()
        store.set(GO_LIVE_DATE, chosen)
    return chosen


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
            CLOSE_DATE,
            "Amount",
            OPPORTUNITY_LINK_FIELD,
        }
    )
    base.update(f for rule in rules for f in rule.sources)
    number_field = None if lines else invoice_numbers.opportunity_field(ctx)
    if number_field:
        base.add(number_field)
    return sorted(base)


def candidates(
    ctx: RunContext, ids: list[str] | None = None, *, checks: bool = True
) -> list[ReviewCandidate]:
    """Waiting opportunities (or those in `ids`, checked in that order) with their drafts.

    Listing without `ids` shows the queue even when QuickBooks cannot be reached for the
    numbers and checks; approving (with `ids`) needs them. `checks=False` skips them (and their
    QuickBooks reads), e.g. to count the queue.
    """
    found = _drafted(ctx)
    try:
        if not checks:
            return _chosen(found, ids)
        # Numbers follow the whole queue's order, so the number approved is the one listed.
        found = _numbered(ctx, _invoiced_elsewhere(ctx, found))
        return _checked(ctx, _chosen(found, ids))
    except QuickBooksError as error:
        if ids is not None:
            raise
        log.info("invoice numbers and pre-flight checks skipped while listing: %s", error)
        return found


def _chosen(found: list[ReviewCandidate], ids: list[str] | None) -> list[ReviewCandidate]:
    if ids is None:
        return found
    by_id = {c.id: c for c in found}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


def _drafted(ctx: RunContext) -> list[ReviewCandidate]:
    where = WORKFLOWS[WORKFLOW].salesforce_scope or ""
    where += f" AND {CLOSE_DATE} >= {go_live_date(ctx.store)}"
    soql = (
        f"SELECT {', '.join(_fields(ctx, lines=False))} FROM {OPPORTUNITY.name} "  # noqa: S608
        f"WHERE {where} ORDER BY {CLOSE_DATE}, Id"
    )
    opportunities = ctx.salesforce.query_all(soql)
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
    approvals = ctx.store.approvals()
    customer_links = {
        link.sf_id: link.qb_id for link in ctx.store.links(WorkflowId.CUSTOMERS) if link.sf_id
    }
    item_links = {
        link.sf_id: link.qb_id for link in ctx.store.links(WorkflowId.ITEMS) if link.sf_id
    }
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
        opportunity_id = str(opportunity["Id"])
        result.append(
            ReviewCandidate(
                opportunity,
                lines,
                draft,
                decisions.get(opportunity_id),
                approval=approvals.get(opportunity_id),
            )
        )
    return result


def _invoiced_elsewhere(ctx: RunContext, found: list[ReviewCandidate]) -> list[ReviewCandidate]:
    """Marks the opportunities QuickBooks already has an invoice for; those the outbox knows
    about are the app's own, finished by the outbox instead."""
    deals = [
        invoiced_elsewhere.Deal(
            c.id,
            c.name,
            c.draft.preview.quickbooks_customer_id or "",
            c.draft.preview.transaction_date,
        )
        for c in found
        if c.draft.external_id and ctx.store.outbox_get(c.draft.external_id) is None
    ]
    billed = invoiced_elsewhere.find(ctx, deals)
    result = []
    for c in found:
        invoice = billed.get(c.id)
        if invoice is None:
            result.append(c)
            continue
        number = str(invoice.get("refNumber") or invoice.get("id"))
        problem = Problem(
            f"Already invoiced as #{number} in QuickBooks (dated "
            f"{invoice.get('transactionDate')}, {money(Decimal(str(invoice.get('subtotal') or 0)))}"
            "). Skip this opportunity, or void that invoice in QuickBooks first.",
            "Id",
            ALREADY_INVOICED,
        )
        result.append(_with_checks(dataclasses.replace(c, invoiced_as=number), (problem,)))
    return result


def _numbered(ctx: RunContext, found: list[ReviewCandidate]) -> list[ReviewCandidate]:
    """Each invoice with its number: a live approval's own, or the next one the rule gives."""
    return [_fingerprinted(c) for c in _with_numbers(ctx, found)]


def _fingerprinted(candidate: ReviewCandidate) -> ReviewCandidate:
    body = candidate.draft.body
    if body is None or candidate.ref_number is None:
        return candidate
    return dataclasses.replace(candidate, content_fingerprint=fingerprint(body))


def _with_numbers(ctx: RunContext, found: list[ReviewCandidate]) -> list[ReviewCandidate]:
    fresh = [
        c
        for c in found
        if c.draft.body is not None
        and not c.checks
        and not _live(c.approval)
        and not _finishing(ctx, c)
    ]
    numbers = invoice_numbers.propose(ctx, [c.opportunity for c in fresh])
    result = []
    for c in found:
        approval = c.approval
        if _live(approval):
            assert approval is not None
            result.append(dataclasses.replace(c, draft=c.draft.numbered(approval.ref_number)))
            continue
        if _finishing(ctx, c):
            entry = ctx.store.outbox_get(c.draft.external_id or "")
            sent = str((entry.payload if entry else {}).get("refNumber") or "")
            result.append(dataclasses.replace(c, draft=c.draft.numbered(sent)) if sent else c)
            continue
        number = numbers.get(c.id)
        if isinstance(number, Problem):
            result.append(_with_checks(c, (number,)))
        elif number is not None:
            result.append(dataclasses.replace(c, draft=c.draft.numbered(number)))
        else:
            result.append(c)
    return result


def _live(approval: Approval | None) -> bool:
    return approval is not None and not approval.lapsed


def _finishing(ctx: RunContext, candidate: ReviewCandidate) -> bool:
    """Sent under an approval that still holds: finished through the outbox, never stopped by
    a check or given another number."""
    if candidate.approval is not None and candidate.approval.lapsed:
        return False
    return _sent(ctx, candidate)


def _sent(ctx: RunContext, candidate: ReviewCandidate) -> bool:
    """A create already sent (or confirmed) is finished through the outbox."""
    if candidate.draft.external_id is None:
        return False
    return not _unsent(ctx.store.outbox_get(candidate.draft.external_id))


def _checked(ctx: RunContext, found: list[ReviewCandidate]) -> list[ReviewCandidate]:
    unsent = [c for c in found if not c.checks and not _finishing(ctx, c)]
    problems = preflight.invoice_problems(ctx, [(c.id, c.draft) for c in unsent])
    return [_with_checks(c, problems[c.id]) if c.id in problems else c for c in found]


def _unsent(entry: OutboxEntry | None) -> bool:
    return entry is None or entry.state in {OutboxState.PENDING, OutboxState.FAILED}


def _with_checks(candidate: ReviewCandidate, checks: tuple[Problem, ...]) -> ReviewCandidate:
    draft = candidate.draft
    preview = dataclasses.replace(draft.preview, problems=draft.preview.problems + checks)
    shown = dataclasses.replace(draft, body=None, preview=preview)
    return dataclasses.replace(candidate, draft=shown, checks=candidate.checks + checks)


def skip(ctx: RunContext, ids: list[str]) -> None:
    for opportunity_id in ids:
        ctx.store.set_review_decision(opportunity_id, SKIPPED)


def unskip(store: Store, ids: list[str]) -> None:
    """Skipped opportunities back in the queue, waiting again; an approval is never undone."""
    decided = store.review_decisions()
    for opportunity_id in ids:
        if decided.get(opportunity_id) == SKIPPED:
            store.clear_review_decision(opportunity_id)


def approve(
    ctx: RunContext, ids: list[str], reviewed: Mapping[str, Reviewed] | None = None
) -> None:
    """Sign and create one QuickBooks invoice per opportunity, each exactly once.

    `reviewed` maps opportunity ids to the invoice the bookkeeper saw; one that differs from
    the invoice as it is now is not approved, and one approved keeps the number it was shown.
    Approvals signed earlier are sent as signed, or lapse when the opportunity changed since.
    """
    linked = {link.sf_id for link in ctx.store.links(WORKFLOW)}
    ids = [i for i in dict.fromkeys(ids) if i not in linked]
    if not ids:
        return
    writer = OutboxWriter(ctx.store, ctx.quickbooks.create)
    queue = {c.id: c for c in candidates(ctx, ids)}
    # Sent earlier but no longer in the queue (written back, or changed out of it): finish.
    for entry in ctx.store.outbox_entries(workflow=WORKFLOW):
        if entry.sf_id in ids and entry.sf_id not in queue:
            outcome = invoice_send.finish_outside_queue(ctx, writer, entry)
            if outcome is not None:
                ctx.recorder.commit([outcome])
    for opportunity_id in ids:
        ctx.check_cancel()
        candidate = queue.get(opportunity_id)
        if candidate is None:
            _lapse_if_gone(ctx, opportunity_id)
            continue
        ctx.recorder.commit(
            [_approve_one(ctx, writer, candidate, (reviewed or {}).get(candidate.id))]
        )


def _approve_one(
    ctx: RunContext, writer: OutboxWriter, candidate: ReviewCandidate, seen: Reviewed | None
) -> ItemOutcome:
    if candidate.approval is not None and candidate.approval.held:
        return invoice_send.accept_held(ctx, candidate.name, candidate.approval)
    recovered = invoice_send.recover(ctx, writer, candidate)
    if recovered is not None:
        return recovered
    approval = candidate.approval if _live(candidate.approval) else None
    if approval is None and candidate.approval is None and _sent(ctx, candidate):
        approval = _as_sent(ctx, candidate)
    if approval is not None and candidate.content_fingerprint != approval.fingerprint:
        return _lapse(ctx, candidate, approval, "The opportunity changed in Salesforce")
    if candidate.checks or candidate.fingerprint is None:
        return _refused(ctx, candidate)
    if approval is None:
        if seen is not None and seen.ref_number != candidate.ref_number:
            candidate = _renumbered(ctx, candidate, seen.ref_number)
        if seen is not None and seen.fingerprint != candidate.fingerprint:
            return _failed(
                candidate,
                CHANGED_SINCE_REVIEW,
                "The opportunity changed in Salesforce after you looked at it; nothing was "
                "approved. Refresh the queue, check the invoice again and approve it.",
            )
        approval = _sign(ctx, candidate)
        if approval is None:
            return invoice_send.planned(ctx, candidate)
    taken = invoice_numbers.in_use(ctx, [approval.ref_number])
    if approval.ref_number in taken:
        problem = invoice_numbers.taken(approval.ref_number, taken[approval.ref_number])
        return _lapse(ctx, candidate, approval, problem.message)
    return invoice_send.send(ctx, writer, candidate.name, approval)


def _renumbered(ctx: RunContext, candidate: ReviewCandidate, number: str) -> ReviewCandidate:
    """The invoice with the number it was shown, while that number is still free (approving
    others first moves the next number on)."""
    if number in ctx.store.reserved_ref_numbers() or invoice_numbers.in_use(ctx, [number]):
        return candidate
    return _fingerprinted(dataclasses.replace(candidate, draft=candidate.draft.numbered(number)))


def _sign(ctx: RunContext, candidate: ReviewCandidate) -> Approval | None:
    """Records the approval of the invoice as shown; None in a preview, which records nothing."""
    body = candidate.draft.body
    assert body is not None and candidate.ref_number and candidate.fingerprint
    if ctx.dry_run:
        return None
    approval = Approval(
        sf_opportunity_id=candidate.id,
        fingerprint=candidate.fingerprint,
        draft=body,
        ref_number=candidate.ref_number,
        total=str(candidate.draft.preview.subtotal),
        approved_at="",
    )
    ctx.store.sign_approval(
        approval,
        workflow=WORKFLOW,
        external_id=str(body["externalId"]),
        operation="create_invoice",
    )
    invoice_numbers.taken_up(ctx, candidate.ref_number)
    return approval


def _as_sent(ctx: RunContext, candidate: ReviewCandidate) -> Approval:
    """The approval of a create sent before approvals were stored: what was sent."""
    entry = ctx.store.outbox_get(candidate.draft.external_id or "")
    assert entry is not None
    payload = entry.payload
    return Approval(
        sf_opportunity_id=candidate.id,
        fingerprint=fingerprint(payload),
        draft=payload,
        ref_number=str(payload.get("refNumber") or ""),
        total=str(candidate.draft.preview.subtotal),
        approved_at=entry.created_at,
    )


def _lapse(
    ctx: RunContext, candidate: ReviewCandidate, approval: Approval, reason: str
) -> ItemOutcome:
    if not ctx.dry_run:
        ctx.store.lapse_approval(candidate.id, reason)
    was = money(Decimal(approval.total))
    message = (
        f"{reason} after you approved invoice {approval.ref_number} ({was}); it is now "
        f"{money(candidate.draft.preview.subtotal)}. Nothing was sent to QuickBooks: it is back "
        "in the review queue to approve again."
    )
    return _failed(candidate, APPROVAL_LAPSED, message)


def _lapse_if_gone(ctx: RunContext, opportunity_id: str) -> None:
    """An approved opportunity that left the queue before its invoice was sent (lost, its
    invoice linked elsewhere, or no longer won) is not sent."""
    approval = ctx.store.approval(opportunity_id)
    if approval is None or approval.lapsed or ctx.dry_run:
        return
    entry = ctx.store.outbox_get(str(approval.draft.get("externalId") or ""))
    if entry is None or entry.state in {OutboxState.PENDING, OutboxState.FAILED}:
        ctx.store.lapse_approval(
            opportunity_id, "The opportunity is no longer waiting to be invoiced"
        )


def _refused(ctx: RunContext, candidate: ReviewCandidate) -> ItemOutcome:
    problems = candidate.checks or candidate.draft.problems
    message = " ".join(p.message for p in problems) or "The invoice has no number yet."
    ctx.plan(
        PlannedAction(
            workflow=WORKFLOW,
            action="problem",
            target="QuickBooks",
            record=candidate.name,
            qb_id=None,
            sf_id=candidate.id,
            detail=message,
        )
    )
    code = problems[0].code if problems else invoice_numbers.NO_NUMBER
    return _failed(candidate, code, message)


def _failed(candidate: ReviewCandidate, code: str, message: str) -> ItemOutcome:
    return ItemOutcome(
        workflow=WORKFLOW,
        record_key=candidate.name,
        outcome=Outcome.FAILED,
        qb_id=None,
        sf_id=candidate.id,
        code=code,
        message=message,
    )
