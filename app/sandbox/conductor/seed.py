"""The seeded sample company: chart of accounts, customers, items, invoices and payments.

The first customer has one job (a sub-customer), billed by the last invoice of the history, and
the newest open invoice has a credit memo applied to it, so a sync shows both.

Customer and item names come from `app.sandbox.sample` so they match the Salesforce sandbox.
Invoices and payments are made by the same create rules the API uses, one at a time and in
date order (a payment arrives 3 to 45 days after its invoice), so a benchmark-sized company
streams into the store without being held in memory. Everything follows from the seed.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from app.sandbox import sample
from app.sandbox.conductor import credit_memos, invoices, lists, payments
from app.sandbox.conductor.company import Company
from app.sandbox.conductor.values import money

#: Where the seeded history ends unless the sandbox is given a start time.
DEFAULT_ANCHOR = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
HISTORY_DAYS = 365

# name, accountType, specialAccountType, accountNumber, isActive
CHART_OF_ACCOUNTS: tuple[tuple[str, str, str | None, str, bool], ...] = (
    ("Checking", "bank", None, "1000", True),
    ("Savings", "bank", None, "1010", True),
    ("Accounts Receivable", "accounts_receivable", "accounts_receivable", "1100", True),
    ("Undeposited Funds", "other_current_asset", "undeposited_funds", "1200", True),
    ("Inventory Asset", "other_current_asset", "inventory_assets", "1300", True),
    ("Furniture and Equipment", "fixed_asset", None, "1500", True),
    ("Accounts Payable", "accounts_payable", "accounts_payable", "2000", True),
    ("Sales Tax Payable", "other_current_liability", "sales_tax_payable", "2200", True),
    ("Opening Balance Equity", "equity", "opening_balance_equity", "3000", True),
    ("Retained Earnings", "equity", "retained_earnings", "3200", True),
    ("Service Income", "income", None, "4000", True),
    ("Consulting Income", "income", None, "4010", True),
    ("Product Sales", "income", None, "4100", True),
    ("Materials Income", "income", None, "4110", True),
    ("Promotional Income", "income", None, "4900", False),
    ("Cost of Goods Sold", "cost_of_goods_sold", "cost_of_goods_sold", "5000", True),
    ("Rent Expense", "expense", None, "6100", True),
    ("Utilities", "expense", None, "6200", True),
    ("Office Supplies", "expense", None, "6300", True),
)
VENDORS = ("Office Depot", "City Power & Light", "Metro Water Utility")
EMPLOYEES = ("Jordan Lee",)
_SERVICE_INCOME = ("Service Income", "Consulting Income")
#: The sample job, under the first customer.
JOB_NAME = "Kitchen Remodel"
CREDIT_MEMO_REF = "CM-1"
_GOODS_INCOME = ("Product Sales", "Materials Income")


@dataclass(frozen=True)
class Size:
    customers: int = 40
    items: int = 20
    invoices: int = 300
    payments: int = 150


def seed(company: Company, seed_value: int, size: Size, anchor: datetime) -> None:
    """Fills an empty company file; `company.clock` must be a virtual clock before `anchor`."""
    first_day = anchor.date() - timedelta(days=HISTORY_DAYS)
    with company.store.transaction():
        accounts = _accounts(company)
        for kind, names in (("vendor", VENDORS), ("employee", EMPLOYEES)):
            for name in names:
                lists.add_other(company, kind, name)
        customers = _customers(company, seed_value, size.customers)
        job = _job(company, customers)
        items = _items(company, seed_value, size.items, accounts)
        for name, taxable, description in lists.DEFAULT_SALES_TAX_CODES:
            lists.add_sales_tax_code(company, name, taxable=taxable, description=description)
        with company.bulk():
            last = _history(company, seed_value, size, customers, items, first_day, anchor, job)
            _credit_memo(company, seed_value, last, items)


def _accounts(company: Company) -> dict[str, str]:
    ids = {}
    for name, account_type, special, number, active in CHART_OF_ACCOUNTS:
        body = lists.add_account(
            company,
            name=name,
            account_type=account_type,
            special=special,
            number=number,
            active=active,
        )
        ids[name] = body["id"]
    return ids


def _customers(company: Company, seed_value: int, count: int) -> list[str]:
    active = []
    for index in range(count):
        profile = sample.customer(seed_value, index)
        address = {
            "line1": profile.name[:41],
            "line2": profile.street,
            "city": profile.city,
            "state": profile.state,
            "postalCode": profile.postal_code,
            "country": "US",
        }
        is_active = index % 17 != 16
        body = lists.create(
            company,
            "customer",
            {
                "name": profile.name,
                "isActive": is_active,
                "companyName": profile.name[:41],
                "email": profile.email,
                "phone": profile.phone,
                "billingAddress": address,
                "shippingAddress": address,
            },
        )
        if is_active:
            active.append(body["id"])
    return active


def _items(company: Company, seed_value: int, count: int, accounts: dict[str, str]) -> list[str]:
    active = []
    for index in range(count):
        profile = sample.item(seed_value, index)
        service = profile.kind == "service"
        incomes = _SERVICE_INCOME if service else _GOODS_INCOME
        is_active = index % 7 != 6
        body = lists.create(
            company,
            "service_item" if service else "non_inventory_item",
            {
                "name": profile.name,
                "isActive": is_active,
                "salesOrPurchaseDetails": {
                    "description": profile.description,
                    "price": money(profile.price),
                    "postingAccountId": accounts[incomes[(index // 2) % 2]],
                },
            },
        )
        if is_active:
            active.append(body["id"])
    return active


@dataclass(order=True)
class _Due:
    day: date
    invoice_number: int
    invoice_id: str = ""
    customer_id: str = ""
    partial: bool = False


def _history(
    company: Company,
    seed_value: int,
    size: Size,
    customers: list[str],
    items: list[str],
    first_day: date,
    anchor: datetime,
    job: str | None = None,
) -> date | None:
    """The history of invoices and payments; the last invoice bills `job`. Returns its last day."""
    if not customers or not items or size.invoices <= 0:
        return None
    paid_count = min(size.payments, size.invoices)
    due: list[_Due] = []
    made_payments = 0
    for number in range(size.invoices):
        rng = random.Random(f"{seed_value}:invoice:{number}")
        day = first_day + timedelta(days=number * HISTORY_DAYS // size.invoices)
        while due and due[0].day < day:
            made_payments = _pay(company, seed_value, heapq.heappop(due), made_payments)
        _at(company, day, rng)
        invoice = invoices.create_invoice(
            company,
            {
                "customerId": _billed(rng.choice(customers), job, number == size.invoices - 1),
                "transactionDate": day.isoformat(),
                "dueDate": (day + timedelta(days=30)).isoformat(),
                "refNumber": str(1001 + number),
                "lines": [_line(rng, items) for _ in range(rng.randint(1, 4))],
            },
        )
        if (number + 1) * paid_count // size.invoices > number * paid_count // size.invoices:
            pay_day = min(day + timedelta(days=rng.randint(3, 45)), anchor.date())
            heapq.heappush(
                due,
                _Due(
                    pay_day,
                    number,
                    invoice["id"],
                    invoice["customer"]["id"],
                    partial=rng.random() < 0.15,
                ),
            )
    while due:
        made_payments = _pay(company, seed_value, heapq.heappop(due), made_payments)
    return day


def _billed(customer: str, job: str | None, is_jobs: bool) -> str:
    return job if job is not None and is_jobs else customer


def _job(company: Company, customers: list[str]) -> str | None:
    """A job of the first customer: fullName "Customer:Kitchen Remodel"."""
    if not customers:
        return None
    body = lists.create(company, "customer", {"name": JOB_NAME, "parentId": customers[0]})
    return str(body["id"])


def _credit_memo(
    company: Company, seed_value: int, last_day: date | None, items: list[str]
) -> None:
    """A credit memo applied in part to the newest open invoice of a customer (not the job)."""
    if last_day is None:
        return
    open_invoices = [
        body
        for _, _, body in company.store.select("kind = ?", ["invoice"])
        if not body["isPaid"] and ":" not in str(body["customer"].get("fullName"))
    ]
    if not open_invoices:
        return
    invoice = max(open_invoices, key=lambda b: (b["transactionDate"], b["id"]))
    rng = random.Random(f"{seed_value}:credit_memo")
    _at(company, last_day, rng)
    amount = min(Decimal("50.00"), Decimal(invoice["balanceRemaining"]))
    memo = credit_memos.create_credit_memo(
        company,
        {
            "customerId": invoice["customer"]["id"],
            "transactionDate": last_day.isoformat(),
            "refNumber": CREDIT_MEMO_REF,
            "memo": "Goodwill credit",
            "lines": [{"itemId": items[0], "amount": money(amount * 2)}],
        },
    )
    credit_memos.apply_credit(company, memo["id"], invoice["id"], amount)


def _line(rng: random.Random, items: list[str]) -> dict[str, Any]:
    return {"itemId": rng.choice(items), "quantity": rng.randint(1, 12)}


def _pay(company: Company, seed_value: int, due: _Due, made: int) -> int:
    rng = random.Random(f"{seed_value}:payment:{due.invoice_number}")
    _at(company, due.day, rng)
    invoice = company.require(due.invoice_id, ("invoice",))
    balance = Decimal(invoice["balanceRemaining"])
    amount = (balance / 2).quantize(Decimal("0.01")) if due.partial else balance
    payments.create_payment(
        company,
        {
            "customerId": due.customer_id,
            "transactionDate": due.day.isoformat(),
            "refNumber": str(5001 + made),
            "totalAmount": money(amount),
            "applyToTransactions": [
                {"transactionId": due.invoice_id, "paymentAmount": money(amount)}
            ],
        },
    )
    return made + 1


def _at(company: Company, day: date, rng: random.Random) -> None:
    """Writes of a day happen during its office hours (the clock never goes back)."""
    moment = datetime.combine(day, time(9, 0), UTC) + timedelta(seconds=rng.randint(0, 8 * 3600))
    company.clock.observe(moment)
