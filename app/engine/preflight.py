"""Accounting checks before any QuickBooks write, so what QuickBooks would refuse (or should not
be asked to accept) stops with a plain message and no call is made.

Invoices from approved opportunities: the company's closing date, the customer's credit limit,
the customer's currency (in a Salesforce org with multiple currencies, the opportunity's must be
the customer's: QuickBooks invoices a customer in its own currency only), items missing or
inactive, sales tax codes. New customers: a name that QuickBooks already uses for another
customer, a vendor, an employee or an other name (3100). What QuickBooks says (preferences, name
lists, tax codes) is read once per run, and only when a write needs it; the checks themselves
are pure functions of what was read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domain.currencies import iso_code
from app.domain.invoice_draft import InvoiceDraft, InvoicePreview
from app.domain.invoice_reply import decimal_or_none
from app.domain.outcomes import Problem
from app.domain.workflows import CURRENCY_CODE, OPPORTUNITY
from app.engine.books import find_records, money
from app.engine.context import RunContext
from app.engine.sales_tax import invoice_tax
from app.quickbooks import QuickBooksError
from app.salesforce.soql import IN_VALUES

CLOSING_DATE = "CLOSING_DATE"
CREDIT_LIMIT = "CREDIT_LIMIT"
CURRENCY = "CURRENCY_MISMATCH"
CUSTOMER_MISSING = "CUSTOMER_MISSING"
CUSTOMER_INACTIVE = "CUSTOMER_INACTIVE"
ITEM_MISSING = "ITEM_MISSING"
ITEM_INACTIVE = "ITEM_INACTIVE"
SALES_TAX_CODE = "SALES_TAX_CODE"
NAME_IN_USE = "NAME_IN_USE"

ITEM_KINDS = ("service_item", "non_inventory_item")
#: Lists whose names a customer may not take, with the word a bookkeeper uses for each.
OTHER_NAME_LISTS = (("vendor", "vendor"), ("employee", "employee"), ("other_name", "other name"))

_BOOKS = "preflight.books"
_NAMES = "preflight.names"
_TAX_CODES = "preflight.tax_codes"
_TAX_ITEMS = "preflight.tax_items"


@dataclass(frozen=True)
class Books:
    """The company preferences the checks need."""

    closing_date: str | None
    home_currency: Mapping[str, Any] | None  # {id, fullName}; None when multicurrency is off
    sales_tax_on: bool

    @classmethod
    def from_preferences(cls, preferences: Mapping[str, Any]) -> Books:
        accounting = preferences.get("accounting") or {}
        multi = preferences.get("multiCurrency") or {}
        home = multi.get("homeCurrency") if multi.get("isMultiCurrencyEnabled") else None
        return cls(
            closing_date=accounting.get("closingDate"),
            home_currency=home,
            sales_tax_on=preferences.get("salesTax") is not None,
        )


# -- what QuickBooks says, read once per run ---------------------------------------------------


def books(ctx: RunContext) -> Books:
    if _BOOKS not in ctx.cache:
        ctx.cache[_BOOKS] = Books.from_preferences(ctx.quickbooks.preferences())
    return ctx.cache[_BOOKS]  # type: ignore[no-any-return]


def _names(ctx: RunContext) -> dict[str, str]:
    """Lower-cased vendor, employee and other names -> which list holds them."""
    if _NAMES not in ctx.cache:
        taken: dict[str, str] = {}
        for kind, label in OTHER_NAME_LISTS:
            for record in ctx.quickbooks.everything(kind):
                name = str(record.get("fullName") or record.get("name") or "")
                if name:
                    taken.setdefault(name.lower(), label)
        ctx.cache[_NAMES] = taken
    return ctx.cache[_NAMES]  # type: ignore[no-any-return]


def _tax_codes(ctx: RunContext, wanted: set[str]) -> dict[str, dict[str, Any]]:
    if not wanted or not books(ctx).sales_tax_on:
        return {}
    if _TAX_CODES not in ctx.cache:
        ctx.cache[_TAX_CODES] = {c["id"]: c for c in ctx.quickbooks.everything("sales_tax_code")}
    return ctx.cache[_TAX_CODES]  # type: ignore[no-any-return]


def _all_tax_codes(ctx: RunContext) -> dict[str, dict[str, Any]]:
    """Every sales tax code, when sales tax is on (the customers' and items' codes among them)."""
    return _tax_codes(ctx, {"*"})


def _tax_items(ctx: RunContext) -> dict[str, dict[str, Any]] | None:
    """Sales tax items by id (their rates); None when QuickBooks does not list them."""
    if not books(ctx).sales_tax_on:
        return {}
    if _TAX_ITEMS not in ctx.cache:
        try:
            found = {i["id"]: i for i in ctx.quickbooks.everything("sales_tax_item")}
        except QuickBooksError as error:
            if error.connection_problem:
                raise
            found = None
        ctx.cache[_TAX_ITEMS] = found
    return ctx.cache[_TAX_ITEMS]  # type: ignore[no-any-return]


# -- invoices ---------------------------------------------------------------------------------


def invoice_problems(
    ctx: RunContext, drafts: Sequence[tuple[str, InvoiceDraft]]
) -> dict[str, tuple[Problem, ...]]:
    """The problems of each draft (by key), checked in order: invoices earlier in the list use
    up the customer's credit before later ones."""
    ready = [(key, draft) for key, draft in drafts if draft.body is not None]
    if not ready:
        return {}
    facts = books(ctx)
    customer_ids = (str((d.body or {}).get("customerId")) for _, d in ready)
    customers = find_records(ctx.quickbooks, ("customer",), customer_ids)
    items = find_records(ctx.quickbooks, ITEM_KINDS, (i for _, d in ready for i in _item_ids(d)))
    tax_codes = _all_tax_codes(ctx)
    tax_items = _tax_items(ctx) if facts.sales_tax_on else {}
    currencies = opportunity_currencies(ctx, ready) if facts.home_currency else {}
    credit_used: dict[str, Decimal] = {}
    found: dict[str, tuple[Problem, ...]] = {}
    for key, draft in ready:
        problems = check_invoice(
            draft,
            facts,
            customers,
            items,
            tax_codes,
            credit_used,
            tax_items=tax_items,
            opportunity_currency=currencies.get(draft.preview.opportunity_id),
        )
        if problems:
            found[key] = problems
    return found


def check_invoice(
    draft: InvoiceDraft,
    facts: Books,
    customers: Mapping[str, Mapping[str, Any]],
    items: Mapping[str, Mapping[str, Any]],
    tax_codes: Mapping[str, Mapping[str, Any]],
    credit_used: dict[str, Decimal],
    *,
    tax_items: Mapping[str, Mapping[str, Any]] | None = None,
    opportunity_currency: str | None = None,
) -> tuple[Problem, ...]:
    """Every rule for one drafted invoice; `credit_used` carries what earlier invoices of the
    same batch added to each customer's balance, and is updated when this one passes.
    `tax_items`: the sales tax items by id, None when they could not be read.
    `opportunity_currency`: its ISO code in an org with multiple currencies, else None."""
    body = draft.body or {}
    preview = draft.preview
    problems: list[Problem] = []
    day = str(body.get("transactionDate") or "")
    if facts.closing_date and day and day <= facts.closing_date:
        problems.append(
            Problem(
                f"The invoice would be dated {day}, on or before the QuickBooks closing date "
                f"{facts.closing_date}, and QuickBooks keeps that period closed. Move the "
                f"opportunity's close date after {facts.closing_date}, or ask your accountant "
                "whether the closing date can change.",
                "CloseDate",
                CLOSING_DATE,
            )
        )
    customer_id = str(body.get("customerId") or "")
    customer = customers.get(customer_id)
    if customer is None:
        problems.append(
            Problem(
                f"The QuickBooks customer linked to {preview.customer_name} no longer exists. "
                "Sync customers, or link the account again under Setup > Match existing records.",
                "AccountId",
                CUSTOMER_MISSING,
            )
        )
    else:
        problems.extend(_customer_rules(customer, preview.customer_name, facts))
        problems.extend(
            _currency_rule(customer, preview.customer_name, facts, opportunity_currency)
        )
    for number, line in enumerate(body.get("lines") or [], start=1):
        product = _product(preview, number)
        item = items.get(str(line.get("itemId") or ""))
        if item is None:
            problems.append(
                Problem(
                    f"Line {number}: the QuickBooks item for {product} no longer exists. Sync "
                    "items, then review this invoice again.",
                    "Product2Id",
                    ITEM_MISSING,
                )
            )
        elif item.get("isActive") is False:
            problems.append(
                Problem(
                    f"Line {number}: the QuickBooks item {item.get('fullName') or product} is "
                    "inactive. Make it active in QuickBooks (Lists > Item List) or use another "
                    "product.",
                    "Product2Id",
                    ITEM_INACTIVE,
                )
            )
    problems.extend(_tax_code_rules(tax_code_ids(body), facts, tax_codes))
    if customer is not None:
        tax = invoice_tax(
            body,
            sales_tax_on=facts.sales_tax_on,
            customer=customer,
            items=items,
            tax_codes=tax_codes,
            tax_items=tax_items,
        )
        total = preview.subtotal + (tax or 0)
        note = _tax_note(tax) if facts.sales_tax_on else ""
        over = _credit_rule(customer, preview.customer_name, total, credit_used, note)
        if over is not None:
            problems.append(over)
        elif not problems:
            key = str(customer.get("id"))
            credit_used[key] = credit_used.get(key, Decimal(0)) + total
    return tuple(problems)


def _customer_rules(customer: Mapping[str, Any], name: str, facts: Books) -> list[Problem]:
    problems: list[Problem] = []
    if customer.get("isActive") is False:
        problems.append(
            Problem(
                f"The QuickBooks customer {customer.get('fullName') or name} is inactive. Make it "
                "active in QuickBooks (Customers > Customer Center) before invoicing it.",
                "AccountId",
                CUSTOMER_INACTIVE,
            )
        )
    return problems


def _currency_rule(
    customer: Mapping[str, Any], name: str, facts: Books, opportunity_currency: str | None
) -> list[Problem]:
    """QuickBooks invoices a customer in the customer's own currency: an opportunity in another
    one cannot become its invoice. Without the opportunity's currency (an org with one currency)
    its amounts are taken as the home currency."""
    home = facts.home_currency
    if not home:
        return []  # QuickBooks keeps one currency: there is nothing to differ
    currency = customer.get("currency") or home
    who = customer.get("fullName") or name
    if opportunity_currency:
        code = iso_code(currency.get("fullName"))
        if code is None or code == opportunity_currency:
            return []
        return [
            Problem(
                f"This opportunity is in {opportunity_currency}, but {who} is billed in "
                f"{currency.get('fullName')} ({code}) in QuickBooks, and QuickBooks invoices a "
                f"customer only in its own currency. Change the opportunity's currency to {code} "
                "in Salesforce, or create this invoice in QuickBooks by hand.",
                CURRENCY_CODE,
                CURRENCY,
            )
        ]
    if currency.get("id") == home.get("id"):
        return []
    return [
        Problem(
            f"{who} is billed in {currency.get('fullName')} in QuickBooks, but invoices from "
            f"Salesforce are in {home.get('fullName')}, the home currency. Create this invoice in "
            f"QuickBooks by hand, or bill the customer in {home.get('fullName')}.",
            "AccountId",
            CURRENCY,
        )
    ]


def opportunity_currencies(
    ctx: RunContext, drafts: Sequence[tuple[str, InvoiceDraft]]
) -> dict[str, str]:
    """Each opportunity's CurrencyIsoCode, in a Salesforce org with multiple currencies (one
    query for the batch); empty in an org with one currency, where the field does not exist."""
    ids = sorted({d.preview.opportunity_id for _, d in drafts if d.preview.opportunity_id})
    if not ids:
        return {}
    described = ctx.salesforce.describe(OPPORTUNITY.name) or {}
    if CURRENCY_CODE not in {str(f.get("name")) for f in described.get("fields", [])}:
        return {}
    template = f"SELECT Id, {CURRENCY_CODE} FROM {OPPORTUNITY.name} WHERE Id IN {IN_VALUES}"  # noqa: S608
    rows = ctx.salesforce.query_in(template, ids)
    return {str(r["Id"]): str(r[CURRENCY_CODE]) for r in rows if r.get(CURRENCY_CODE)}


def _credit_rule(
    customer: Mapping[str, Any],
    name: str,
    amount: Decimal,
    credit_used: Mapping[str, Decimal],
    tax_note: str = "",
) -> Problem | None:
    """`tax_note` says whether `amount` includes the sales tax QuickBooks will add."""
    balance = decimal_or_none(customer.get("totalBalance") or customer.get("balance")) or Decimal(0)
    balance += credit_used.get(str(customer.get("id")), Decimal(0))
    limit = decimal_or_none(customer.get("creditLimit"))
    after = balance + amount
    if limit is not None and amount > 0 and after > limit:
        who = customer.get("fullName") or name
        return Problem(
            f"This invoice ({money(amount)}{tax_note}) would take {who}'s "
            f"balance from {money(balance)} to {money(after)}, over the QuickBooks credit limit of "
            f"{money(limit)}. Raise the limit in QuickBooks (Edit Customer > Payment Settings) or "
            "collect a payment first.",
            "Amount",
            CREDIT_LIMIT,
        )
    return None


def _tax_note(tax: Decimal | None) -> str:
    if tax is None:
        return " before sales tax: the tax QuickBooks adds could not be worked out"
    return f" including {money(tax)} sales tax"


def _tax_code_rules(
    wanted: set[str], facts: Books, tax_codes: Mapping[str, Mapping[str, Any]]
) -> list[Problem]:
    if not wanted:
        return []
    if not facts.sales_tax_on:
        return [
            Problem(
                "The invoice names a sales tax code, but sales tax is turned off in this "
                "QuickBooks company file. Remove the tax code from the field map, or turn sales "
                "tax on in QuickBooks (Edit > Preferences > Sales Tax).",
                "salesTaxCodeId",
                SALES_TAX_CODE,
            )
        ]
    problems = []
    for code_id in sorted(wanted):
        code = tax_codes.get(code_id)
        if code is None or code.get("isActive") is False:
            state = "does not exist" if code is None else "is inactive"
            problems.append(
                Problem(
                    f"The sales tax code {code.get('name') if code else code_id} {state} in "
                    "QuickBooks. Choose a valid code in the field map.",
                    "salesTaxCodeId",
                    SALES_TAX_CODE,
                )
            )
    return problems


def tax_code_ids(body: Mapping[str, Any]) -> set[str]:
    codes = {str(body["salesTaxCodeId"])} if body.get("salesTaxCodeId") else set()
    for line in body.get("lines") or []:
        if line.get("salesTaxCodeId"):
            codes.add(str(line["salesTaxCodeId"]))
    return codes


def _item_ids(draft: InvoiceDraft) -> list[str]:
    return [
        str(line["itemId"]) for line in (draft.body or {}).get("lines") or [] if line.get("itemId")
    ]


def _product(preview: InvoicePreview, number: int) -> str:
    lines = preview.lines
    return str(lines[number - 1].product) if 0 < number <= len(lines) else f"line {number}"


# -- new customers ----------------------------------------------------------------------------


def customer_problems(
    ctx: RunContext, body: Mapping[str, Any], same_name: Mapping[str, Any] | None
) -> tuple[Problem, ...]:
    """Checks before a customer is created; `same_name` is the QuickBooks customer that already
    has the name (and is linked to another account), if any."""
    name = str(body.get("name") or "")
    problems = list(check_customer_name(name, same_name, _names(ctx) if same_name is None else {}))
    codes = tax_code_ids(body)
    if codes:
        problems.extend(_tax_code_rules(codes, books(ctx), _tax_codes(ctx, codes)))
    return tuple(problems)


def check_customer_name(
    name: str, same_name: Mapping[str, Any] | None, other_names: Mapping[str, str]
) -> tuple[Problem, ...]:
    if same_name is not None:
        return (
            Problem(
                f"QuickBooks already has a customer named {name}, linked to another Salesforce "
                "account. QuickBooks names must be unique: rename one of the accounts, for "
                f"example to '{name} (2)'.",
                "Name",
                NAME_IN_USE,
            ),
        )
    label = other_names.get(name.lower())
    if label is None:
        return ()
    return (
        Problem(
            f"QuickBooks already uses the name {name} for a {label}. Customers, vendors, "
            "employees and other names share one list of names in QuickBooks: rename the "
            f"account in Salesforce, or the {label} in QuickBooks.",
            "Name",
            NAME_IN_USE,
        ),
    )
