"""Receivables beyond open invoices: open credits (credit memos' credit left), unapplied payments
and each customer's balance. Figures first, from Salesforce aggregates; the records only where
the figures disagree, to name each difference with its number, customer and both amounts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from app.domain.workflows import ACCOUNT, CREDIT_MEMO, PAYMENT, WorkflowId
from app.engine.books import salesforce_side as sf
from app.engine.books.amounts import ZERO
from app.engine.books.lookup import find_records
from app.engine.books.model import UNAPPLIED, Comparison, Difference, Kind
from app.engine.books.quickbooks_side import (
    QuickBooksSide,
    amount_of,
    customer_of,
    home,
    ref_of,
    unapplied_home,
)
from app.quickbooks import QuickBooks
from app.salesforce.client import SalesforceClient


def receivable_differences(
    quickbooks: QuickBooks,
    salesforce: SalesforceClient,
    qb: QuickBooksSide,
    figures: sf.Figures,
    enabled: set[WorkflowId],
) -> tuple[Comparison, Comparison, Comparison, list[Difference]]:
    """(open credits, unapplied payments, customers' balances, the records that differ), with
    Salesforce's `figures` as read; a figure whose workflow is switched off is not compared
    (Salesforce has no mirrors of it)."""
    credits, unapplied, balances = Comparison(), Comparison(), Comparison()
    if WorkflowId.CREDIT_MEMOS in enabled:
        credits = Comparison(quickbooks=qb.credit_totals, salesforce=figures.credits)
    if WorkflowId.PAYMENTS in enabled:
        unapplied = Comparison(quickbooks=qb.unapplied_totals, salesforce=figures.unapplied)
    if WorkflowId.CUSTOMERS in enabled:
        balances = Comparison(quickbooks=qb.balance_totals, salesforce=figures.balances)
    found: list[Difference] = []
    if not credits.agrees:
        found += _credit_differences(quickbooks, salesforce, qb)
    if not unapplied.agrees:
        found += _unapplied_differences(quickbooks, salesforce, qb)
    if not balances.agrees:
        found += _balance_differences(salesforce, qb)
    return credits, unapplied, balances, found


# -- open credits -------------------------------------------------------------------------------


def _credit_differences(
    quickbooks: QuickBooks, salesforce: SalesforceClient, qb: QuickBooksSide
) -> list[Difference]:
    mirrors = sf.open_credit_mirrors(salesforce)
    closed = sf.credit_mirrors(salesforce, [i for i in qb.credits if i not in mirrors])
    return _record_differences(
        quickbooks,
        WorkflowId.CREDIT_MEMOS,
        qb.credits,
        mirrors,
        closed,
        sf.credit_home,
        kinds=("credit_memo",),
        quickbooks_now=lambda r: home(r, "creditRemaining", "creditRemainingInHomeCurrency"),
        what="the credit left",
        amount_field=CREDIT_MEMO.credit_remaining,
    )


# -- unapplied payments -------------------------------------------------------------------------


def _unapplied_differences(
    quickbooks: QuickBooks, salesforce: SalesforceClient, qb: QuickBooksSide
) -> list[Difference]:
    wanted = {
        i: {**p, "amount": p["unapplied"]} for i, p in qb.unapplied.items()
    }  # compared by the unapplied amount
    mirrors = sf.unapplied_mirrors(salesforce)
    applied = sf.payment_mirrors(salesforce, [i for i in wanted if i not in mirrors])
    return _record_differences(
        quickbooks,
        WorkflowId.PAYMENTS,
        wanted,
        mirrors,
        applied,
        sf.unapplied_of,
        kinds=("receive_payment",),
        quickbooks_now=unapplied_home,
        what="the unapplied amount",
        amount_field=UNAPPLIED,
    )


def _record_differences(
    quickbooks: QuickBooks,
    workflow: WorkflowId,
    qb_open: Mapping[str, dict[str, Any]],
    sf_open: Mapping[str, dict[str, Any]],
    sf_other: Mapping[str, dict[str, Any]],
    sf_amount: Callable[[Mapping[str, Any]], Decimal],
    *,
    kinds: tuple[str, ...],
    quickbooks_now: Callable[[Mapping[str, Any]], Decimal],
    what: str,
    amount_field: str,
) -> list[Difference]:
    """Open records of one kind, QuickBooks' against Salesforce's, each pair that differs."""
    found: list[Difference] = []
    for qb_id, record in sorted(qb_open.items(), key=lambda kv: ref_of(kv[1])):
        amount = amount_of(record)
        mirror = sf_open.get(qb_id) or sf_other.get(qb_id)
        shown = sf_amount(mirror) if mirror is not None else None
        if shown == amount:
            continue
        found.append(
            Difference(
                workflow=workflow,
                kind=Kind.MISSING_IN_SALESFORCE if mirror is None else Kind.AMOUNT_DIFFERS,
                qb_id=qb_id,
                ref=ref_of(record),
                customer=str(customer_of(record).get("fullName") or ""),
                quickbooks_amount=amount,
                salesforce_amount=shown,
                sf_id=mirror.get("Id") if mirror is not None else None,
                detail="Salesforce has no record of it." if mirror is None else f"{what} differs.",
                amount_field=amount_field,
            )
        )
    extra = {i: m for i, m in sf_open.items() if i not in qb_open}
    states = find_records(quickbooks, kinds, list(extra))
    for qb_id, mirror in sorted(extra.items(), key=lambda kv: str(kv[1].get("Name"))):
        now_in_quickbooks = states.get(qb_id)
        now = quickbooks_now(now_in_quickbooks) if now_in_quickbooks is not None else None
        found.append(
            Difference(
                workflow=workflow,
                kind=Kind.ONLY_IN_SALESFORCE if not now else Kind.AMOUNT_DIFFERS,
                qb_id=qb_id,
                ref=str(
                    (now_in_quickbooks and ref_of(now_in_quickbooks))
                    or mirror.get(PAYMENT.ref_number)
                    or mirror.get("Name")
                    or qb_id
                ),
                customer=sf.account_name(mirror) or "(no account)",
                quickbooks_amount=now,
                salesforce_amount=sf_amount(mirror),
                sf_id=mirror.get("Id"),
                detail="QuickBooks no longer has it (deleted)."
                if now_in_quickbooks is None
                else f"{what} differs; QuickBooks shows {now or ZERO}.",
                in_quickbooks=now_in_quickbooks is not None,
                amount_field=amount_field,
            )
        )
    return found


# -- customers' balances ------------------------------------------------------------------------


def _balance_differences(salesforce: SalesforceClient, qb: QuickBooksSide) -> list[Difference]:
    """Each customer whose account's QuickBooks balance is not QuickBooks' total balance."""
    shown = sf.accounts_with_balance(salesforce)
    unseen = [i for i in qb.balances if i not in shown]
    shown.update(sf.accounts(salesforce, unseen) if unseen else {})
    found: list[Difference] = []
    for qb_id in sorted(set(qb.balances) | set(shown), key=lambda i: _name(qb, shown, i)):
        customer = qb.balances.get(qb_id)
        account = shown.get(qb_id)
        owed = amount_of(customer) if customer is not None else ZERO
        balance = sf.balance_of(account)
        if account is not None and balance == owed:
            continue
        name = _name(qb, shown, qb_id)
        found.append(
            Difference(
                workflow=WorkflowId.CUSTOMERS,
                kind=Kind.MISSING_IN_SALESFORCE if account is None else Kind.AMOUNT_DIFFERS,
                qb_id=qb_id,
                ref=name,
                customer=name,
                quickbooks_amount=owed,
                salesforce_amount=balance if account is not None else None,
                sf_id=account.get("Id") if account is not None else None,
                detail="no account is linked to this customer."
                if account is None
                else "the account's QuickBooks balance is not QuickBooks' total balance.",
                amount_field=ACCOUNT.balance,
            )
        )
    return found


def _name(qb: QuickBooksSide, shown: Mapping[str, dict[str, Any]], qb_id: str) -> str:
    customer = qb.balances.get(qb_id) or {}
    return str(customer.get("fullName") or (shown.get(qb_id) or {}).get("Name") or qb_id)
