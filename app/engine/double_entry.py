"""The double-entry guard: a QuickBooks payment that looks like a second entry of another is
mirrored like any other and flagged "possible duplicate payment" for the bookkeeper, never held
back (the mirror reflects QuickBooks and never second-guesses it).

"Looks like" means: same customer, same amount, dated within a few days of a payment entered
into QuickBooks before it, and not told apart by two different reference (check) numbers. The
bookkeeper then deletes the double in QuickBooks (its mirror is marked deleted), or, when it is a
real second payment, says so ("This is correct"), which dismisses the flag.

What the guard knows of each payment it has seen lives in the store (`payment_facts`), so no
extra QuickBooks or Salesforce call is made to find the first entry. Flags live in the store too
(`payment_flags`), shown by the run's report and by every check of the books until dismissed.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from app.domain.outcomes import Outcome
from app.engine.books import money
from app.engine.context import RunContext
from app.engine.deletions import DELETED
from app.engine.mirror_spec import MirrorSpec
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.store import PaymentFact, PaymentFlag, Store

CODE = "POSSIBLE_DUPLICATE_PAYMENT"
TITLE = "possible duplicate payment"
WINDOW = timedelta(days=3)


def guarded(spec: MirrorSpec) -> MirrorSpec:
    """`spec` with the guard run on every page before it is written; nothing is held back."""
    inner = spec.before_write

    def before_write(ctx: RunContext, records: list[dict[str, Any]]) -> list[ItemOutcome]:
        outcomes = inner(ctx, records) if inner is not None else []
        handled = {o.qb_id for o in outcomes}
        flag_double_entries(ctx, spec, [r for r in records if str(r.get("id")) not in handled])
        return outcomes

    return dataclasses.replace(spec, before_write=before_write)


def flag_double_entries(
    ctx: RunContext, spec: MirrorSpec, payments: list[dict[str, Any]]
) -> list[PaymentFlag]:
    """Flags the payments of this page that look like second entries (each once, ever) and
    records each as a warning of the run; they are written to Salesforce all the same."""
    facts = {f.qb_id: f for f in (fact_of(p) for p in payments) if f is not None}
    if not facts:
        return []
    if not ctx.dry_run:
        ctx.store.upsert_payment_facts(facts.values())
    if ctx.only_qb_ids is not None:
        return []
    linked = ctx.store.links_by_qb(spec.link_key, list(facts))
    seen = ctx.store.flagged_payment_ids(list(facts))
    by_id = {str(p.get("id")): p for p in payments}
    flags: list[PaymentFlag] = []
    for fact in facts.values():
        if fact.qb_id in linked or fact.qb_id in seen:
            continue
        first = first_entry(fact, _neighbours(ctx, spec, fact, facts))
        if first is None:
            continue
        payment = by_id[fact.qb_id]
        flags.append(
            PaymentFlag(
                qb_id=fact.qb_id,
                first_qb_id=first.qb_id,
                customer=_customer(payment, fact),
                ref=spec.label(payment),
                amount_cents=fact.amount_cents,
                transaction_date=fact.transaction_date,
                message=_message(payment, fact, first),
                run_id=None if ctx.dry_run else ctx.recorder.run_id,
            )
        )
    for flag in flags:
        ctx.plan(
            PlannedAction(
                workflow=spec.workflow,
                action="flag",
                target="Salesforce",
                record=flag.ref,
                qb_id=flag.qb_id,
                sf_id=None,
                detail=flag.message,
            )
        )
    if not flags:
        return flags
    if not ctx.dry_run:
        ctx.store.flag_payments(flags)
    ctx.recorder.commit(
        [
            ItemOutcome(
                workflow=spec.workflow,
                record_key=f.ref,
                outcome=Outcome.WARNING,
                qb_id=f.qb_id,
                sf_id=None,
                code=CODE,
                message=f.message,
            )
            for f in flags
        ]
    )
    return flags


def dismiss(store: Store, qb_id: str, by: str) -> bool:
    """The bookkeeper says a flagged payment is correct: the flag goes; False if none was open."""
    return store.dismiss_payment_flag(qb_id, by)


def fact_of(payment: dict[str, Any]) -> PaymentFact | None:
    customer = (payment.get("customer") or {}).get("id")
    day = payment.get("transactionDate")
    try:
        cents = int((Decimal(str(payment.get("totalAmount"))) * 100).to_integral_value())
        date.fromisoformat(str(day))
    except (InvalidOperation, ValueError, OverflowError):
        return None  # the mirror reports the odd value on the record
    if not customer or not day or abs(cents) >= 2**63:
        return None
    return PaymentFact(
        qb_id=str(payment["id"]),
        customer_id=str(customer),
        amount_cents=cents,
        transaction_date=str(day),
        ref_number=payment.get("refNumber") or None,
        entered_at=str(payment.get("createdAt") or ""),
    )


def first_entry(fact: PaymentFact, others: list[PaymentFact]) -> PaymentFact | None:
    """The earliest payment `fact` looks like a second entry of, if any."""
    day = date.fromisoformat(fact.transaction_date)
    for other in sorted(others, key=lambda o: (o.entered_at, o.qb_id)):
        if other.qb_id == fact.qb_id or (other.entered_at, other.qb_id) >= (
            fact.entered_at,
            fact.qb_id,
        ):
            continue
        if other.customer_id != fact.customer_id or other.amount_cents != fact.amount_cents:
            continue
        if abs(date.fromisoformat(other.transaction_date) - day) > WINDOW:
            continue
        if _told_apart(fact.ref_number, other.ref_number):
            continue
        return other
    return None


def _told_apart(one: str | None, other: str | None) -> bool:
    return bool(one and other and one.strip().lower() != other.strip().lower())


def _neighbours(
    ctx: RunContext, spec: MirrorSpec, fact: PaymentFact, page: dict[str, PaymentFact]
) -> list[PaymentFact]:
    day = date.fromisoformat(fact.transaction_date)
    stored = ctx.store.payment_facts_matching(
        fact.customer_id,
        fact.amount_cents,
        (day - WINDOW).isoformat(),
        (day + WINDOW).isoformat(),
    )
    found = {f.qb_id: f for f in stored}
    found.update({k: f for k, f in page.items() if k not in found})
    deleted = {
        qb_id
        for qb_id, link in ctx.store.links_by_qb(spec.link_key, list(found)).items()
        if link.content_hash == DELETED
    }
    return [f for qb_id, f in found.items() if qb_id not in deleted]


def _customer(payment: dict[str, Any], fact: PaymentFact) -> str:
    return str((payment.get("customer") or {}).get("fullName") or fact.customer_id)


def _message(payment: dict[str, Any], fact: PaymentFact, first: PaymentFact) -> str:
    amount = money(Decimal(fact.amount_cents) / 100)
    this = fact.ref_number or fact.qb_id
    other = first.ref_number or first.qb_id
    return (
        f"Possible duplicate payment: payment {this} from {_customer(payment, fact)} ({amount}, "
        f"{fact.transaction_date}) looks like a second entry of payment {other} ({amount}, "
        f"{first.transaction_date}), entered earlier. It was copied to Salesforce like any "
        "other. If it was entered twice, delete it in QuickBooks; if it is correct, mark it so "
        f"(Check the books, or reconcile --dismiss {fact.qb_id})."
    )
