"""Prices for mirrored items, so a product the sync made can be sold on an opportunity.

Salesforce adds a product to an opportunity only through an active price book entry, and a
product's entry in any price book needs its standard price first (Object Reference,
"PricebookEntry"). After the items mirror, every linked product gets an active standard entry at
QuickBooks' sales price, and an entry in the chosen price book when that is another one; an org
with multiple currencies gets one per active currency, converted at the org's rates. A price
written is kept in the ledger (`items:price`), so an entry is written again only when the price,
the price book or the currencies change. A refused entry is that item's problem; the others and
the items cursor go on, and the item is tried again when it changes or its run is retried.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from app.domain.hashing import content_hash
from app.domain.outcomes import Outcome
from app.domain.record_mapping import read_path
from app.domain.workflows import CURRENCIES, CURRENCY_CODE, PRICE_BOOKS, WorkflowId
from app.engine.context import RunContext
from app.engine.mirror_spec import BeforeWrite
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.engine.salesforce_results import failure_text, first_error
from app.salesforce.soql import IN_VALUES, literal
from app.store import Link
from app.store.settings import PRICE_BOOK

WORKFLOW = WorkflowId.ITEMS
#: Ledger key: QuickBooks item id -> its standard entry, with the prices written.
PRICE_LINKS = f"{WORKFLOW}:price"
#: Where QuickBooks keeps an item's sales price: service and non-inventory items either sell
#: only (salesOrPurchaseDetails) or are bought and sold (salesAndPurchaseDetails).
PRICE_PATHS = ("salesOrPurchaseDetails.price", "salesAndPurchaseDetails.salesPrice")
#: The QuickBooks lists items are read from.
ITEM_LISTS = ("service_item", "non_inventory_item")
_READ = "pricebooks.read"
_CENT = Decimal("0.01")


def sales_price(item: dict[str, Any]) -> Decimal:
    """QuickBooks' sales price of an item; an item without one is priced at zero."""
    for path in PRICE_PATHS:
        value = read_path(item, path)
        if value not in (None, ""):
            try:
                return Decimal(str(value)).quantize(_CENT, ROUND_HALF_EVEN)
            except InvalidOperation:
                continue
    return Decimal("0.00")


def remembering_prices(hook: BeforeWrite | None = None) -> BeforeWrite:
    """The items mirror's page hook: keeps each item read for pricing after the write."""

    def remember(ctx: RunContext, records: list[dict[str, Any]]) -> list[ItemOutcome]:
        read: dict[str, dict[str, Any]] = ctx.cache.setdefault(_READ, {})
        read.update({str(r.get("id")): r for r in records})
        return hook(ctx, records) if hook is not None else []

    return remember


@dataclass(frozen=True)
class Books:
    """The price books entries go in (standard first) and the currencies priced."""

    standard: str
    chosen: str | None
    #: ISO code -> units per one unit of the corporate currency; {"": 1} without multi-currency.
    rates: dict[str, Decimal]
    corporate: str

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.standard, self.chosen) if self.chosen else (self.standard,)

    @property
    def multi_currency(self) -> bool:
        return "" not in self.rates

    def prices(self, price: Decimal) -> dict[str, str]:
        """Currency -> the entry's price; QuickBooks' price is in the corporate currency."""
        return {
            code: str((price * rate).quantize(_CENT, ROUND_HALF_EVEN))
            for code, rate in sorted(self.rates.items())
        }


class PriceBookNotFoundError(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def price_items(ctx: RunContext) -> None:
    """Write the price book entries of the items read this run, and of linked items never priced."""
    items = _changed_prices(ctx, _items_to_price(ctx))
    if not items:
        return
    ctx.report(WORKFLOW, "pricing")
    try:
        books = _books(ctx)
    except PriceBookNotFoundError as missing:
        message = (
            f"Salesforce has no price book named {missing.name}, the one chosen in Settings for "
            "QuickBooks prices. Choose another, or leave it empty for the standard price book."
        )
        ctx.recorder.commit(
            [
                _problem(qb_id, item, "PRICE_BOOK_NOT_FOUND", message)
                for qb_id, item in items.items()
            ]
        )
        return
    products = ctx.store.links_by_qb(WORKFLOW, list(items))
    earlier = ctx.store.links_by_qb(PRICE_LINKS, list(items))
    wanted: dict[str, _Wanted] = {}
    for qb_id, item in items.items():
        product = products.get(qb_id)
        if product is None or not product.sf_id:
            continue  # not in Salesforce (yet): its own problem was reported by the mirror
        content: dict[str, Any] = {
            "product": product.sf_id,
            "books": list(books.ids),
            "prices": books.prices(sales_price(item)),
            "asked": _asked(ctx, item),
        }
        digest = content_hash(content)
        link = earlier.get(qb_id)
        if link is not None and link.content_hash == digest and link.sf_id:
            continue
        wanted[qb_id] = _Wanted(qb_id, item, product.sf_id, content, digest)
        ctx.plan(
            PlannedAction(
                workflow=WORKFLOW,
                action="price",
                target="Salesforce",
                record=_label(item),
                qb_id=qb_id,
                sf_id=product.sf_id,
                detail=", ".join(f"{c} {p}".strip() for c, p in content["prices"].items()),
            )
        )
    if not wanted or ctx.dry_run:
        return
    ctx.check_api_reserve()
    _write(ctx, books, wanted)


@dataclass
class _Wanted:
    qb_id: str
    item: dict[str, Any]
    product_id: str
    content: dict[str, Any]
    digest: str
    standard_entry: str | None = None
    problem: tuple[str, str, str | None] | None = None


def _items_to_price(ctx: RunContext) -> dict[str, dict[str, Any]]:
    """Items read this run, and linked items with no price yet (read from QuickBooks once)."""
    items: dict[str, dict[str, Any]] = dict(ctx.cache.get(_READ, {}))
    if ctx.only_qb_ids is not None:
        return items
    priced = {link.qb_id for link in ctx.store.links(PRICE_LINKS)}
    unpriced = {
        link.qb_id
        for link in ctx.store.links(WORKFLOW)
        if link.sf_id and link.qb_id not in priced and link.qb_id not in items
    }
    if unpriced:
        for kind in ITEM_LISTS:
            for page in ctx.quickbooks.pages(kind, status="all"):
                items.update({str(r["id"]): r for r in page.records if str(r["id"]) in unpriced})
    return items


def _asked(ctx: RunContext, item: dict[str, Any]) -> dict[str, str]:
    """What a price depends on before the price books are read: QuickBooks' price and the
    price book chosen in settings."""
    return {"price": str(sales_price(item)), "book": ctx.store.get(PRICE_BOOK).strip()}


def _changed_prices(ctx: RunContext, items: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Items whose price was never written for this product, or whose QuickBooks price or chosen
    price book changed since: a sync with nothing new reads no price book."""
    if not items:
        return items
    products = ctx.store.links_by_qb(WORKFLOW, list(items))
    earlier = ctx.store.links_by_qb(PRICE_LINKS, list(items))
    changed = {}
    for qb_id, item in items.items():
        link, product = earlier.get(qb_id), products.get(qb_id)
        content = (link.content or {}) if link is not None and link.content_hash else {}
        if (
            product is None
            or content.get("product") != product.sf_id
            or content.get("asked") != _asked(ctx, item)
        ):
            changed[qb_id] = item
    return changed


def _books(ctx: RunContext) -> Books:
    cache_key = "pricebooks.books"
    if cache_key in ctx.cache:
        return ctx.cache[cache_key]  # type: ignore[no-any-return]
    pb = PRICE_BOOKS
    rows = ctx.salesforce.query_all(
        f"SELECT Id, Name FROM {pb.book} WHERE {pb.is_standard} = true"  # noqa: S608
    )
    standard = str(rows[0]["Id"])
    chosen_name = ctx.store.get(PRICE_BOOK).strip()
    chosen = None
    if chosen_name and chosen_name.casefold() != str(rows[0].get("Name", "")).casefold():
        found = ctx.salesforce.query_all(
            f"SELECT Id FROM {pb.book} WHERE Name = {literal(chosen_name)}"  # noqa: S608
        )
        if not found:
            raise PriceBookNotFoundError(chosen_name)
        chosen = str(found[0]["Id"])
    rates, corporate = _currencies(ctx)
    books = Books(standard, chosen, rates, corporate)
    ctx.cache[cache_key] = books
    return books


def _currencies(ctx: RunContext) -> tuple[dict[str, Decimal], str]:
    """The active currencies and their rates, in an org with multiple currencies."""
    described = ctx.salesforce.describe(PRICE_BOOKS.entry) or {}
    names = {str(f.get("name")) for f in described.get("fields", [])}
    if CURRENCY_CODE not in names:
        return {"": Decimal(1)}, ""
    c = CURRENCIES
    rows = ctx.salesforce.query_all(
        f"SELECT {c.iso_code}, {c.conversion_rate}, {c.is_corporate} FROM {c.name} "  # noqa: S608
        f"WHERE {c.is_active} = true"
    )
    rates = {str(r[c.iso_code]): Decimal(str(r[c.conversion_rate] or 1)) for r in rows}
    corporate = next((str(r[c.iso_code]) for r in rows if r.get(c.is_corporate)), "")
    return rates, corporate


def _write(ctx: RunContext, books: Books, wanted: dict[str, _Wanted]) -> None:
    pb = PRICE_BOOKS
    fields = ["Id", pb.entry_book, pb.entry_product, pb.unit_price, pb.is_active]
    if books.multi_currency:
        fields.append(CURRENCY_CODE)
    by_product = {w.product_id: w for w in wanted.values()}
    existing: dict[tuple[str, str, str], dict[str, Any]] = {}
    template = (
        f"SELECT {', '.join(fields)} FROM {pb.entry} WHERE {pb.entry_product} "  # noqa: S608
        f"IN {IN_VALUES}"
    )
    for found in ctx.salesforce.query_in(template, sorted(by_product)):
        key = (
            str(found[pb.entry_book]),
            str(found[pb.entry_product]),
            str(found.get(CURRENCY_CODE) or ""),
        )
        existing[key] = found
    # Standard entries first: an entry in another book is refused until the standard one exists.
    for book in books.ids:
        creates: list[tuple[_Wanted, dict[str, Any]]] = []
        updates: list[tuple[_Wanted, dict[str, Any]]] = []
        for want in wanted.values():
            if want.problem is not None:
                continue
            for code, price in want.content["prices"].items():
                row = existing.get((book, want.product_id, code))
                unit = float(price)
                if row is None:
                    entry = {
                        pb.entry_book: book,
                        pb.entry_product: want.product_id,
                        pb.unit_price: unit,
                        pb.is_active: True,
                    }
                    if code:
                        entry[CURRENCY_CODE] = code
                    creates.append((want, entry))
                else:
                    if book == books.standard and (not code or code == books.corporate):
                        want.standard_entry = want.standard_entry or str(row["Id"])
                    if Decimal(str(row[pb.unit_price])) != Decimal(price) or not row.get(
                        pb.is_active
                    ):
                        updates.append(
                            (want, {"Id": row["Id"], pb.unit_price: unit, pb.is_active: True})
                        )
        _send(ctx, books, book, creates, ctx.salesforce.create)
        _send(ctx, books, book, updates, ctx.salesforce.update)
    _commit(ctx, wanted.values())


def _send(
    ctx: RunContext, books: Books, book: str, rows: list[tuple[_Wanted, dict[str, Any]]], write: Any
) -> None:
    if not rows:
        return
    results = write(
        PRICE_BOOKS.entry, [entry for _, entry in rows], lock_retries=ctx.settings.row_lock_retries
    )
    for (want, entry), result in zip(rows, results, strict=True):
        if result.get("success"):
            code = str(entry.get(CURRENCY_CODE) or "")
            if (
                book == books.standard
                and (not code or code == books.corporate)
                and result.get("id")
            ):
                want.standard_entry = want.standard_entry or str(result["id"])
            continue
        if want.problem is None:
            code, message, fields = first_error(result)
            plain, details = failure_text(code, message, fields)
            want.problem = (code, plain, details)


def _commit(ctx: RunContext, wanted: Iterable[_Wanted]) -> None:
    outcomes: list[ItemOutcome] = []
    links: list[Link] = []
    for want in wanted:
        if want.problem is None:
            links.append(
                Link(
                    PRICE_LINKS,
                    want.qb_id,
                    want.standard_entry or want.product_id,
                    want.digest,
                    content=want.content,
                )
            )
            continue
        code, plain, details = want.problem
        message = (
            "The product is in Salesforce, but its QuickBooks price could not be set, so it "
            f"cannot be added to opportunities yet. {plain}"
        )
        outcomes.append(_problem(want.qb_id, want.item, code, message, details))
        # Kept without a hash: tried again when the item changes or its run is retried.
        links.append(Link(PRICE_LINKS, want.qb_id, None, None))
    ctx.recorder.commit(outcomes, links)


def _problem(
    qb_id: str, item: dict[str, Any], code: str, message: str, details: str | None = None
) -> ItemOutcome:
    return ItemOutcome(
        workflow=WORKFLOW,
        record_key=_label(item),
        outcome=Outcome.FAILED,
        qb_id=qb_id,
        code=code,
        message=message,
        details=details,
        resource=str(item.get("objectType") or "").removeprefix("qbd_") or None,
    )


def _label(item: dict[str, Any]) -> str:
    return str(item.get("fullName") or item.get("name") or item.get("id"))
