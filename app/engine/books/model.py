"""What a check of the books found, in the bookkeeper's words, and as stored JSON.

Compared, in the home currency: open invoices (how many, and their total balance remaining)
overall and per customer, the payments (how many, and their total) dated in a period, open
credits (credit memos' credit left) and unapplied payments; and each customer's balance
(QuickBooks' total balance, in the customer's currency). A Salesforce mirror marked "Voided",
"Deleted in QuickBooks" or "Pending" is not an open invoice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.domain.workflows import PAYMENT, WorkflowId
from app.engine.books.amounts import ZERO, money
from app.store import ReconciliationRow

#: Payments compared when no period is given: the last 30 days.
DEFAULT_DAYS = 30


class Kind(StrEnum):
    MISSING_IN_SALESFORCE = "missing in Salesforce"
    ONLY_IN_SALESFORCE = "only in Salesforce"
    AMOUNT_DIFFERS = "different amount"
    CUSTOMER_DIFFERS = "different customer"


#: How a difference names its record, by workflow.
NOUNS: dict[str, str] = {
    WorkflowId.INVOICES: "invoice",
    WorkflowId.PAYMENTS: "payment",
    WorkflowId.ITEMS: "product",
    WorkflowId.CUSTOMERS: "customer",
    WorkflowId.CREDIT_MEMOS: "credit memo",
}


@dataclass(frozen=True, kw_only=True)
class Totals:
    count: int = 0
    total: Decimal = ZERO

    def __add__(self, other: Totals) -> Totals:
        return Totals(count=self.count + other.count, total=self.total + other.total)


@dataclass(frozen=True, kw_only=True)
class Comparison:
    quickbooks: Totals = field(default_factory=Totals)
    salesforce: Totals = field(default_factory=Totals)

    @property
    def agrees(self) -> bool:
        return self.quickbooks == self.salesforce


@dataclass(frozen=True, kw_only=True)
class CustomerFigures:
    """Open invoices of one customer on both sides; `qb_id` None is Salesforce's "no account"."""

    qb_id: str | None
    name: str
    open_invoices: Comparison


@dataclass(frozen=True, kw_only=True)
class Difference:
    workflow: str  # "invoices", "payments", "items" or "customers"
    kind: Kind
    qb_id: str | None
    ref: str
    customer: str
    quickbooks_amount: Decimal | None
    salesforce_amount: Decimal | None
    sf_id: str | None
    detail: str
    #: QuickBooks still has the record: a re-sync rewrites the mirror (else marks it deleted).
    in_quickbooks: bool = True
    #: The Salesforce field whose amount differs, where it is not the workflow's usual one.
    amount_field: str | None = None

    def describe(self) -> str:
        noun = NOUNS.get(self.workflow, self.workflow)
        amounts = []
        if self.quickbooks_amount is not None:
            amounts.append(f"QuickBooks {money(self.quickbooks_amount)}")
        if self.salesforce_amount is not None:
            amounts.append(f"Salesforce {money(self.salesforce_amount)}")
        figures = f" ({', '.join(amounts)})" if amounts else ""
        return f"{noun} {self.ref}, {self.customer}: {self.kind.value}{figures}; {self.detail}"


@dataclass(frozen=True, kw_only=True)
class PossibleDuplicate:
    """A payment mirrored like any other that looks like a second entry of an earlier one."""

    qb_id: str
    ref: str
    customer: str
    amount: Decimal
    transaction_date: str
    first_qb_id: str
    message: str

    def describe(self) -> str:
        return (
            f"payment {self.ref}, {self.customer}: possible duplicate payment "
            f"({money(self.amount)}, {self.transaction_date}); {self.message}"
        )


@dataclass(kw_only=True)
class Reconciliation:
    checked_at: str
    period_from: date
    period_to: date
    open_invoices: Comparison
    payments: Comparison
    #: Credit memos' credit left; payments not (all) applied; customers' balances not zero.
    credits: Comparison = field(default_factory=Comparison)
    unapplied: Comparison = field(default_factory=Comparison)
    balances: Comparison = field(default_factory=Comparison)
    #: Customers whose open-invoice figures differ (all agree when this is empty).
    customers: list[CustomerFigures] = field(default_factory=list)
    customers_compared: int = 0
    differences: list[Difference] = field(default_factory=list)
    #: Payments flagged as possible duplicates and not yet marked correct by the bookkeeper.
    possible_duplicates: list[PossibleDuplicate] = field(default_factory=list)
    #: The reconciliation whose QuickBooks figures were still valid and were reused.
    reused_from: int | None = None
    #: Salesforce deletions of linked records are known up to here (none was missing then).
    deletions_through: datetime | None = None
    error: str | None = None
    id: int | None = None
    run_id: int | None = None

    @property
    def clean(self) -> bool:
        return (
            self.error is None
            and not self.differences
            and not self.customers
            and not self.possible_duplicates
            and self.open_invoices.agrees
            and self.payments.agrees
            and self.credits.agrees
            and self.unapplied.agrees
            and self.balances.agrees
        )

    def fix_ids(self) -> dict[str, set[str]]:
        """The QuickBooks ids a repair re-syncs, by workflow."""
        chosen: dict[str, set[str]] = {}
        for difference in self.differences:
            if difference.qb_id:
                chosen.setdefault(difference.workflow, set()).add(difference.qb_id)
        return chosen

    # -- words ------------------------------------------------------------------------------
    def headline(self) -> str:
        if self.error is not None:
            return f"The books could not be checked: {self.error}"
        return self._invoice_sentence()

    def _invoice_sentence(self) -> str:
        qb, sf = self.open_invoices.quickbooks, self.open_invoices.salesforce
        text = (
            f"QuickBooks has {_count(qb.count, 'open invoice')} totalling {money(qb.total)}; "
            f"Salesforce shows {sf.count} totalling {money(sf.total)}"
        )
        listed = [d for d in self.differences if d.workflow == WorkflowId.INVOICES]
        if not listed and self.open_invoices.agrees and not self.customers:
            others = [
                d
                for d in self.differences
                if d.workflow not in {WorkflowId.INVOICES, WorkflowId.PAYMENTS}
                or d.amount_field == UNAPPLIED
            ]
            if others:
                return text + ": they agree, but " + _summary(others, []) + "."
            return text + ": they agree to the cent."
        return text + ": " + _summary(listed, self.customers) + "."

    def payment_sentence(self) -> str:
        qb, sf = self.payments.quickbooks, self.payments.salesforce
        span = f"Payments dated {self.period_from} to {self.period_to}"
        text = (
            f"{span}: QuickBooks has {_count(qb.count, 'payment')} totalling {money(qb.total)}; "
            f"Salesforce shows {sf.count} totalling {money(sf.total)}"
        )
        listed = [
            d
            for d in self.differences
            if d.workflow == WorkflowId.PAYMENTS and d.amount_field != UNAPPLIED
        ]
        if not listed and self.payments.agrees:
            return text + ": they agree to the cent."
        return text + ": " + _summary(listed, []) + "."

    def receivable_sentences(self) -> list[str]:
        """Open credits, unapplied payments and customers' balances, each agreeing or not."""
        return [
            _sentence(title, noun, comparison, self.differences, workflow)
            for title, noun, comparison, workflow in (
                ("Open credits", "credit memo", self.credits, WorkflowId.CREDIT_MEMOS),
                ("Unapplied payments", "payment", self.unapplied, UNAPPLIED),
                ("Customer balances", "customer", self.balances, WorkflowId.CUSTOMERS),
            )
        ]

    def report_lines(self) -> list[str]:
        """The plain report: what was compared, what differs, record by record."""
        lines = [self.headline()]
        if self.error is not None:
            return lines
        lines.append(self.payment_sentence())
        lines.extend(self.receivable_sentences())
        if self.reused_from is not None:
            lines.append(
                "QuickBooks' side is the last check's, brought up to date with what the sync "
                "read, so only Salesforce was read again."
            )
        if self.customers:
            lines.append("Customers whose open invoices differ:")
            for c in self.customers:
                qb, sf = c.open_invoices.quickbooks, c.open_invoices.salesforce
                lines.append(
                    f"  {c.name}: QuickBooks {qb.count} totalling {money(qb.total)}, "
                    f"Salesforce {sf.count} totalling {money(sf.total)}"
                )
        if self.differences:
            lines.append("Records that differ (Fix re-syncs exactly these):")
            lines.extend(f"  {d.describe()}" for d in self.differences)
        if self.possible_duplicates:
            lines.append(
                "Possible duplicate payments (in Salesforce like any other; each stays listed "
                "until it is marked correct or deleted in QuickBooks):"
            )
            lines.extend(f"  {p.describe()}" for p in self.possible_duplicates)
        return lines

    # -- storage ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body.pop("id")
        body.pop("run_id")
        jsonable: dict[str, Any] = _jsonable(body)
        return jsonable

    @classmethod
    def from_row(cls, row: ReconciliationRow) -> Reconciliation:
        body = row.body
        result = cls(
            checked_at=body["checked_at"],
            period_from=date.fromisoformat(body["period_from"]),
            period_to=date.fromisoformat(body["period_to"]),
            open_invoices=_comparison(body["open_invoices"]),
            payments=_comparison(body["payments"]),
            credits=_comparison(body.get("credits")),
            unapplied=_comparison(body.get("unapplied")),
            balances=_comparison(body.get("balances")),
            customers=[
                CustomerFigures(
                    qb_id=c["qb_id"],
                    name=c["name"],
                    open_invoices=_comparison(c["open_invoices"]),
                )
                for c in body.get("customers", [])
            ],
            customers_compared=int(body.get("customers_compared", 0)),
            differences=[_difference(d) for d in body.get("differences", [])],
            possible_duplicates=[
                PossibleDuplicate(**{**p, "amount": Decimal(p["amount"])})
                for p in body.get("possible_duplicates", [])
            ],
            reused_from=body.get("reused_from"),
            error=body.get("error"),
        )
        result.id, result.run_id = row.id, row.run_id
        return result


def default_period(today: date | None = None) -> tuple[date, date]:
    end = today or datetime.now().astimezone().date()
    return end - timedelta(days=DEFAULT_DAYS - 1), end


#: A payment's difference in its unapplied amount is marked by the field.
UNAPPLIED = PAYMENT.unapplied_amount


def _sentence(
    title: str,
    noun: str,
    comparison: Comparison,
    differences: Sequence[Difference],
    workflow: str,
) -> str:
    qb, sf = comparison.quickbooks, comparison.salesforce
    text = (
        f"{title}: QuickBooks has {_count(qb.count, noun)} totalling {money(qb.total)}; "
        f"Salesforce shows {sf.count} totalling {money(sf.total)}"
    )
    if comparison.agrees:
        return text + ": they agree to the cent."
    listed = [
        d
        for d in differences
        if (d.amount_field == UNAPPLIED if workflow == UNAPPLIED else d.workflow == workflow)
    ]
    return text + (": " + _summary(listed, []) + "." if listed else ": they differ.")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _summary(differences: Sequence[Difference], customers: Sequence[CustomerFigures]) -> str:
    if not differences:
        names = ", ".join(c.name for c in customers[:3])
        return f"the figures differ for {names}, but every record matches"
    counts: dict[Kind, int] = {}
    for d in differences:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    parts = [f"{n} {kind.value}" for kind, n in counts.items()]
    return ", ".join(parts) + ", listed below"


# -- JSON -------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _totals(body: Mapping[str, Any]) -> Totals:
    return Totals(count=int(body["count"]), total=Decimal(str(body["total"])))


def _comparison(body: Mapping[str, Any] | None) -> Comparison:
    if body is None:  # a check stored before these figures were compared
        return Comparison()
    return Comparison(
        quickbooks=_totals(body["quickbooks"]), salesforce=_totals(body["salesforce"])
    )


def _difference(body: Mapping[str, Any]) -> Difference:
    def amount(key: str) -> Decimal | None:
        return Decimal(body[key]) if body.get(key) is not None else None

    return Difference(
        workflow=body["workflow"],
        kind=Kind(body["kind"]),
        qb_id=body.get("qb_id"),
        ref=body["ref"],
        customer=body["customer"],
        quickbooks_amount=amount("quickbooks_amount"),
        salesforce_amount=amount("salesforce_amount"),
        sf_id=body.get("sf_id"),
        detail=body["detail"],
        in_quickbooks=bool(body.get("in_quickbooks", True)),
        amount_field=body.get("amount_field"),
    )
