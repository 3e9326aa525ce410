"""Sending an approved invoice to QuickBooks through the outbox, checking what QuickBooks saved,
and writing the link back to Salesforce (the opportunity and the invoice's mirror)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from app.domain.invoice_errors import REPLY_MISMATCH, invoice_reply_mismatch
from app.domain.invoice_reply import differences
from app.domain.outcomes import Outcome
from app.domain.record_mapping import map_quickbooks_record, salesforce_json
from app.domain.user_error import UserFacingError
from app.domain.workflows import INVOICE, OPPORTUNITY, WorkflowId
from app.engine.context import RunContext
from app.engine.outbox import CreateOutcome, OutboxWriter
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.store import Approval, Link, OutboxEntry, OutboxState

if TYPE_CHECKING:
    from app.engine.review import ReviewCandidate

log = logging.getLogger(__name__)

WORKFLOW = WorkflowId.OPPORTUNITIES
KIND = "invoice"


def planned(ctx: RunContext, candidate: ReviewCandidate) -> ItemOutcome:
    """What a preview reports for an invoice it would create."""
    preview = candidate.draft.preview
    ctx.plan(
        PlannedAction(
            workflow=WORKFLOW,
            action="create",
            target="QuickBooks",
            record=candidate.name,
            qb_id=None,
            sf_id=candidate.id,
            detail=f"invoice {preview.ref_number} for {preview.customer_name}, {preview.subtotal}",
        )
    )
    return ItemOutcome(
        workflow=WORKFLOW,
        record_key=candidate.name,
        outcome=Outcome.CREATED,
        qb_id=None,
        sf_id=candidate.id,
    )


def recover(
    ctx: RunContext, writer: OutboxWriter, candidate: ReviewCandidate
) -> ItemOutcome | None:
    """The invoice an earlier attempt created (confirmed, or found after an unknown outcome),
    written back; None when there is none."""
    external_id = candidate.draft.external_id
    if external_id is None:
        return None
    entry = ctx.store.outbox_get(external_id)
    if entry is None or entry.state not in {OutboxState.SENT, OutboxState.DONE}:
        return None
    found = writer.recover(KIND, external_id, _finder(ctx, external_id))
    if found is None:
        return None
    return _created(ctx, found, entry.payload, candidate.id, candidate.name)


def finish_outside_queue(
    ctx: RunContext, writer: OutboxWriter, entry: OutboxEntry
) -> ItemOutcome | None:
    """An approved invoice whose opportunity left the queue (its id written back, or changed
    out of it) after the create was sent: linked if QuickBooks has it, else not sent again."""
    if entry.state not in {OutboxState.SENT, OutboxState.DONE}:
        return None
    found = writer.recover(KIND, entry.external_id, _finder(ctx, entry.external_id))
    if found is None:
        return None
    return _created(ctx, found, entry.payload, entry.sf_id, entry.sf_id)


def send(ctx: RunContext, writer: OutboxWriter, label: str, approval: Approval) -> ItemOutcome:
    """The approved draft, exactly as signed."""
    body = approval.draft
    opportunity_id = approval.sf_opportunity_id
    external_id = str(body["externalId"])
    result = writer.create(
        WORKFLOW, opportunity_id, KIND, body, _finder(ctx, external_id), signed=True
    )
    if result.unsigned:
        return _failure(
            label,
            opportunity_id,
            "NOT_APPROVED",
            "The invoice waiting to be sent is not the one approved, so it was not sent. "
            "Review the opportunity again and approve it.",
        )
    if not result.ok:
        assert result.error is not None
        if result.error.connection_problem:
            raise result.error
        user = result.error.user_error
        code = "NEEDS_VERIFICATION" if result.error.outcome_unknown else user.code
        return _failure(
            label,
            opportunity_id,
            code,
            f"{user.what_happened} {user.what_to_do}".strip(),
            user.details,
        )
    return _created(ctx, result, body, opportunity_id, label)


def _created(
    ctx: RunContext, result: CreateOutcome, sent: dict[str, Any], opportunity_id: str, label: str
) -> ItemOutcome:
    assert result.qb_id is not None
    # A create confirmed by an earlier run is read again: nothing is linked unchecked.
    invoice = result.record or ctx.quickbooks.retrieve(KIND, result.qb_id)
    _check_reply(ctx, opportunity_id, sent, invoice)
    return write_back(ctx, opportunity_id, result.qb_id, label, invoice)


def _check_reply(
    ctx: RunContext, opportunity_id: str, sent: dict[str, Any], created: dict[str, Any]
) -> None:
    """QuickBooks saved what was approved; otherwise the approval is held for the bookkeeper
    (never linked by a sync) and the run stops before anything else is created."""
    found = differences(sent, created)
    if not found:
        return
    log.error("invoice %s differs from the approved one: %s", created.get("id"), found)
    error = invoice_reply_mismatch(str(created.get("refNumber") or ""), str(created["id"]), found)
    if not ctx.dry_run:
        ctx.store.hold_approval(opportunity_id, held_reason(created, found))
    raise UserFacingError(error)


def held_reason(created: dict[str, Any], found: list[str]) -> str:
    """What the review queue says of a held approval."""
    number = created.get("refNumber") or created.get("id")
    return f"QuickBooks saved invoice #{number} differently from the approved one: " + "; ".join(
        found
    )


def accept_held(ctx: RunContext, label: str, approval: Approval) -> ItemOutcome:
    """The bookkeeper looked at the invoice QuickBooks saved and approved it again: it is
    linked as QuickBooks has it, once."""
    entry = ctx.store.outbox_get(str(approval.draft.get("externalId") or ""))
    if entry is None or entry.qb_id is None:
        return _failure(
            label,
            approval.sf_opportunity_id,
            REPLY_MISMATCH,
            "The invoice QuickBooks saved for this opportunity is not known. Check QuickBooks.",
        )
    outcome = write_back(ctx, approval.sf_opportunity_id, entry.qb_id, label)
    if outcome.outcome is Outcome.CREATED and not ctx.dry_run:
        ctx.store.release_approval(approval.sf_opportunity_id)
    return outcome


def _finder(ctx: RunContext, external_id: str):  # type: ignore[no-untyped-def]
    def find_existing(sent: dict[str, Any]) -> dict[str, Any] | None:
        found = ctx.quickbooks.list_all(
            KIND,
            customer_ids=[sent["customerId"]],
            transaction_date_from=sent["transactionDate"],
            transaction_date_to=sent["transactionDate"],
            include_line_items=False,
        )
        return next((i for i in found if i.get("externalId") == external_id), None)

    return find_existing


def write_back(
    ctx: RunContext,
    opportunity_id: str,
    qb_id: str,
    label: str,
    invoice: dict[str, Any] | None = None,
) -> ItemOutcome:
    """The invoice's mirror names its opportunity, then the opportunity holds the invoice id;
    the link is kept once both are written."""
    mirrored = _mirror(ctx, opportunity_id, invoice or ctx.quickbooks.retrieve(KIND, qb_id))
    results = (
        ctx.salesforce.update(
            OPPORTUNITY.name, [{"Id": opportunity_id, OPPORTUNITY.quickbooks_id: qb_id}]
        )
        if mirrored
        else [{"success": False}]
    )
    if not results[0].get("success"):
        return ItemOutcome(
            workflow=WORKFLOW,
            record_key=label,
            outcome=Outcome.FAILED,
            qb_id=qb_id,
            sf_id=opportunity_id,
            code="WRITE_BACK_FAILED",
            message="The invoice was created in QuickBooks, but its number could not be "
            "stored on the opportunity. The next approval run stores it.",
        )
    ctx.recorder.commit([], [Link(WORKFLOW, qb_id, opportunity_id, None)])
    return ItemOutcome(
        workflow=WORKFLOW,
        record_key=label,
        outcome=Outcome.CREATED,
        qb_id=qb_id,
        sf_id=opportunity_id,
    )


def _mirror(ctx: RunContext, opportunity_id: str, invoice: dict[str, Any]) -> bool:
    mapped = map_quickbooks_record(ctx.mapping, WorkflowId.INVOICES, invoice)
    if mapped.record is None:
        log.warning("invoice %s cannot be mirrored: %s", invoice.get("id"), mapped.problems)
        return False
    record = {**salesforce_json(mapped.record), INVOICE.opportunity: opportunity_id}
    results = ctx.salesforce.upsert(INVOICE.name, INVOICE.quickbooks_id, [record])
    return bool(results and results[0].get("success"))


def _failure(
    label: str, opportunity_id: str, code: str, message: str, details: str | None = None
) -> ItemOutcome:
    return ItemOutcome(
        workflow=WORKFLOW,
        record_key=label,
        outcome=Outcome.FAILED,
        qb_id=None,
        sf_id=opportunity_id,
        code=code,
        message=message,
        details=details,
    )
