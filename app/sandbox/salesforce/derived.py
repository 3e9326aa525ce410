"""Values Salesforce computes itself: names, won/closed flags, line totals, roll-ups, numbering;
the price book rules are in `pricebooks`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from app.sandbox.salesforce import pricebooks, record_types
from app.sandbox.salesforce.errors import RecordError
from app.sandbox.salesforce.schema import ObjectDef

if TYPE_CHECKING:
    from app.sandbox.salesforce.org import Org

_AUTO_DIGITS = re.compile(r"\{(0+)\}")


def _full_name(record: dict[str, Any]) -> str:
    return " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)


def _auto_numbers(org: Org, obj: ObjectDef, record: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for f in obj.fields.values():
        if f.auto_number and record.get(f.name) is None:
            number = str(org.store.next_number(f"autonumber:{obj.name}.{f.name}"))
            digits = _AUTO_DIGITS.search(f.auto_number)
            width = len(digits.group(1)) if digits else 0
            out[f.name] = _AUTO_DIGITS.sub(number.zfill(width), f.auto_number)
    return out


def _line_item(org: Org, record: dict[str, Any]) -> dict[str, Any]:
    schema = org.schema
    out: dict[str, Any] = {}
    if not record.get("Id"):
        entry = pricebooks.line_entry(org, record)
        out.update(PricebookEntryId=entry["Id"], Product2Id=entry["Product2Id"])
        out["ListPrice"] = entry["UnitPrice"]
    product_id = out.get("Product2Id") or record.get("Product2Id")
    quantity, unit, total = (
        record.get("Quantity"),
        record.get("UnitPrice"),
        record.get("TotalPrice"),
    )
    if unit is None and total is None:
        raise RecordError(
            "REQUIRED_FIELD_MISSING", "Required fields are missing: [UnitPrice]", ["UnitPrice"]
        )
    if quantity:
        if unit is not None:
            out["TotalPrice"] = round(quantity * unit, 2)
        else:
            out["UnitPrice"] = round(total / quantity, 2)
    opportunity = org.store.get(schema.stored_object("Opportunity"), record["OpportunityId"])
    product = org.store.get(schema.stored_object("Product2"), product_id)
    names = [r["Name"] for r in (opportunity, product) if r]
    out["Name"] = " ".join(names)[:376]
    return out


def before_write(org: Org, obj: ObjectDef, record: dict[str, Any]) -> dict[str, Any]:
    """Fields to set on `record` (the merged, stored form) before it is saved."""
    out = _auto_numbers(org, obj, record)
    record_types.check(org, obj, record)
    if obj.name in {"Contact", "User"}:
        out["Name"] = _full_name(record)
    elif obj.name == "Opportunity":
        stage = record.get("StageName")
        out["IsClosed"] = int(stage in {"Closed Won", "Closed Lost"})
        out["IsWon"] = int(stage == "Closed Won")
        out["HasOpportunityLineItem"] = record.get("HasOpportunityLineItem") or 0
        out.update(pricebooks.opportunity_changes(org, record))
    elif obj.name == "OpportunityLineItem":
        out.update(_line_item(org, record))
    elif obj.name == "PricebookEntry":
        pricebooks.check_entry(org, record)
        product = org.store.get(org.schema.stored_object("Product2"), record["Product2Id"])
        out["Name"] = product["Name"] if product else None
    return out


def after_write(org: Org, obj: ObjectDef, record: dict[str, Any]) -> None:
    """Roll line items up into their opportunity's Amount, as Salesforce does."""
    if obj.name != "OpportunityLineItem" or not record.get("OpportunityId"):
        return
    rows = org.store.select(
        'SELECT COUNT(*), SUM(TotalPrice) FROM "OpportunityLineItem" '
        "WHERE OpportunityId = ? AND IsDeleted = 0",
        (record["OpportunityId"],),
    )
    count, total = rows[0]
    changes: dict[str, Any] = {"HasOpportunityLineItem": int(count > 0)}
    if count:
        changes["Amount"] = round(total or 0.0, 2)
        opportunity = org.store.get(
            org.schema.stored_object("Opportunity"), record["OpportunityId"]
        )
        entry = org.store.get(
            org.schema.stored_object("PricebookEntry"), record.get("PricebookEntryId") or ""
        )
        if opportunity and not opportunity.get("Pricebook2Id") and entry:
            changes["Pricebook2Id"] = entry["Pricebook2Id"]  # the first product sets it
    stamp = org.stamp()
    changes.update(SystemModstamp=stamp, LastModifiedDate=stamp)
    org.store.update(org.schema.stored_object("Opportunity"), record["OpportunityId"], changes)
