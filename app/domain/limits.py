"""Length limits of the text fields the field maps write, as each system enforces them.

QuickBooks limits come from Conductor's API specification; Salesforce limits are those of the
standard fields and of the app's own custom objects. A mapping row's `max_length` can make a
QuickBooks limit stricter, and sets the limit of a Salesforce field the app does not know.
"""

from __future__ import annotations

from app.domain.workflows import ACCOUNT, PRODUCT, WorkflowId

_ADDRESS = {
    **{f"line{n}": 41 for n in range(1, 6)},
    "city": 31,
    "state": 21,
    "postalCode": 13,
}


def _addresses(*names: str) -> dict[str, int]:
    return {f"{name}.{part}": limit for name in names for part, limit in _ADDRESS.items()}


# Keyed by workflow id, then by Conductor field path.
QUICKBOOKS_TEXT_LIMITS: dict[str, dict[str, int]] = {
    WorkflowId.CUSTOMERS: {
        "name": 41,
        "companyName": 41,
        "firstName": 25,
        "middleName": 5,
        "lastName": 25,
        "phone": 21,
        "alternatePhone": 21,
        "fax": 21,
        **_addresses("billingAddress", "shippingAddress"),
    },
    WorkflowId.ITEMS: {"name": 31},
    WorkflowId.INVOICES: {
        "refNumber": 11,
        "purchaseOrderNumber": 25,
        "shipmentOrigin": 13,
        **_addresses("billingAddress", "shippingAddress"),
    },
    WorkflowId.OPPORTUNITIES: {
        "refNumber": 11,
        "purchaseOrderNumber": 25,
        "shipmentOrigin": 13,
        **_addresses("billingAddress", "shippingAddress"),
    },
}

SALESFORCE_TEXT_LIMITS: dict[tuple[str, str], int] = {
    (ACCOUNT.name, "Name"): 255,
    (ACCOUNT.name, "Phone"): 40,
    (ACCOUNT.name, "BillingStreet"): 255,
    (ACCOUNT.name, "BillingCity"): 40,
    (ACCOUNT.name, "BillingState"): 80,
    (ACCOUNT.name, "BillingPostalCode"): 20,
    (ACCOUNT.name, "BillingCountry"): 80,
    (PRODUCT.name, "Name"): 255,
    (PRODUCT.name, "ProductCode"): 255,
    (PRODUCT.name, "Description"): 4000,
}
SALESFORCE_CUSTOM_OBJECT_NAME_LIMIT = 80
SALESFORCE_TEXT_LIMIT = 255
SALESFORCE_LONG_TEXT_LIMIT = 32768


def quickbooks_text_limit(workflow: str, path: str, stricter: int | None = None) -> int | None:
    known = QUICKBOOKS_TEXT_LIMITS.get(workflow, {}).get(path)
    if known is None:
        return stricter
    return known if stricter is None else min(known, stricter)


def salesforce_text_limit(
    sobject: str, field: str, *, long_text: bool = False, declared: int | None = None
) -> int:
    if declared is not None:
        return declared
    known = SALESFORCE_TEXT_LIMITS.get((sobject, field))
    if known is not None:
        return known
    if field == "Name" and sobject.endswith("__c"):
        return SALESFORCE_CUSTOM_OBJECT_NAME_LIMIT
    return SALESFORCE_LONG_TEXT_LIMIT if long_text else SALESFORCE_TEXT_LIMIT
