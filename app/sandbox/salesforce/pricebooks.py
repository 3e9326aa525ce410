"""Price books and opportunity products: the rules Salesforce keeps between PricebookEntry,
OpportunityLineItem and Opportunity.

- A custom price book entry needs the product's standard price first (STANDARD_PRICE_NOT_DEFINED),
  and a product has one standard price (DUPLICATE_VALUE). Object Reference, "PricebookEntry",
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_pricebookentry.htm
- An opportunity product names its PricebookEntryId (FIELD_INTEGRITY_EXCEPTION without one; a
  Product2Id alone is taken only when the opportunity's price book lists the product): Salesforce
  Help, "OpportunityLineItem Insert Field Integrity Error",
  https://help.salesforce.com/s/articleView?id=000383141&type=1
- Its entry must be in the opportunity's price book; the first product sets the opportunity's
  Pricebook2Id, which can't change while products exist; UnitPrice and TotalPrice are not both
  given; the opportunity's Amount is the sum of its products and an update to it is ignored (not
  rejected). Object Reference, "OpportunityLineItem" (Usage, "Effects on Opportunities"),
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitylineitem.htm
  and Salesforce Help, "Opportunity Amount isn't updated through REST API for opportunities with
  products", https://help.salesforce.com/s/articleView?id=004052228&type=1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.sandbox.salesforce.errors import RecordError

if TYPE_CHECKING:
    from app.sandbox.salesforce.org import Org


def _get(org: Org, name: str, record_id: Any) -> dict[str, Any] | None:
    if not record_id:
        return None
    return org.store.get(org.schema.stored_object(name), str(record_id))


def _live_rows(org: Org, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return org.store.select(sql, params)


def check_entry(org: Org, entry: dict[str, Any]) -> None:
    """A new or changed price book entry: standard price first, and only one per product."""
    book = _get(org, "Pricebook2", entry.get("Pricebook2Id"))
    product_id = entry.get("Product2Id")
    standard = _live_rows(
        org,
        'SELECT e.Id FROM "PricebookEntry" e JOIN "Pricebook2" b ON b.Id = e.Pricebook2Id '
        "WHERE e.Product2Id = ? AND b.IsStandard = 1 AND e.IsDeleted = 0 AND e.Id IS NOT ?",
        (product_id, entry.get("Id")),
    )
    if book is not None and book.get("IsStandard"):
        if standard:
            raise RecordError(
                "DUPLICATE_VALUE", "This price definition already exists in this price book", []
            )
        if entry.get("UseStandardPrice"):
            raise RecordError(
                "FIELD_INTEGRITY_EXCEPTION",
                "field integrity exception: UseStandardPrice (a standard price can't use the "
                "standard price)",
                ["UseStandardPrice"],
            )
    elif not standard:
        raise RecordError(
            "STANDARD_PRICE_NOT_DEFINED", "No standard price defined for this product", []
        )


def line_entry(org: Org, line: dict[str, Any]) -> dict[str, Any]:
    """The entry a new opportunity product is priced from, checked against its opportunity."""
    opportunity = _get(org, "Opportunity", line.get("OpportunityId")) or {}
    book_id = opportunity.get("Pricebook2Id")
    entry = _get(org, "PricebookEntry", line.get("PricebookEntryId"))
    if entry is None and line.get("Product2Id") and book_id:
        rows = _live_rows(
            org,
            'SELECT Id FROM "PricebookEntry" WHERE Product2Id = ? AND Pricebook2Id = ? '
            "AND IsDeleted = 0",
            (line["Product2Id"], book_id),
        )
        entry = _get(org, "PricebookEntry", rows[0][0]) if rows else None
    if entry is None:
        raise RecordError(
            "FIELD_INTEGRITY_EXCEPTION",
            "field integrity exception: PricebookEntryId, unknown (versions 3.0 and higher must "
            "specify pricebook entry id; others must specify product id)",
            ["PricebookEntryId"],
        )
    if book_id and entry["Pricebook2Id"] != book_id:
        raise RecordError(
            "FIELD_INTEGRITY_EXCEPTION",
            "field integrity exception: PricebookEntryId (pricebook entry is in a different "
            "pricebook than the one assigned to the opportunity)",
            ["PricebookEntryId"],
        )
    if line.get("UnitPrice") is not None and line.get("TotalPrice") is not None:
        raise RecordError(
            "FIELD_INTEGRITY_EXCEPTION",
            "field integrity exception: TotalPrice (only one of unit price or total price may be "
            "specified)",
            ["TotalPrice"],
        )
    return entry


def opportunity_changes(org: Org, opportunity: dict[str, Any]) -> dict[str, Any]:
    """On an opportunity with products: Amount stays their sum, and the price book can't change."""
    if not opportunity.get("Id"):
        return {}
    stored = _get(org, "Opportunity", opportunity["Id"]) or {}
    count, total = _live_rows(
        org,
        'SELECT COUNT(*), SUM(TotalPrice) FROM "OpportunityLineItem" '
        "WHERE OpportunityId = ? AND IsDeleted = 0",
        (opportunity["Id"],),
    )[0]
    if not count:
        return {}
    if opportunity.get("Pricebook2Id") != stored.get("Pricebook2Id"):
        raise RecordError(
            "FIELD_INTEGRITY_EXCEPTION",
            "field integrity exception: Pricebook2Id (cannot change pricebook on opportunity "
            "with line items)",
            ["Pricebook2Id"],
        )
    return {"Amount": round(total or 0.0, 2)}
