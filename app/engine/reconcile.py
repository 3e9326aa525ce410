"""Reconciliation: do QuickBooks and Salesforce agree on the books, to the cent?

Compared: open invoices (how many, and their total balance remaining) overall and per customer,
and the payments (how many, and their total) dated in a period. QuickBooks is read with its own
filters (unpaid invoices without their lines, payments dated in the period); Salesforce answers
with aggregate SOQL (COUNT, SUM, GROUP BY the customer's QuickBooks id). Only where the figures
disagree are the records themselves read, on both sides, to list exactly which are missing,
extra or different; `repair` re-syncs exactly those.

After every sync that mirrored invoices or payments the engine reconciles too. When that sync
found nothing new in QuickBooks since the last clean reconciliation, QuickBooks' figures cannot
have moved, so only Salesforce is asked again (one aggregate query for the open invoices); any
disagreement leads to a full reconciliation.

A Salesforce mirror marked "Voided" or "Deleted in QuickBooks" is not an open invoice.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from app.domain.outcomes import Outcome
from app.domain.record_mapping import deleted_mark, invoice_status
from app.domain.workflows import STATUS_DELETED, STATUS_VOIDED
from app.engine.books import find_records, money
from app.engine.context import RunContext
from app.engine.deletions import DELETED
from app.engine.double_entry import CODE as DOUBLE_ENTRY
from app.engine.events import CancelToken, Progress, ProgressCallback, ignore_progress
from app.engine.mirror import MirrorSpec, run_mirror
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction, RunResult, RunStatus
from app.engine.salesforce_results import failure_text, first_error
from app.platform.runlock import RunLock
from app.quickbooks import QuickBooks, QuickBooksError
from app.salesforce.client import SalesforceClient
from app.salesforce.errors import SalesforceError
from app.store import FieldChange, Link, ReconciliationRow, Store

if TYPE_CHECKING:
    from app.engine.engine import SyncEngine

log = logging.getLogger(__name__)

INVOICE_OBJECT = "QuickBooks_Invoice__c"
PAYMENT_OBJECT = "QuickBooks_Payment__c"
CUSTOMER_KEY = "Account__r.QuickBooks_Customer_Id__c"
NOT_OPEN = (STATUS_VOIDED, STATUS_DELETED)
_STATUSES = ", ".join(f"'{s}'" for s in NOT_OPEN)
OPEN_INVOICE = f"Is_Paid__c = false AND Status__c NOT IN ({_STATUSES})"
LIVE_PAYMENT = f"(Status__c = null OR Status__c NOT IN ({_STATUSES}))"
#: The name progress reports give the check that follows a sync.
PROGRESS = "reconciliation"
AMOUNT_FIELDS = {"invoices": "Balance_Remaining__c", "payments": "Amount__c"}
#: Payments compared when no period is given: the last 30 days.
DEFAULT_DAYS = 30
#: Salesforce answers an aggregate query in one batch of at most 2,000 rows.
AGGREGATE_ROWS = 2000
_CHUNK = 200
ZERO = Decimal("0.00")


class Kind(StrEnum):
    MISSING_IN_SALESFORCE = "missing in Salesforce"
    ONLY_IN_SALESFORCE = "only in Salesforce"
    AMOUNT_DIFFERS = "different amount"
    CUSTOMER_DIFFERS = "different customer"


@dataclass(frozen=True)
class Totals:
    count: int = 0
    total: Decimal = ZERO

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.count + other.count, self.total + other.total)


@dataclass(frozen=True)
class Comparison:
    quickbooks: Totals
    salesforce: Totals

    @property
    def agrees(self) -> bool:
        return self.quickbooks == self.salesforce


@dataclass(frozen=True)
class CustomerFigures:
    """Open invoices of one customer on both sides; `qb_id` None is Salesforce's "no account"."""

    qb_id: str | None
    name: str
    open_invoices: Comparison


@dataclass(frozen=True)
class Difference:
    workflow: str  # "invoices" or "payments"
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

    def describe(self) -> str:
        noun = "invoice" if self.workflow == "invoices" else "payment"
        amounts = []
        if self.quickbooks_amount is not None:
            amounts.append(f"QuickBooks {money(self.quickbooks_amount)}")
        if self.salesforce_amount is not None:
            amounts.append(f"Salesforce {money(self.salesforce_amount)}")
        figures = f" ({', '.join(amounts)})" if amounts else ""
        return f"{noun} {self.ref}, {self.customer}: {self.kind.value}{figures}; {self.detail}"


@dataclass
class Reconciliation:
    checked_at: str
    period_from: date
    period_to: date
    open_invoices: Comparison
    payments: Comparison
    #: Customers whose open-invoice figures differ (all agree when this is empty).
    customers: list[CustomerFigures] = field(default_factory=list)
    customers_compared: int = 0
    differences: list[Difference] = field(default_factory=list)
    #: The reconciliation whose QuickBooks figures were still valid and were reused.
    reused_from: int | None = None
    error: str | None = None
    id: int | None = None
    run_id: int | None = None

    @property
    def clean(self) -> bool:
        return (
            self.error is None
            and not self.differences
            and not self.customers
            and self.open_invoices.agrees
            and self.payments.agrees
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
        listed = [d for d in self.differences if d.workflow == "invoices"]
        if not listed and self.open_invoices.agrees and not self.customers:
            return text + ": they agree to the cent."
        return text + ": " + _summary(listed, self.customers) + "."

    def payment_sentence(self) -> str:
        qb, sf = self.payments.quickbooks, self.payments.salesforce
        span = f"Payments dated {self.period_from} to {self.period_to}"
        text = (
            f"{span}: QuickBooks has {_count(qb.count, 'payment')} totalling {money(qb.total)}; "
            f"Salesforce shows {sf.count} totalling {money(sf.total)}"
        )
        listed = [d for d in self.differences if d.workflow == "payments"]
        if not listed and self.payments.agrees:
            return text + ": they agree to the cent."
        return text + ": " + _summary(listed, []) + "."

    def report_lines(self) -> list[str]:
        """The plain report: what was compared, what differs, record by record."""
        lines = [self.headline()]
        if self.error is not None:
            return lines
        lines.append(self.payment_sentence())
        if self.reused_from is not None:
            lines.append(
                "Nothing changed in QuickBooks since the last check, so only Salesforce was "
                "read again."
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
        return lines

    # -- storage ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body.pop("id")
        body.pop("run_id")
        return _jsonable(body)

    @classmethod
    def from_row(cls, row: ReconciliationRow) -> Reconciliation:
        body = row.body
        result = cls(
            checked_at=body["checked_at"],
            period_from=date.fromisoformat(body["period_from"]),
            period_to=date.fromisoformat(body["period_to"]),
            open_invoices=_comparison(body["open_invoices"]),
            payments=_comparison(body["payments"]),
            customers=[
                CustomerFigures(c["qb_id"], c["name"], _comparison(c["open_invoices"]))
                for c in body.get("customers", [])
            ],
            customers_compared=int(body.get("customers_compared", 0)),
            differences=[_difference(d) for d in body.get("differences", [])],
            reused_from=body.get("reused_from"),
            error=body.get("error"),
        )
        result.id, result.run_id = row.id, row.run_id
        return result


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


# -- reading both sides -----------------------------------------------------------------------


@dataclass
class _QuickBooksSide:
    open_by_customer: dict[str, Totals]
    names: dict[str, str]
    payments: Totals
    invoices: dict[str, dict[str, Any]] | None = None  # open invoices by id, when read
    payment_records: dict[str, dict[str, Any]] | None = None


def default_period(today: date | None = None) -> tuple[date, date]:
    end = today or datetime.now().astimezone().date()
    return end - timedelta(days=DEFAULT_DAYS - 1), end


def reconcile(
    quickbooks: QuickBooks,
    salesforce: SalesforceClient,
    store: Store,
    *,
    period: tuple[date, date] | None = None,
) -> Reconciliation:
    """Compare both sides now, reading QuickBooks and Salesforce."""
    start, end = period or default_period()
    qb = _read_quickbooks(quickbooks, start, end)
    return _compare(quickbooks, salesforce, store, qb, start, end)


def _slim(
    record: Mapping[str, Any], amount: str, customers: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """What the comparison reads of a record, the customer shared between its records: 100,000
    open invoices must not mean 100,000 full invoices in memory."""
    customer = record.get("customer") or {}
    key = str(customer.get("id"))
    shared = customers.setdefault(
        key, {"id": customer.get("id"), "fullName": customer.get("fullName")}
    )
    return {
        "id": record.get("id"),
        "refNumber": record.get("refNumber"),
        "customer": shared,
        amount: record.get(amount),
    }


def _read_quickbooks(quickbooks: QuickBooks, start: date, end: date) -> _QuickBooksSide:
    customers: dict[str, dict[str, Any]] = {}
    invoices = {
        str(i["id"]): _slim(i, "balanceRemaining", customers)
        for page in quickbooks.pages("invoice", payment_status="not_paid", include_line_items=False)
        for i in page.records
    }
    by_customer: dict[str, Totals] = {}
    names: dict[str, str] = {}
    for invoice in invoices.values():
        customer = invoice.get("customer") or {}
        key = str(customer.get("id"))
        names[key] = str(customer.get("fullName") or key)
        by_customer[key] = by_customer.get(key, Totals()) + Totals(1, _amount(invoice, True))
    payments = {
        str(p["id"]): _slim(p, "totalAmount", customers)
        for page in quickbooks.pages(
            "receive_payment",
            transaction_date_from=start.isoformat(),
            transaction_date_to=end.isoformat(),
            include_line_items=False,
        )
        for p in page.records
    }
    paid = Totals(len(payments), sum((_amount(p, False) for p in payments.values()), ZERO))
    return _QuickBooksSide(by_customer, names, paid, invoices, payments)


def _amount(record: Mapping[str, Any], invoice: bool) -> Decimal:
    raw = record.get("balanceRemaining" if invoice else "totalAmount")
    return Decimal(str(raw or "0")).quantize(Decimal("0.01"))


def _compare(
    quickbooks: QuickBooks,
    salesforce: SalesforceClient,
    store: Store,
    qb: _QuickBooksSide,
    start: date,
    end: date,
) -> Reconciliation:
    sf_by_customer = _salesforce_open_by_customer(salesforce)
    sf_payments = _salesforce_payments(salesforce, start, end)
    keys = set(qb.open_by_customer) | set(sf_by_customer)
    differing: list[CustomerFigures] = []
    for key in sorted(keys, key=lambda k: (k is None, str(k))):
        comparison = Comparison(
            qb.open_by_customer.get(key, Totals()) if key is not None else Totals(),
            sf_by_customer.get(key, Totals()),
        )
        if not comparison.agrees:
            name = qb.names.get(key or "", "") or (key or "(no QuickBooks customer)")
            differing.append(CustomerFigures(key, name, comparison))
    result = Reconciliation(
        checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
        period_from=start,
        period_to=end,
        open_invoices=Comparison(
            sum(qb.open_by_customer.values(), Totals()), sum(sf_by_customer.values(), Totals())
        ),
        payments=Comparison(qb.payments, sf_payments),
        customers=differing,
        customers_compared=len(keys),
    )
    if differing:
        found, account_names = _invoice_differences(quickbooks, salesforce, qb, differing)
        result.differences += found
        result.customers = [
            CustomerFigures(c.qb_id, account_names[c.qb_id], c.open_invoices)
            if c.qb_id not in qb.names and c.qb_id in account_names
            else c
            for c in differing
        ]
    if not result.payments.agrees:
        result.differences += _payment_differences(quickbooks, salesforce, store, qb, start, end)
    return result


def _salesforce_open_by_customer(salesforce: SalesforceClient) -> dict[str | None, Totals]:
    """COUNT and SUM of open invoice mirrors, GROUP BY the account's QuickBooks id."""
    found: dict[str | None, Totals] = {}
    after: str | None = None
    while True:
        where = OPEN_INVOICE + (f" AND {CUSTOMER_KEY} > '{_soql(after)}'" if after else "")
        rows = salesforce.query_all(
            f"SELECT {CUSTOMER_KEY}, COUNT(Id) n, SUM(Balance_Remaining__c) total "  # noqa: S608
            f"FROM {INVOICE_OBJECT} WHERE {where} GROUP BY {CUSTOMER_KEY} "
            f"ORDER BY {CUSTOMER_KEY} NULLS FIRST LIMIT {AGGREGATE_ROWS}"
        )
        for row in rows:
            key = row.get("QuickBooks_Customer_Id__c")
            found[key] = Totals(int(row.get("n") or 0), _decimal(row.get("total")))
        keys = [
            r.get("QuickBooks_Customer_Id__c") for r in rows if r.get("QuickBooks_Customer_Id__c")
        ]
        if len(rows) < AGGREGATE_ROWS or not keys:
            return found
        after = str(keys[-1])


def _salesforce_open_total(salesforce: SalesforceClient) -> Totals:
    rows = salesforce.query_all(
        f"SELECT COUNT(Id) n, SUM(Balance_Remaining__c) total FROM {INVOICE_OBJECT} "  # noqa: S608
        f"WHERE {OPEN_INVOICE}"
    )
    row = rows[0] if rows else {}
    return Totals(int(row.get("n") or 0), _decimal(row.get("total")))


def _salesforce_payments(salesforce: SalesforceClient, start: date, end: date) -> Totals:
    rows = salesforce.query_all(
        f"SELECT COUNT(Id) n, SUM(Amount__c) total FROM {PAYMENT_OBJECT} "  # noqa: S608
        f"WHERE {_in_period(start, end)} AND {LIVE_PAYMENT}"
    )
    row = rows[0] if rows else {}
    return Totals(int(row.get("n") or 0), _decimal(row.get("total")))


def _in_period(start: date, end: date) -> str:
    return (
        f"Transaction_Date__c >= {start.isoformat()} AND Transaction_Date__c <= {end.isoformat()}"
    )


def _decimal(value: object) -> Decimal:
    # Aggregate sums arrive as JSON numbers; their text is exact to the cent.
    return Decimal(str(value if value is not None else "0")).quantize(Decimal("0.01"))


def _soql(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


# -- record by record, only where the figures differ ------------------------------------------


def _invoice_differences(
    quickbooks: QuickBooks,
    salesforce: SalesforceClient,
    qb: _QuickBooksSide,
    differing: list[CustomerFigures],
) -> tuple[list[Difference], dict[str | None, str]]:
    """The records behind the customers whose figures differ, and Salesforce's account names."""
    assert qb.invoices is not None
    keys = {c.qb_id for c in differing}
    qb_open = {
        i: inv for i, inv in qb.invoices.items() if (inv.get("customer") or {}).get("id") in keys
    }
    sf_open = _salesforce_open_records(salesforce, keys)
    account_names = {
        _customer_of(m): str((m.get("Account__r") or {}).get("Name")) for m in sf_open.values()
    }
    unseen = [i for i in qb_open if i not in sf_open]
    sf_any = _salesforce_by_qb_id(salesforce, INVOICE_OBJECT, "QuickBooks_Invoice_Id__c", unseen)
    differences: list[Difference] = []
    for qb_id, invoice in sorted(qb_open.items(), key=lambda kv: _ref(kv[1])):
        customer = invoice.get("customer") or {}
        name = str(customer.get("fullName") or customer.get("id"))
        amount = _amount(invoice, True)
        mirror = sf_open.get(qb_id) or sf_any.get(qb_id)
        if mirror is None:
            differences.append(
                Difference(
                    "invoices",
                    Kind.MISSING_IN_SALESFORCE,
                    qb_id,
                    _ref(invoice),
                    name,
                    amount,
                    None,
                    None,
                    "Salesforce has no record of it.",
                )
            )
            continue
        sf_amount = _decimal(mirror.get("Balance_Remaining__c"))
        if not _is_open(mirror):
            status = mirror.get("Status__c") or "Paid"
            differences.append(
                Difference(
                    "invoices",
                    Kind.MISSING_IN_SALESFORCE,
                    qb_id,
                    _ref(invoice),
                    name,
                    amount,
                    sf_amount,
                    mirror.get("Id"),
                    f"open in QuickBooks, but Salesforce shows it as {status}.",
                )
            )
        elif _customer_of(mirror) != customer.get("id"):
            differences.append(
                Difference(
                    "invoices",
                    Kind.CUSTOMER_DIFFERS,
                    qb_id,
                    _ref(invoice),
                    name,
                    amount,
                    sf_amount,
                    mirror.get("Id"),
                    "Salesforce files it under another account.",
                )
            )
        elif sf_amount != amount:
            differences.append(
                Difference(
                    "invoices",
                    Kind.AMOUNT_DIFFERS,
                    qb_id,
                    _ref(invoice),
                    name,
                    amount,
                    sf_amount,
                    mirror.get("Id"),
                    "the balance remaining differs.",
                )
            )
    extra = {i: m for i, m in sf_open.items() if i not in qb_open}
    found_elsewhere = {i for i in extra if i in qb.invoices}
    states = find_records(quickbooks, ("invoice",), [i for i in extra if i not in found_elsewhere])
    for qb_id, mirror in sorted(extra.items(), key=lambda kv: str(kv[1].get("Name"))):
        customer = (mirror.get("Account__r") or {}).get("Name") or "(no account)"
        sf_amount = _decimal(mirror.get("Balance_Remaining__c"))
        if qb_id in found_elsewhere:
            invoice = qb.invoices[qb_id]
            differences.append(
                Difference(
                    "invoices",
                    Kind.CUSTOMER_DIFFERS,
                    qb_id,
                    _ref(invoice),
                    str((invoice.get("customer") or {}).get("fullName")),
                    _amount(invoice, True),
                    sf_amount,
                    mirror.get("Id"),
                    f"Salesforce files it under {customer}.",
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
                "invoices",
                Kind.ONLY_IN_SALESFORCE,
                qb_id,
                str(mirror.get("Name") or qb_id),
                customer,
                _amount(record, True) if record else None,
                sf_amount,
                mirror.get("Id"),
                f"open in Salesforce; {detail}",
                in_quickbooks=record is not None,
            )
        )
    return differences, account_names


def _customer_of(mirror: Mapping[str, Any]) -> str | None:
    return (mirror.get("Account__r") or {}).get("QuickBooks_Customer_Id__c")


def _is_open(mirror: Mapping[str, Any]) -> bool:
    return not mirror.get("Is_Paid__c") and mirror.get("Status__c") not in NOT_OPEN


def _salesforce_open_records(
    salesforce: SalesforceClient, keys: set[str | None]
) -> dict[str, dict[str, Any]]:
    fields = (
        "Id, Name, QuickBooks_Invoice_Id__c, Balance_Remaining__c, Is_Paid__c, Status__c, "
        f"Account__r.Name, {CUSTOMER_KEY}"
    )
    found: dict[str, dict[str, Any]] = {}
    named = sorted(k for k in keys if k)
    conditions = [
        f"{CUSTOMER_KEY} IN ({_quoted(named[i : i + _CHUNK])})"
        for i in range(0, len(named), _CHUNK)
    ]
    if None in keys:
        conditions.append(f"{CUSTOMER_KEY} = null")
    for condition in conditions:
        for row in salesforce.query_all(
            f"SELECT {fields} FROM {INVOICE_OBJECT} "  # noqa: S608
            f"WHERE {OPEN_INVOICE} AND {condition}"
        ):
            found[str(row.get("QuickBooks_Invoice_Id__c"))] = row
    return found


def _salesforce_by_qb_id(
    salesforce: SalesforceClient, sobject: str, id_field: str, qb_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    amount = "Balance_Remaining__c, Is_Paid__c" if sobject == INVOICE_OBJECT else "Amount__c"
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(qb_ids), _CHUNK):
        chunk = _quoted(qb_ids[start : start + _CHUNK])
        for row in salesforce.query_all(
            f"SELECT Id, Name, {id_field}, {amount}, Status__c, Transaction_Date__c, "  # noqa: S608
            f"Account__r.Name, {CUSTOMER_KEY} FROM {sobject} WHERE {id_field} IN ({chunk})"
        ):
            found[str(row.get(id_field))] = row
    return found


def _payment_differences(
    quickbooks: QuickBooks,
    salesforce: SalesforceClient,
    store: Store,
    qb: _QuickBooksSide,
    start: date,
    end: date,
) -> list[Difference]:
    assert qb.payment_records is not None
    fields = (
        "Id, Name, QuickBooks_Payment_Id__c, Amount__c, Transaction_Date__c, Ref_Number__c, "
        f"Status__c, Account__r.Name, {CUSTOMER_KEY}"
    )
    mirrors = {
        str(row.get("QuickBooks_Payment_Id__c")): row
        for row in salesforce.query_all(
            f"SELECT {fields} FROM {PAYMENT_OBJECT} "  # noqa: S608
            f"WHERE {_in_period(start, end)} AND {LIVE_PAYMENT}"
        )
    }
    missing = [i for i in qb.payment_records if i not in mirrors]
    elsewhere = _salesforce_by_qb_id(
        salesforce, PAYMENT_OBJECT, "QuickBooks_Payment_Id__c", missing
    )
    held = _held_payments(store, missing)
    differences: list[Difference] = []
    for qb_id, payment in sorted(qb.payment_records.items(), key=lambda kv: _ref(kv[1])):
        name = str((payment.get("customer") or {}).get("fullName") or "")
        amount = _amount(payment, False)
        mirror = mirrors.get(qb_id)
        if mirror is None:
            other = elsewhere.get(qb_id)
            if qb_id in held:
                detail = f"held as a possible double entry in run #{held[qb_id]}."
            elif other is None:
                detail = "Salesforce has no record of it."
            elif other.get("Status__c") in NOT_OPEN:
                detail = f"Salesforce shows it as {other.get('Status__c')}."
            else:
                detail = f"Salesforce dates it {other.get('Transaction_Date__c')}."
            differences.append(
                Difference(
                    "payments",
                    Kind.MISSING_IN_SALESFORCE,
                    qb_id,
                    _ref(payment),
                    name,
                    amount,
                    _decimal(other.get("Amount__c")) if other else None,
                    other.get("Id") if other else None,
                    detail,
                )
            )
        elif _decimal(mirror.get("Amount__c")) != amount:
            differences.append(
                Difference(
                    "payments",
                    Kind.AMOUNT_DIFFERS,
                    qb_id,
                    _ref(payment),
                    name,
                    amount,
                    _decimal(mirror.get("Amount__c")),
                    mirror.get("Id"),
                    "the amount differs.",
                )
            )
    extra = {i: m for i, m in mirrors.items() if i not in qb.payment_records}
    states = find_records(quickbooks, ("receive_payment",), list(extra))
    for qb_id, mirror in sorted(extra.items(), key=lambda kv: str(kv[1].get("Ref_Number__c"))):
        record = states.get(qb_id)
        detail = (
            "QuickBooks no longer has it (deleted)."
            if record is None
            else f"QuickBooks dates it {record.get('transactionDate')}."
        )
        differences.append(
            Difference(
                "payments",
                Kind.ONLY_IN_SALESFORCE,
                qb_id,
                str(mirror.get("Ref_Number__c") or mirror.get("Name") or qb_id),
                str((mirror.get("Account__r") or {}).get("Name") or "(no account)"),
                _amount(record, False) if record else None,
                _decimal(mirror.get("Amount__c")),
                mirror.get("Id"),
                detail,
                in_quickbooks=record is not None,
            )
        )
    return differences


def _held_payments(store: Store, qb_ids: Iterable[str]) -> dict[str, int]:
    wanted = set(qb_ids)
    held: dict[str, int] = {}
    for run in store.runs(limit=50):
        for item in store.run_items(run.id, Outcome.WARNING.value):
            if item.code == DOUBLE_ENTRY and item.qb_id in wanted and item.qb_id not in held:
                held[item.qb_id] = run.id
    return held


def _ref(record: Mapping[str, Any]) -> str:
    return str(record.get("refNumber") or record.get("id"))


def _quoted(values: Iterable[str]) -> str:
    return ",".join(f"'{_soql(v)}'" for v in values)


# -- after a sync, on demand, and the repair ---------------------------------------------------


def after_sync(ctx: RunContext, workflows: Sequence[str], result: RunResult) -> None:
    """The reconciliation the engine records after a sync of invoices or payments."""
    finished = result.status in {RunStatus.SUCCEEDED, RunStatus.PARTIAL}
    if ctx.dry_run or not finished or not {"invoices", "payments"} & set(workflows):
        return
    ctx.progress(Progress(PROGRESS, "checking"))
    try:
        reconciliation = _after_sync(ctx, workflows, result)
    except (QuickBooksError, SalesforceError) as exc:
        log.info("reconciliation after run %s could not finish: %s", result.run_id, exc)
        reconciliation = _failed(default_period(), str(exc.user_error.title))
    save(ctx.store, reconciliation, run_id=result.run_id, trigger="after sync")
    ctx.progress(Progress(PROGRESS, "done", 1, 1, message=reconciliation.headline()))


def _after_sync(ctx: RunContext, workflows: Sequence[str], result: RunResult) -> Reconciliation:
    last = _reusable(ctx.store, workflows, result)
    if last is not None:
        previous = Reconciliation.from_row(last)
        now = _salesforce_open_total(ctx.salesforce)
        if now == previous.open_invoices.quickbooks:
            return Reconciliation(
                checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
                period_from=previous.period_from,
                period_to=previous.period_to,
                open_invoices=Comparison(previous.open_invoices.quickbooks, now),
                payments=previous.payments,
                customers_compared=previous.customers_compared,
                reused_from=last.id,
            )
    return reconcile(ctx.quickbooks, ctx.salesforce, ctx.store)


def _reusable(
    store: Store, workflows: Sequence[str], result: RunResult
) -> ReconciliationRow | None:
    """The last reconciliation, if it was clean and nothing could have moved QuickBooks'
    figures since: it followed the previous run, and this one saw no invoice or payment change."""
    if not {"invoices", "payments"} <= set(workflows):
        return None
    for workflow in ("invoices", "payments"):
        counts = result.counts.get(workflow, {})
        if any(n for outcome, n in counts.items() if outcome != Outcome.UNCHANGED.value):
            return None
    last = store.last_reconciliation()
    if last is None or not last.clean or last.run_id is None:
        return None
    previous = next(
        (r for r in store.runs(limit=20) if r.id < result.run_id and not r.dry_run), None
    )
    if previous is None or previous.id != last.run_id:
        return None
    return last


def _failed(period: tuple[date, date], error: str) -> Reconciliation:
    return Reconciliation(
        checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
        period_from=period[0],
        period_to=period[1],
        open_invoices=Comparison(Totals(), Totals()),
        payments=Comparison(Totals(), Totals()),
        error=error,
    )


def save(store: Store, reconciliation: Reconciliation, *, run_id: int | None, trigger: str) -> None:
    reconciliation.run_id = run_id
    reconciliation.id = store.add_reconciliation(
        run_id, trigger, _os_user(), clean=reconciliation.clean, body=reconciliation.to_json()
    )


def check_books(
    engine: SyncEngine, *, period: tuple[date, date] | None = None, trigger: str = "reconcile"
) -> Reconciliation:
    """Reconcile now, on demand (the tray's "Check the books", `qbsf reconcile`).

    Holds the run lock, so it never reads halfway through a sync (RunLockBusyError if one runs).
    """
    with RunLock(engine.lock_path, trigger):
        reconciliation = reconcile(
            engine.quickbooks, engine.salesforce, engine.store, period=period
        )
        save(engine.store, reconciliation, run_id=None, trigger=trigger)
    return reconciliation


def repair(
    engine: SyncEngine,
    reconciliation: Reconciliation,
    *,
    trigger: str = "reconcile fix",
    progress: ProgressCallback = ignore_progress,
    cancel: CancelToken | None = None,
) -> RunResult | None:
    """Re-sync exactly the records the reconciliation listed; None when there is nothing to fix.

    The run reconciles again when it ends (see `latest`), which shows whether the fix took.
    """
    only = reconciliation.fix_ids()
    if not only:
        return None
    result = engine.run(list(only), only=only, trigger=trigger, progress=progress, cancel=cancel)
    _record_salesforce_before(engine.store, reconciliation, result.run_id)
    return result


def _record_salesforce_before(store: Store, reconciliation: Reconciliation, run_id: int) -> None:
    """An amount edited in Salesforce is no value the app wrote, so the ledger cannot show it
    as "before"; the reconciliation read it, so the report can."""
    written = {
        (i.workflow, i.qb_id)
        for i in store.run_items(run_id)
        if i.outcome in {Outcome.CREATED.value, Outcome.UPDATED.value}
    }
    known = {(c.workflow, c.qb_id, c.field) for c in store.field_changes(run_id)}
    changes = []
    for d in reconciliation.differences:
        field_name = AMOUNT_FIELDS[d.workflow]
        if (
            d.kind is Kind.AMOUNT_DIFFERS
            and d.qb_id
            and (d.workflow, d.qb_id) in written
            and (d.workflow, d.qb_id, field_name) not in known
            and d.salesforce_amount is not None
            and d.quickbooks_amount is not None
        ):
            changes.append(
                FieldChange(
                    run_id,
                    d.workflow,
                    d.qb_id,
                    field_name,
                    float(d.salesforce_amount),
                    float(d.quickbooks_amount),
                )
            )
    if changes:
        store.add_field_changes(changes)


def latest(store: Store) -> Reconciliation | None:
    row = store.last_reconciliation()
    return Reconciliation.from_row(row) if row else None


def for_run(store: Store, run_id: int) -> Reconciliation | None:
    row = store.reconciliation_for_run(run_id)
    return Reconciliation.from_row(row) if row else None


# -- re-syncing chosen records (the engine's `run(only=...)`) ----------------------------------


def mirror_chosen(ctx: RunContext, spec: MirrorSpec) -> None:
    """Mirror exactly the chosen QuickBooks ids: rewritten even when the ledger thinks Salesforce
    already has them (a mirror deleted or edited there), and marked deleted when QuickBooks no
    longer has them."""
    assert ctx.only_qb_ids is not None
    chosen = sorted(ctx.only_qb_ids.get(spec.workflow, set()))
    if not chosen:
        return
    present = set(find_records(ctx.quickbooks, spec.kinds, chosen))
    if not ctx.dry_run:
        ctx.store.forget_hashes(spec.link_key, sorted(present))
    ctx.only_qb_ids[spec.workflow] = present
    run_mirror(ctx, spec)
    _mark_gone(ctx, spec, [i for i in chosen if i not in present])


def _mark_gone(ctx: RunContext, spec: MirrorSpec, qb_ids: list[str]) -> None:
    # Only mirrors the ledger knows: an upsert by external id would otherwise create one.
    links = [
        link
        for link in ctx.store.links_by_qb(spec.link_key, qb_ids).values()
        if link.sf_id and link.content_hash != DELETED
    ]
    if not links:
        return
    for link in links:
        ctx.plan(
            PlannedAction(
                spec.workflow, "mark deleted", "Salesforce", link.qb_id, link.qb_id, link.sf_id
            )
        )
    if ctx.dry_run:
        return
    results = ctx.salesforce.upsert(
        spec.sobject, spec.external_field, [deleted_mark(spec.workflow, k.qb_id) for k in links]
    )
    outcomes: list[ItemOutcome] = []
    marked: list[Link] = []
    for link, result in zip(links, results, strict=True):
        if result.get("success"):
            outcomes.append(
                ItemOutcome(
                    spec.workflow,
                    link.qb_id,
                    Outcome.UPDATED,
                    link.qb_id,
                    link.sf_id,
                    "DELETED_IN_QUICKBOOKS",
                    "Deleted in QuickBooks; marked so in Salesforce.",
                )
            )
            marked.append(Link(spec.link_key, link.qb_id, link.sf_id, DELETED))
        else:
            code, message, fields = first_error(result)
            plain, details = failure_text(code, message, fields)
            outcomes.append(
                ItemOutcome(
                    spec.workflow,
                    link.qb_id,
                    Outcome.FAILED,
                    link.qb_id,
                    link.sf_id,
                    code,
                    plain,
                    details,
                )
            )
    ctx.recorder.commit(outcomes, marked)


# -- helpers ----------------------------------------------------------------------------------


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
    return Totals(int(body["count"]), Decimal(str(body["total"])))


def _comparison(body: Mapping[str, Any]) -> Comparison:
    return Comparison(_totals(body["quickbooks"]), _totals(body["salesforce"]))


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
    )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except OSError:
        return "unknown"
