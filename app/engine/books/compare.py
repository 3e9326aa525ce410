"""The comparison: both sides' figures, and, only where they disagree, the records themselves,
to list exactly which are missing, extra or different."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from app.domain.record_mapping import invoice_status
from app.domain.workflows import INVOICE, PAYMENT, WorkflowId
from app.engine.books import early as early_answers
from app.engine.books import salesforce_side as sf
from app.engine.books.early import EarlyAnswers
from app.engine.books.kept_side import KeptSide, keep, last_run_id
from app.engine.books.lookup import find_records
from app.engine.books.model import (
    Comparison,
    CustomerFigures,
    Difference,
    Kind,
    PossibleDuplicate,
    Reconciliation,
    Totals,
    default_period,
)
from app.engine.books.presence import missing_in_salesforce
from app.engine.books.quickbooks_side import (
    QuickBooksSide,
    amount_of,
    home,
    read_quickbooks,
    ref_of,
)
from app.engine.books.receivables import receivable_differences
from app.engine.context import enabled_workflows
from app.engine.deletions import DELETED
from app.quickbooks import QuickBooks
from app.salesforce.client import SalesforceClient
from app.store import Store

PAYMENTS = WorkflowId.PAYMENTS


def reconcile(
    quickbooks: QuickBooks,
    salesforce: SalesforceClient,
    store: Store,
    *,
    period: tuple[date, date] | None = None,
) -> Reconciliation:
    """Compare both sides now, reading QuickBooks and Salesforce."""
    start, end = period or default_period()
    read_at = datetime.now(UTC)
    qb = read_quickbooks(quickbooks, start, end)
    result = compare(quickbooks, salesforce, store, qb, (start, end))
    kept = KeptSide(qb, last_run_id(store), read_at, result.deletions_through)
    keep(store, kept)
    return result


def compare(
    quickbooks: QuickBooks,
    salesforce: SalesforceClient,
    store: Store,
    qb: QuickBooksSide,
    period: tuple[date, date],
    *,
    deletions_since: datetime | None = None,
    early: EarlyAnswers | None = None,
) -> Reconciliation:
    """Compare QuickBooks' side as given (read now, or kept and brought up to date by a sync)
    with Salesforce read now (or `early`, where nothing written since changes it); with
    `deletions_since`, only records Salesforce deleted after it are looked for among the linked
    ones."""
    enabled = set(enabled_workflows(store))
    result, figures = _compare(
        quickbooks, salesforce, store, qb, *period, deletions_since, enabled, early
    )
    result.credits, result.unapplied, result.balances, found = receivable_differences(
        quickbooks, salesforce, qb, figures, enabled
    )
    named = {(d.workflow, d.qb_id) for d in result.differences}
    result.differences += [d for d in found if (d.workflow, d.qb_id) not in named]
    return result


def _compare(
    quickbooks: QuickBooks,
    salesforce: SalesforceClient,
    store: Store,
    qb: QuickBooksSide,
    start: date,
    end: date,
    deletions_since: datetime | None,
    enabled: set[WorkflowId],
    early: EarlyAnswers | None = None,
) -> tuple[Reconciliation, sf.Figures]:
    # Salesforce is asked on threads: its answers wait on the network while QuickBooks' side is
    # summed here.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="books-figures") as pool:
        asked = pool.submit(_figures, salesforce, start, end, enabled, early)
        present = pool.submit(
            lambda: missing_in_salesforce(
                quickbooks,
                salesforce,
                store,
                since=deletions_since,
                asked=early_answers.deleted_log(early, deletions_since),
                listed=early_answers.listed(early, salesforce),
            )
        )
        qb_by_customer = qb.open_by_customer
        figures, presence = asked.result(), present.result()
    sf_by_customer, sf_payments = figures.open_by_customer, figures.payments
    keys = set(qb_by_customer) | set(sf_by_customer)
    compared = {
        key: Comparison(
            quickbooks=qb_by_customer.get(key, Totals()) if key is not None else Totals(),
            salesforce=sf_by_customer.get(key, Totals()),
        )
        for key in sorted(keys, key=lambda k: (k is None, str(k)))
    }
    # Names are read from every record kept: only when a customer's figures differ.
    disagreeing = {key: c for key, c in compared.items() if not c.agrees}
    names = qb.names if disagreeing else {}
    differing = [
        CustomerFigures(
            qb_id=key,
            name=names.get(key or "", "") or (key or "(no QuickBooks customer)"),
            open_invoices=comparison,
        )
        for key, comparison in disagreeing.items()
    ]
    result = Reconciliation(
        checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
        period_from=start,
        period_to=end,
        open_invoices=Comparison(
            quickbooks=sum(qb_by_customer.values(), Totals()),
            salesforce=sum(sf_by_customer.values(), Totals()),
        ),
        payments=Comparison(quickbooks=qb.payment_totals(start, end), salesforce=sf_payments),
        customers=differing,
        customers_compared=len(keys),
    )
    if differing:
        found, account_names = _invoice_differences(quickbooks, salesforce, qb, differing)
        result.differences += found
        result.customers = [
            CustomerFigures(
                qb_id=c.qb_id, name=account_names[c.qb_id], open_invoices=c.open_invoices
            )
            if c.qb_id not in names and c.qb_id in account_names
            else c
            for c in differing
        ]
    if not result.payments.agrees:
        result.differences += _payment_differences(quickbooks, salesforce, qb, start, end)
    named = {(d.workflow, d.qb_id) for d in result.differences}
    result.differences += [d for d in presence.missing if (d.workflow, d.qb_id) not in named]
    result.deletions_through = presence.through
    result.possible_duplicates = possible_duplicates(store)
    return result, figures


def _figures(
    salesforce: SalesforceClient,
    start: date,
    end: date,
    enabled: set[WorkflowId],
    early: EarlyAnswers | None,
) -> sf.Figures:
    known = early_answers.figures(early, salesforce, (start, end), frozenset(enabled))
    return known or sf.read_figures(salesforce, start, end, enabled)


def possible_duplicates(store: Store) -> list[PossibleDuplicate]:
    """The open flags of payments still in QuickBooks (a deleted one needs no look)."""
    flags = store.payment_flags()
    gone = {
        qb_id
        for qb_id, link in store.links_by_qb(PAYMENTS, [f.qb_id for f in flags]).items()
        if link.content_hash == DELETED
    }
    return [
        PossibleDuplicate(
            qb_id=f.qb_id,
            ref=f.ref,
            customer=f.customer,
            amount=Decimal(f.amount_cents) / 100,
            transaction_date=f.transaction_date,
            first_qb_id=f.first_qb_id,
            message=f.message,
        )
        for f in flags
        if f.qb_id not in gone
    ]


# -- record by record, only where the figures differ ------------------------------------------


def _invoice_differences(
    quickbooks: QuickBooks,
    salesforce: SalesforceClient,
    qb: QuickBooksSide,
    differing: list[CustomerFigures],
) -> tuple[list[Difference], dict[str | None, str]]:
    """The records behind the customers whose figures differ, and Salesforce's account names."""
    keys = {c.qb_id for c in differing}
    qb_open = {
        i: inv for i, inv in qb.invoices.items() if (inv.get("customer") or {}).get("id") in keys
    }
    sf_open = sf.open_invoice_mirrors(salesforce, keys)
    account_names = {sf.customer_of(m): str(sf.account_name(m)) for m in sf_open.values()}
    sf_any = sf.invoice_mirrors(salesforce, [i for i in qb_open if i not in sf_open])
    differences: list[Difference] = []
    for qb_id, invoice in sorted(qb_open.items(), key=lambda kv: ref_of(kv[1])):
        mirror = sf_open.get(qb_id) or sf_any.get(qb_id)
        found = _invoice_difference(qb_id, invoice, mirror)
        if found is not None:
            differences.append(found)
    differences += _invoices_only_in_salesforce(quickbooks, qb, qb_open, sf_open)
    return differences, account_names


def _invoice_difference(
    qb_id: str, invoice: dict[str, Any], mirror: dict[str, Any] | None
) -> Difference | None:
    """How an open QuickBooks invoice's mirror differs, if it does."""
    customer = invoice.get("customer") or {}
    amount = amount_of(invoice)
    if mirror is None:
        kind, detail = Kind.MISSING_IN_SALESFORCE, "Salesforce has no record of it."
    elif not sf.is_open(mirror):
        status = mirror.get(INVOICE.status) or "Paid"
        kind = Kind.MISSING_IN_SALESFORCE
        detail = f"open in QuickBooks, but Salesforce shows it as {status}."
    elif sf.customer_of(mirror) != customer.get("id"):
        kind, detail = Kind.CUSTOMER_DIFFERS, "Salesforce files it under another account."
    elif _balance(mirror) != amount:
        kind, detail = Kind.AMOUNT_DIFFERS, "the balance remaining differs."
    else:
        return None
    return Difference(
        workflow=WorkflowId.INVOICES,
        kind=kind,
        qb_id=qb_id,
        ref=ref_of(invoice),
        customer=str(customer.get("fullName") or customer.get("id")),
        quickbooks_amount=amount,
        salesforce_amount=_balance(mirror) if mirror is not None else None,
        sf_id=mirror.get("Id") if mirror is not None else None,
        detail=detail,
    )


def _invoices_only_in_salesforce(
    quickbooks: QuickBooks,
    qb: QuickBooksSide,
    qb_open: dict[str, dict[str, Any]],
    sf_open: dict[str, dict[str, Any]],
) -> list[Difference]:
    extra = {i: m for i, m in sf_open.items() if i not in qb_open}
    found_elsewhere = {i for i in extra if i in qb.invoices}
    states = find_records(quickbooks, ("invoice",), [i for i in extra if i not in found_elsewhere])
    differences: list[Difference] = []
    for qb_id, mirror in sorted(extra.items(), key=lambda kv: str(kv[1].get("Name"))):
        customer = sf.account_name(mirror) or "(no account)"
        if qb_id in found_elsewhere:
            invoice = qb.invoices[qb_id]
            differences.append(
                Difference(
                    workflow=WorkflowId.INVOICES,
                    kind=Kind.CUSTOMER_DIFFERS,
                    qb_id=qb_id,
                    ref=ref_of(invoice),
                    customer=str((invoice.get("customer") or {}).get("fullName")),
                    quickbooks_amount=amount_of(invoice),
                    salesforce_amount=_balance(mirror),
                    sf_id=mirror.get("Id"),
                    detail=f"Salesforce files it under {customer}.",
                )
            )
            continue
        record = states.get(qb_id)
        detail = (
            "QuickBooks no longer has it (deleted)."
            if record is None
            else f"{invoice_status(record).lower()} in QuickBooks."
        )
        differences.append(
            Difference(
                workflow=WorkflowId.INVOICES,
                kind=Kind.ONLY_IN_SALESFORCE,
                qb_id=qb_id,
                ref=str(mirror.get("Name") or qb_id),
                customer=customer,
                quickbooks_amount=_invoice_home(record) if record else None,
                salesforce_amount=_balance(mirror),
                sf_id=mirror.get("Id"),
                detail=f"open in Salesforce; {detail}",
                in_quickbooks=record is not None,
            )
        )
    return differences


def _payment_differences(
    quickbooks: QuickBooks,
    salesforce: SalesforceClient,
    qb: QuickBooksSide,
    start: date,
    end: date,
) -> list[Difference]:
    mirrors = sf.payment_mirrors_in_period(salesforce, start, end)
    in_period = qb.payments_in(start, end)
    missing = [i for i in in_period if i not in mirrors]
    elsewhere = sf.payment_mirrors(salesforce, missing)
    differences: list[Difference] = []
    for qb_id, payment in sorted(in_period.items(), key=lambda kv: ref_of(kv[1])):
        name = str((payment.get("customer") or {}).get("fullName") or "")
        amount = amount_of(payment)
        mirror = mirrors.get(qb_id)
        if mirror is None:
            other = elsewhere.get(qb_id)
            if other is None:
                detail = "Salesforce has no record of it."
            elif other.get(PAYMENT.status) in sf.NOT_OPEN:
                detail = f"Salesforce shows it as {other.get(PAYMENT.status)}."
            else:
                detail = f"Salesforce dates it {other.get(PAYMENT.transaction_date)}."
            differences.append(
                Difference(
                    workflow=WorkflowId.PAYMENTS,
                    kind=Kind.MISSING_IN_SALESFORCE,
                    qb_id=qb_id,
                    ref=ref_of(payment),
                    customer=name,
                    quickbooks_amount=amount,
                    salesforce_amount=_paid(other) if other else None,
                    sf_id=other.get("Id") if other else None,
                    detail=detail,
                )
            )
        elif _paid(mirror) != amount:
            differences.append(
                Difference(
                    workflow=WorkflowId.PAYMENTS,
                    kind=Kind.AMOUNT_DIFFERS,
                    qb_id=qb_id,
                    ref=ref_of(payment),
                    customer=name,
                    quickbooks_amount=amount,
                    salesforce_amount=_paid(mirror),
                    sf_id=mirror.get("Id"),
                    detail="the amount differs.",
                )
            )
    extra = {i: m for i, m in mirrors.items() if i not in in_period}
    states = find_records(quickbooks, ("receive_payment",), list(extra))
    for qb_id, mirror in sorted(extra.items(), key=lambda kv: str(kv[1].get(PAYMENT.ref_number))):
        record = states.get(qb_id)
        detail = (
            "QuickBooks no longer has it (deleted)."
            if record is None
            else f"QuickBooks dates it {record.get('transactionDate')}."
        )
        differences.append(
            Difference(
                workflow=WorkflowId.PAYMENTS,
                kind=Kind.ONLY_IN_SALESFORCE,
                qb_id=qb_id,
                ref=str(mirror.get(PAYMENT.ref_number) or mirror.get("Name") or qb_id),
                customer=sf.account_name(mirror) or "(no account)",
                quickbooks_amount=_payment_home(record) if record else None,
                salesforce_amount=_paid(mirror),
                sf_id=mirror.get("Id"),
                detail=detail,
                in_quickbooks=record is not None,
            )
        )
    return differences


def _balance(mirror: dict[str, Any]) -> Decimal:
    return sf.invoice_home(mirror)


def _paid(mirror: dict[str, Any]) -> Decimal:
    return sf.payment_home(mirror)


def _invoice_home(record: dict[str, Any]) -> Decimal:
    return home(record, "balanceRemaining", "balanceRemainingInHomeCurrency")


def _payment_home(record: dict[str, Any]) -> Decimal:
    return home(record, "totalAmount", "totalAmountInHomeCurrency")
