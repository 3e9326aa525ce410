"""List objects: customers and items (service, non-inventory), as QuickBooks keeps them.

Names are case-insensitively unique within a QuickBooks name list (customers share theirs with
vendors and employees; service and non-inventory items share the item list), sub-records are
named `Parent:Child`, and an update must carry the current `revisionNumber`.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.conductor import errors
from app.sandbox.conductor.company import ITEM_KINDS, LABELS, Company
from app.sandbox.conductor.fields import Address, Computed, Money, Nested, Plain, Ref, assign

NAME_LIMITS = {"customer": 41, "service_item": 31, "non_inventory_item": 31}

_CUSTOMER_PLAIN = (
    "isActive",
    "companyName",
    "salutation",
    "firstName",
    "middleName",
    "lastName",
    "jobTitle",
    "phone",
    "alternatePhone",
    "fax",
    "email",
    "ccEmail",
    "contact",
    "alternateContact",
    "salesTaxCountry",
    "resaleNumber",
    "accountNumber",
    "jobStatus",
    "jobStartDate",
    "jobProjectedEndDate",
    "jobEndDate",
    "jobDescription",
    "note",
    "preferredDeliveryMethod",
    "externalId",
    "taxRegistrationNumber",
)
_CUSTOMER_ABSENT_LISTS = {
    "classId": ("class", "Class"),
    "customerTypeId": ("customerType", "CustomerType"),
    "termsId": ("terms", "Terms"),
    "salesRepresentativeId": ("salesRepresentative", "SalesRep"),
    "salesTaxCodeId": ("salesTaxCode", "SalesTaxCode"),
    "salesTaxItemId": ("salesTaxItem", "ItemSalesTax"),
    "preferredPaymentMethodId": ("preferredPaymentMethod", "PaymentMethod"),
    "jobTypeId": ("jobType", "JobType"),
    "priceLevelId": ("priceLevel", "PriceLevel"),
    "currencyId": ("currency", "Currency"),
}
CUSTOMER_RULES: dict[str, Any] = {
    **{key: Plain() for key in _CUSTOMER_PLAIN},
    **{key: Ref(target, label) for key, (target, label) in _CUSTOMER_ABSENT_LISTS.items()},
    "billingAddress": Address(),
    "shippingAddress": Address(),
    "creditLimit": Money(),
}

_ACCOUNT = ("account",)
_SALES_OR_PURCHASE = Nested(
    {
        "description": Plain(),
        "price": Money(precise=True),
        "pricePercentage": Plain(),
        "postingAccountId": Ref("postingAccount", "Account", _ACCOUNT),
    },
    ignored=("updateExistingTransactionsAccount",),
)
_SALES_AND_PURCHASE = Nested(
    {
        "salesDescription": Plain(),
        "salesPrice": Money(precise=True),
        "incomeAccountId": Ref("incomeAccount", "Account", _ACCOUNT),
        "purchaseDescription": Plain(),
        "purchaseCost": Money(precise=True),
        "purchaseTaxCodeId": Ref("purchaseTaxCode", "SalesTaxCode"),
        "expenseAccountId": Ref("expenseAccount", "Account", _ACCOUNT),
        "preferredVendorId": Ref("preferredVendor", "Vendor", ("vendor",)),
    },
    ignored=(
        "updateExistingTransactionsIncomeAccount",
        "updateExistingTransactionsExpenseAccount",
    ),
)
ITEM_RULES: dict[str, Any] = {
    "isActive": Plain(),
    "externalId": Plain(),
    "sku": Plain(),
    "barcode": Computed("barcode", lambda value: value.get("value")),
    "classId": Ref("class", "Class"),
    "unitOfMeasureSetId": Ref("unitOfMeasureSet", "UnitOfMeasureSet"),
    "salesTaxCodeId": Ref("salesTaxCode", "SalesTaxCode"),
    "salesOrPurchaseDetails": _SALES_OR_PURCHASE,
    "salesAndPurchaseDetails": _SALES_AND_PURCHASE,
}
_WITHIN = {
    "customer": "Customer",
    "service_item": "Item Service",
    "non_inventory_item": "Item Non-Inventory",
}
_HANDLED = ("name", "parentId", "revisionNumber", "forceUnitOfMeasureChange")


def check_name_length(kind: str, name: str) -> None:
    limit = NAME_LIMITS[kind]
    if len(name) > limit:
        raise errors.invalid_request(
            f'Too big: expected string to have <={limit} characters at "name"'
        )


def create(company: Company, kind: str, request: dict[str, Any]) -> dict[str, Any]:
    """A new customer or item from a create request (already validated against the spec)."""
    name = request["name"]
    check_name_length(kind, name)
    body: dict[str, Any] = {"objectType": _object_type(kind), "name": name, "isActive": True}
    if kind == "customer":
        body.update({"alternateShippingAddresses": [], "balance": "0.00", "totalBalance": "0.00"})
    _place(company, kind, body, name, request.get("parentId"), own_id=None)
    assign(company, body, request, _rules(kind), _WITHIN[kind], skip=_HANDLED)
    at = company.clock.tick()
    body["id"] = company.list_id(at)
    company.stamp(body, at, created=True)
    company.add(kind, body)
    return body


def update(company: Company, kind: str, record_id: str, request: dict[str, Any]) -> dict[str, Any]:
    body = company.require(record_id, (kind,))
    company.check_revision(body, request["revisionNumber"])
    old_full_name = body["fullName"]
    name = request.get("name", body["name"])
    check_name_length(kind, name)
    parent_id = request.get("parentId", (body.get("parent") or {}).get("id"))
    _place(company, kind, body, name, parent_id, own_id=record_id)
    body["name"] = name
    assign(company, body, request, _rules(kind), _WITHIN[kind], skip=(*_HANDLED, "externalId"))
    at = company.clock.tick()
    company.stamp(body, at)
    company.save(kind, body)
    if body["fullName"] != old_full_name:
        _rename_children(company, kind, body, at)
    return body


def _place(
    company: Company,
    kind: str,
    body: dict[str, Any],
    name: str,
    parent_id: str | None,
    own_id: str | None,
) -> None:
    """Sets parent, fullName and sublevel, refusing a name already used in the same list."""
    kinds = (kind,) if kind == "customer" else ITEM_KINDS
    parent = None
    if parent_id is not None:
        parent = company.find(parent_id, kinds)
        if parent is None or parent_id == own_id:
            raise errors.invalid_reference(LABELS[kind], parent_id, _WITHIN[kind])
    full_name = f"{parent['fullName']}:{name}" if parent else name
    company.check_name_free(kind, full_name, own_id)
    body["name"] = name
    body["fullName"] = full_name
    body["parent"] = company.reference(parent) if parent else None
    body["sublevel"] = parent["sublevel"] + 1 if parent else 0


def _rename_children(company: Company, kind: str, parent: dict[str, Any], at: Any) -> None:
    kinds = "('customer')" if kind == "customer" else "('service_item', 'non_inventory_item')"
    children = company.store.select(
        f"kind IN {kinds} AND json_extract(body, '$.parent.id') = ?",
        [parent["id"]],
    )
    for _, child_kind, child in children:
        child["parent"] = company.reference(parent)
        child["fullName"] = f"{parent['fullName']}:{child['name']}"
        company.stamp(child, at)
        company.save(child_kind, child)
        _rename_children(company, child_kind, child, at)


def _rules(kind: str) -> dict[str, Any]:
    return CUSTOMER_RULES if kind == "customer" else ITEM_RULES


def _object_type(kind: str) -> str:
    return f"qbd_{kind}"


def add_other(company: Company, kind: str, name: str) -> dict[str, Any]:
    """A vendor, employee or other name: listed (read-only) over the API; their names are taken."""
    company.check_name_free(kind, name)
    at = company.clock.tick()
    body = {"id": company.list_id(at), "name": name, "fullName": name, "isActive": True}
    company.stamp(body, at, created=True)
    company.add(kind, body)
    return body


def add_account(
    company: Company,
    *,
    name: str,
    account_type: str,
    special: str | None = None,
    number: str | None = None,
    active: bool = True,
) -> dict[str, Any]:
    company.check_name_free("account", name)
    at = company.clock.tick()
    body = {
        "id": company.list_id(at),
        "objectType": "qbd_account",
        "name": name,
        "fullName": name,
        "isActive": active,
        "parent": None,
        "sublevel": 0,
        "accountType": account_type,
        "specialAccountType": special,
        "accountNumber": number,
        "customFields": [],
    }
    company.stamp(body, at, created=True)
    company.add("account", body)
    return body


#: The sales-tax codes every QuickBooks Desktop company file starts with (QuickBooks Desktop
#: Help, "Sales tax codes": "Tax" for taxable sales, "Non" for non-taxable sales).
DEFAULT_SALES_TAX_CODES = (
    ("Tax", True, "Taxable Sales"),
    ("Non", False, "Non-Taxable Sales"),
)


def add_sales_tax_code(
    company: Company, name: str, *, taxable: bool, description: str | None = None
) -> dict[str, Any]:
    at = company.clock.now()
    body = {
        "id": company.list_id(at),
        "objectType": "qbd_sales_tax_code",
        "name": name,
        "isActive": True,
        "isTaxable": taxable,
        "description": description,
        "salesTaxItem": None,
    }
    company.stamp(body, at, created=True)
    company.add("sales_tax_code", body)
    return body
