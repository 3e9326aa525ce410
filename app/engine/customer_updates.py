"""Updating a linked QuickBooks customer from its Salesforce account, field by field.

Only what QuickBooks still holds as the app last wrote it is changed (see
`app.domain.owned_fields`); a field edited in QuickBooks since is a conflict kept open, with both
values, until the bookkeeper chooses; a new name for a customer waits for the same choice. A
stale revision (QuickBooks error 3200: the customer changed while this run looked at it) is read
again and checked again before the one retry. QuickBooks edits are also noticed when the
customer is read for its balance, before any Salesforce edit could meet them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from app.domain.fieldmap import Side
from app.domain.outcomes import Outcome
from app.domain.owned_fields import (
    ConflictKind,
    FieldConflict,
    FieldGroup,
    UpdatePlan,
    edits_in_quickbooks,
    field_groups,
    flatten,
    nest,
    plan_update,
    read_flat,
)
from app.domain.workflows import ACCOUNT, WorkflowId
from app.engine.context import RunContext
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.quickbooks import QuickBooksError
from app.quickbooks.client import STALE_REVISION
from app.store import Link

WORKFLOW = WorkflowId.CUSTOMERS
CHANGED_IN_QUICKBOOKS = "CHANGED_IN_QUICKBOOKS"
NAME_TO_CONFIRM = "NAME_TO_CONFIRM"
WHERE_TO_CHOOSE = "Choose which to keep under Matches to confirm (or: qbsf match conflicts)."


def groups(ctx: RunContext) -> tuple[FieldGroup, ...]:
    return field_groups(ctx.mapping.for_workflow(WORKFLOW).owned_by(Side.SALESFORCE))


def update_customer(
    ctx: RunContext,
    account: dict[str, Any],
    qb_id: str,
    body: dict[str, Any],
    digest: str,
    link: Link | None,
) -> tuple[ItemOutcome, Link | None, bool]:
    """The outcome, the link to store and whether the account still needs the customer's id."""
    sf_id = str(account["Id"])
    name = str(account.get("Name") or sf_id)
    needs_write_back = account.get(ACCOUNT.quickbooks_id) != qb_id
    if link is not None and link.content_hash == digest:
        outcome = _outcome(name, qb_id, sf_id, Outcome.UNCHANGED)
        return outcome, link, needs_write_back
    owned = groups(ctx)
    paths = [p for g in owned for p in g.paths]
    written = flatten(link.content) if link is not None and link.content else None
    still_open = {c.field for c in ctx.store.open_conflicts(WORKFLOW, qb_id)}
    desired = flatten(body)
    current = ctx.quickbooks.retrieve("customer", qb_id)
    plan = plan_update(owned, desired, read_flat(current, paths), written, still_open)
    answer = current
    if plan.changes:
        ctx.plan(_planned("update", name, qb_id, sf_id, ", ".join(_labels(owned, plan))))
    if plan.changes and not ctx.dry_run:
        try:
            answer = _send(ctx, qb_id, current, plan)
        except QuickBooksError as error:
            if error.integration_code != STALE_REVISION:
                raise
            # Changed in QuickBooks meanwhile: look again, and send only what is still safe.
            current = ctx.quickbooks.retrieve("customer", qb_id)
            plan = plan_update(owned, desired, read_flat(current, paths), written, still_open)
            answer = _send(ctx, qb_id, current, plan) if plan.changes else current
    for conflict in plan.conflicts:
        ctx.plan(_planned("problem", name, qb_id, sf_id, conflict_sentence(conflict)))
    if ctx.dry_run:
        kind = Outcome.UPDATED if plan.changes else Outcome.UNCHANGED
        return _result(name, qb_id, sf_id, plan, kind), None, False
    record_conflicts(ctx, qb_id, sf_id, name, plan.conflicts)
    ctx.store.settle_conflicts(WORKFLOW, qb_id, plan.agreed)
    baseline = {**(written or {}), **plan.written}
    replied = read_flat(answer, plan.changes)
    baseline.update({p: v for p, v in replied.items() if v is not None})
    new_link = Link(
        WORKFLOW, qb_id, sf_id, digest, answer.get("revisionNumber"), content=nest(baseline)
    )
    kind = Outcome.UPDATED if plan.changes else Outcome.UNCHANGED
    return _result(name, qb_id, sf_id, plan, kind), new_link, needs_write_back


def notice_quickbooks_edits(
    ctx: RunContext, customers: Iterable[dict[str, Any]], links: dict[str, Link]
) -> list[ItemOutcome]:
    """Conflicts for fields of linked customers that QuickBooks now holds differently from what
    the app last wrote there; each is reported once, when first found."""
    owned = groups(ctx)
    paths = [p for g in owned for p in g.paths]
    found: list[ItemOutcome] = []
    for customer in customers:
        link = links.get(str(customer.get("id")))
        if link is None or not link.content or not link.sf_id:
            continue
        edits = edits_in_quickbooks(owned, read_flat(customer, paths), flatten(link.content))
        if edits:
            # An open conflict keeps the Salesforce value it was found with.
            still_open = {c.field for c in ctx.store.open_conflicts(WORKFLOW, link.qb_id)}
            edits = tuple(e for e in edits if e.group.label not in still_open)
        if not edits:
            continue
        name = str(customer.get("fullName") or customer.get("name") or link.qb_id)
        fresh = record_conflicts(ctx, link.qb_id, link.sf_id, name, edits)
        if fresh:
            found.append(_conflict_outcome(name, link.qb_id, link.sf_id, fresh))
    return found


def record_conflicts(
    ctx: RunContext, qb_id: str, sf_id: str, name: str, conflicts: Sequence[FieldConflict]
) -> list[FieldConflict]:
    """Stores the conflicts (a preview stores nothing); returns those not already open."""
    if ctx.dry_run:
        return list(conflicts)
    return [
        c
        for c in conflicts
        if ctx.store.record_conflict(
            workflow=WORKFLOW,
            qb_id=qb_id,
            sf_id=sf_id,
            record=name,
            field=c.group.label,
            kind=c.kind.value,
            quickbooks=c.quickbooks,
            salesforce=c.salesforce,
        )
    ]


def conflict_sentence(conflict: FieldConflict) -> str:
    qb, sf = conflict.quickbooks_text or "(empty)", conflict.salesforce_text or "(empty)"
    if conflict.kind is ConflictKind.NEW_NAME:
        return f"QuickBooks calls this customer '{qb}'; Salesforce calls it '{sf}'."
    return f"{conflict.group.label} was changed in QuickBooks to '{qb}'; Salesforce has '{sf}'."


def _send(ctx: RunContext, qb_id: str, current: dict[str, Any], plan: UpdatePlan) -> dict[str, Any]:
    revision = str(current["revisionNumber"])
    body = whole_objects(nest(plan.changes), current)
    return ctx.quickbooks.update("customer", qb_id, revision, body, retry_stale=False)


def whole_objects(body: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """`body` with each object it changes (an address) completed from QuickBooks' current one:
    QuickBooks replaces an address aggregate whole, so a part left out would be emptied."""
    out = dict(body)
    for key, value in body.items():
        held = current.get(key)
        if isinstance(value, dict) and isinstance(held, dict):
            out[key] = {**{k: v for k, v in held.items() if v is not None}, **value}
    return out


def _result(name: str, qb_id: str, sf_id: str, plan: UpdatePlan, written: Outcome) -> ItemOutcome:
    if any(c.kind is ConflictKind.EDITED for c in plan.conflicts):
        return _conflict_outcome(name, qb_id, sf_id, plan.conflicts)
    if plan.conflicts:
        sentences = " ".join(conflict_sentence(c) for c in plan.conflicts)
        return ItemOutcome(
            workflow=WORKFLOW,
            record_key=name,
            outcome=Outcome.WARNING,
            qb_id=qb_id,
            sf_id=sf_id,
            code=NAME_TO_CONFIRM,
            message=f"{sentences} The QuickBooks name was kept. {WHERE_TO_CHOOSE}",
        )
    return _outcome(name, qb_id, sf_id, written)


def _conflict_outcome(
    name: str, qb_id: str, sf_id: str, conflicts: Sequence[FieldConflict]
) -> ItemOutcome:
    sentences = " ".join(conflict_sentence(c) for c in conflicts)
    return ItemOutcome(
        workflow=WORKFLOW,
        record_key=name,
        outcome=Outcome.CONFLICT,
        qb_id=qb_id,
        sf_id=sf_id,
        code=CHANGED_IN_QUICKBOOKS,
        message=f"{sentences} Nothing was overwritten. {WHERE_TO_CHOOSE}",
    )


def _outcome(name: str, qb_id: str, sf_id: str, outcome: Outcome) -> ItemOutcome:
    return ItemOutcome(
        workflow=WORKFLOW, record_key=name, outcome=outcome, qb_id=qb_id, sf_id=sf_id
    )


def _planned(action: str, name: str, qb_id: str, sf_id: str, detail: str) -> PlannedAction:
    return PlannedAction(
        workflow=WORKFLOW,
        action=action,
        target="QuickBooks",
        record=name,
        qb_id=qb_id,
        sf_id=sf_id,
        detail=detail,
    )


def _labels(owned: Sequence[FieldGroup], plan: UpdatePlan) -> list[str]:
    return [g.label for g in owned if any(p in plan.changes for p in g.paths)]
