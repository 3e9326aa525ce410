"""The QuickBooks -> Salesforce mirrors, as data."""

from __future__ import annotations

from typing import Any

from app.engine.adopt import adopt_by_name
from app.engine.mirror import MirrorSpec


def _ref(record: dict[str, Any]) -> str:
    return str(record.get("refNumber") or record.get("id"))


def _name(record: dict[str, Any]) -> str:
    return str(record.get("fullName") or record.get("name") or record.get("id"))


ITEMS = MirrorSpec(
    workflow="items",
    link_key="items",
    map_workflow="items",
    kinds=("service_item", "non_inventory_item"),
    sobject="Product2",
    external_field="QuickBooks_Item_Id__c",
    label=_name,
    filters={"status": "all"},
    before_write=adopt_by_name("Product2", "QuickBooks_Item_Id__c", "items", _name),
)

INVOICES = MirrorSpec(
    workflow="invoices",
    link_key="invoices",
    map_workflow="invoices",
    kinds=("invoice",),
    sobject="QuickBooks_Invoice__c",
    external_field="QuickBooks_Invoice_Id__c",
    label=_ref,
    filters={"include_line_items": False},
)

PAYMENTS = MirrorSpec(
    workflow="payments",
    link_key="payments",
    map_workflow="payments",
    kinds=("receive_payment",),
    sobject="QuickBooks_Payment__c",
    external_field="QuickBooks_Payment_Id__c",
    label=_ref,
)
