"""The default org: the standard objects the workflows use and the app's custom objects."""

from __future__ import annotations

import re
from typing import Any

from app.sandbox.salesforce.schema import FieldDef, ObjectDef, Schema, ValidationRule

#: Filled in on create with the running user's id.
CURRENT_USER = "$user"

STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
INVOICE_STATUSES = (
    "Pending",
    "Open",
    "Partially Paid",
    "Paid",
    "Voided",
    "Deleted in QuickBooks",
)
CREDIT_MEMO_STATUSES = ("Pending", "Open", "Used", "Voided", "Deleted in QuickBooks")
#: The currencies of the multi-currency org (Setup > Company Information > Currencies).
CURRENCY_CODES = ("USD", "EUR", "GBP", "CAD", "AUD", "MXN", "JPY")
#: Units of each currency per US dollar, the corporate currency of the multi-currency org.
CONVERSION_RATES = {
    "USD": 1.0,
    "EUR": 0.91,
    "GBP": 0.78,
    "CAD": 1.36,
    "AUD": 1.52,
    "MXN": 17.1,
    "JPY": 151.0,
}
PAYMENT_STATUSES = ("Received", "Voided", "Deleted in QuickBooks")


def _label(name: str) -> str:
    base = name.removesuffix("__c").removesuffix("Id") if name != "Id" else name
    base = base.replace("_", " ")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", base).strip()


def _field(name: str, type_: str, **kw: Any) -> FieldDef:
    kw.setdefault("label", _label(name))
    return FieldDef(name=name, type=type_, **kw)


def text(name: str, length: int, **kw: Any) -> FieldDef:
    return _field(name, "string", length=length, **kw)


def long_text(name: str, length: int, **kw: Any) -> FieldDef:
    return _field(name, "textarea", length=length, **kw)


def money(name: str, precision: int = 18, scale: int = 2, **kw: Any) -> FieldDef:
    return _field(name, "currency", precision=precision, scale=scale, **kw)


def checkbox(name: str, default: bool = False, **kw: Any) -> FieldDef:
    return _field(name, "boolean", nillable=False, default=default, **kw)


def picklist(name: str, values: tuple[str, ...], **kw: Any) -> FieldDef:
    return _field(name, "picklist", length=255, picklist=values, **kw)


def lookup(name: str, to: str, relationship: str, child: str | None = None, **kw: Any) -> FieldDef:
    return _field(
        name,
        "reference",
        length=18,
        reference_to=(to,),
        relationship_name=relationship,
        child_relationship=child,
        **kw,
    )


def number(name: str, precision: int = 18, scale: int = 6, **kw: Any) -> FieldDef:
    return _field(name, "double", precision=precision, scale=scale, **kw)


def currency_code() -> FieldDef:
    """Every object's CurrencyIsoCode; shown only once the org has multiple currencies."""
    return picklist("CurrencyIsoCode", CURRENCY_CODES, label="Currency ISO Code")


def _transaction_currency() -> list[FieldDef]:
    """What a mirrored QuickBooks transaction keeps of its currency."""
    return [text("Currency__c", 64, label="Currency"), number("Exchange_Rate__c")]


def external_id(name: str) -> FieldDef:
    return text(name, 64, external_id=True, unique=True, case_sensitive=True)


def calculated(name: str, type_: str, **kw: Any) -> FieldDef:
    return _field(name, type_, createable=False, updateable=False, calculated=True, **kw)


def _system(owner: bool) -> list[FieldDef]:
    readonly = {"createable": False, "updateable": False, "nillable": False}
    fields = [
        _field("Id", "id", length=18, **readonly),
        _field("IsDeleted", "boolean", default=False, **readonly),
        _field("CreatedDate", "datetime", **readonly),
        lookup("CreatedById", "User", "CreatedBy", **readonly),
        _field("LastModifiedDate", "datetime", **readonly),
        lookup("LastModifiedById", "User", "LastModifiedBy", **readonly),
        _field("SystemModstamp", "datetime", **readonly),
    ]
    if owner:
        fields.append(lookup("OwnerId", "User", "Owner", nillable=False, default=CURRENT_USER))
    return fields


def _object(
    name: str,
    prefix: str,
    label: str,
    plural: str,
    fields: list[FieldDef],
    *,
    owner: bool = True,
    **kw: Any,
) -> ObjectDef:
    everything = _system(owner) + fields + [currency_code()]
    return ObjectDef(
        name=name,
        key_prefix=prefix,
        label=label,
        label_plural=plural,
        fields={f.name.lower(): f for f in everything},
        **kw,
    )


def custom_object(
    name: str, prefix: str, label: str, plural: str, fields: list[FieldDef]
) -> ObjectDef:
    """A custom object as Setup or the Metadata API makes it: system fields, owner, currency."""
    return _object(name, prefix, label, plural, fields)


def _permission_objects() -> list[ObjectDef]:
    """Object Reference, "PermissionSet" and "PermissionSetAssignment": a profile's permissions
    live in a permission set it owns (IsOwnedByProfile), assigned to each of its users."""
    flags = (
        "PermissionsModifyAllData",
        "PermissionsModifyMetadata",
        "PermissionsCustomizeApplication",
    )
    permission_set = _object(
        "PermissionSet",
        "0PS",
        "Permission Set",
        "Permission Sets",
        [
            text("Name", 80, nillable=False, name_field=True),
            text("Label", 80, nillable=False),
            checkbox("IsOwnedByProfile"),
            *(checkbox(flag) for flag in flags),
        ],
        owner=False,
    )
    assignment = _object(
        "PermissionSetAssignment",
        "0Pa",
        "Permission Set Assignment",
        "Permission Set Assignments",
        [
            lookup("AssigneeId", "User", "Assignee", nillable=False),
            lookup(
                "PermissionSetId", "PermissionSet", "PermissionSet", "Assignments", nillable=False
            ),
        ],
        owner=False,
    )
    return [permission_set, assignment]


def _address(kind: str) -> list[FieldDef]:
    return [
        long_text(f"{kind}Street", 255),
        text(f"{kind}City", 40),
        text(f"{kind}State", 80),
        text(f"{kind}PostalCode", 20),
        text(f"{kind}Country", 80),
    ]


def _objects() -> list[ObjectDef]:
    account = _object(
        "Account",
        "001",
        "Account",
        "Accounts",
        [
            text("Name", 255, nillable=False, name_field=True, label="Account Name"),
            text("AccountNumber", 40),
            picklist("Type", ("Prospect", "Customer - Direct", "Customer - Channel", "Other")),
            picklist("Industry", ("Construction", "Consulting", "Healthcare", "Retail", "Other")),
            lookup("ParentId", "Account", "Parent", "ChildAccounts"),
            lookup("RecordTypeId", "RecordType", "RecordType"),
            *_address("Billing"),
            *_address("Shipping"),
            _field("Phone", "phone", length=40),
            _field("Fax", "phone", length=40),
            _field("Website", "url", length=255),
            money("AnnualRevenue", scale=0),
            _field("NumberOfEmployees", "int", precision=8),
            long_text("Description", 32000),
            # Account has no standard email field; the customer workflow keeps one here.
            _field("Email__c", "email", length=80, label="Email"),
            external_id("QuickBooks_Customer_Id__c"),
            money("QuickBooks_Balance__c", precision=16),
            checkbox("Sync_To_QuickBooks__c"),
        ],
    )
    contact = _object(
        "Contact",
        "003",
        "Contact",
        "Contacts",
        [
            text("FirstName", 40),
            text("LastName", 80, nillable=False),
            calculated("Name", "string", length=121, nillable=False, name_field=True),
            lookup("AccountId", "Account", "Account", "Contacts", cascade_delete=True),
            text("Title", 128),
            _field("Email", "email", length=80),
            _field("Phone", "phone", length=40),
            _field("MobilePhone", "phone", length=40),
            *_address("Mailing"),
            long_text("Description", 32000),
        ],
    )
    opportunity = _object(
        "Opportunity",
        "006",
        "Opportunity",
        "Opportunities",
        [
            text("Name", 120, nillable=False, name_field=True),
            lookup("AccountId", "Account", "Account", "Opportunities", cascade_delete=True),
            picklist("StageName", STAGES, nillable=False),
            _field("CloseDate", "date", nillable=False),
            money("Amount"),
            _field("Probability", "percent", precision=3, scale=0),
            calculated("IsClosed", "boolean", nillable=False),
            calculated("IsWon", "boolean", nillable=False),
            calculated("HasOpportunityLineItem", "boolean", nillable=False),
            picklist("Type", ("New Customer", "Existing Customer - Upgrade", "Existing Customer")),
            picklist("LeadSource", ("Web", "Phone Inquiry", "Partner Referral", "Other")),
            text("NextStep", 255),
            long_text("Description", 32000),
            lookup("Pricebook2Id", "Pricebook2", "Pricebook2", "Opportunities"),
            external_id("QuickBooks_Invoice_Id__c"),
        ],
    )
    line_item = _object(
        "OpportunityLineItem",
        "00k",
        "Opportunity Product",
        "Opportunity Product",
        [
            lookup(
                "OpportunityId",
                "Opportunity",
                "Opportunity",
                "OpportunityLineItems",
                nillable=False,
                updateable=False,
                cascade_delete=True,
            ),
            lookup("Product2Id", "Product2", "Product2", updateable=False),
            lookup("PricebookEntryId", "PricebookEntry", "PricebookEntry", updateable=False),
            calculated("Name", "string", length=376, name_field=True),
            _field("Quantity", "double", precision=12, scale=2, nillable=False),
            money("UnitPrice"),
            calculated("ListPrice", "currency", precision=18, scale=2),
            money("TotalPrice"),
            text("Description", 255),
            _field("ServiceDate", "date"),
        ],
        owner=False,
    )
    product = _object(
        "Product2",
        "01t",
        "Product",
        "Products",
        [
            text("Name", 255, nillable=False, name_field=True, label="Product Name"),
            text("ProductCode", 255),
            long_text("Description", 4000),
            checkbox("IsActive"),
            picklist("Family", ("Services", "Goods")),
            external_id("QuickBooks_Item_Id__c"),
        ],
        owner=False,
    )
    pricebook = _object(
        "Pricebook2",
        "01s",
        "Price Book",
        "Price Books",
        [
            text("Name", 255, nillable=False, name_field=True),
            checkbox("IsActive"),
            calculated("IsStandard", "boolean", nillable=False),
            text("Description", 255),
        ],
        owner=False,
    )
    pricebook_entry = _object(
        "PricebookEntry",
        "01u",
        "Price Book Entry",
        "Price Book Entries",
        [
            calculated("Name", "string", length=255, name_field=True),
            lookup(
                "Pricebook2Id",
                "Pricebook2",
                "Pricebook2",
                "PricebookEntries",
                nillable=False,
                updateable=False,
            ),
            lookup(
                "Product2Id",
                "Product2",
                "Product2",
                "PricebookEntries",
                nillable=False,
                updateable=False,
            ),
            money("UnitPrice", nillable=False),
            checkbox("IsActive"),
            checkbox("UseStandardPrice"),
        ],
        owner=False,
    )
    record_type = _object(
        "RecordType",
        "012",
        "Record Type",
        "Record Types",
        [
            text("Name", 80, nillable=False, name_field=True),
            text("DeveloperName", 80, nillable=False),
            text("SobjectType", 40, nillable=False),
            checkbox("IsActive", default=True),
            text("Description", 255),
        ],
        owner=False,
        # Made by the Metadata API and Setup, never through the data API.
        createable=False,
        deletable=False,
    )
    # Salesforce Object Reference, "CurrencyType": the currencies of an org with multiple
    # currencies enabled, each with its conversion rate to the corporate currency.
    currency_type = _object(
        "CurrencyType",
        "02c",
        "Currency Type",
        "Currency Types",
        [
            picklist("IsoCode", CURRENCY_CODES, nillable=False, label="Currency ISO Code"),
            number("ConversionRate", scale=6),
            _field("DecimalPlaces", "int", precision=2),
            checkbox("IsActive", default=True),
            checkbox("IsCorporate"),
        ],
        owner=False,
    )
    user = _object(
        "User",
        "005",
        "User",
        "Users",
        [
            text("Username", 80, nillable=False, unique=True),
            text("FirstName", 40),
            text("LastName", 80, nillable=False),
            calculated("Name", "string", length=121, nillable=False, name_field=True),
            _field("Email", "email", length=128, nillable=False),
            text("Alias", 8, nillable=False),
            checkbox("IsActive", default=True),
        ],
        owner=False,
        createable=False,
        deletable=False,
    )
    invoice = _object(
        "QuickBooks_Invoice__c",
        "a0X",
        "QuickBooks Invoice",
        "QuickBooks Invoices",
        [
            text("Name", 80, nillable=False, name_field=True, label="Invoice Number"),
            external_id("QuickBooks_Invoice_Id__c"),
            lookup("Account__c", "Account", "Account__r", "QuickBooks_Invoices__r"),
            lookup("Opportunity__c", "Opportunity", "Opportunity__r", "QuickBooks_Invoices__r"),
            _field("Transaction_Date__c", "date"),
            _field("Due_Date__c", "date"),
            money("Subtotal__c", precision=16),
            money("Sales_Tax_Total__c", precision=16),
            money("Balance_Remaining__c", precision=16),
            checkbox("Is_Paid__c"),
            picklist("Status__c", INVOICE_STATUSES),
            _field("QuickBooks_Updated_At__c", "datetime"),
            long_text("Paid_By__c", 32000, label="Paid By"),
            text("Job_Name__c", 209, label="Job Name"),
            *_transaction_currency(),
            number("Balance_Remaining_Home__c", precision=16, scale=2),
        ],
    )
    credit_memo = _object(
        "QuickBooks_Credit_Memo__c",
        "a0Z",
        "QuickBooks Credit Memo",
        "QuickBooks Credit Memos",
        [
            text("Name", 80, nillable=False, name_field=True, label="Credit Memo Number"),
            external_id("QuickBooks_Credit_Memo_Id__c"),
            lookup("Account__c", "Account", "Account__r", "QuickBooks_Credit_Memos__r"),
            _field("Transaction_Date__c", "date"),
            money("Total__c", precision=16),
            money("Credit_Remaining__c", precision=16),
            long_text("Applied_To__c", 32000, label="Applied To"),
            picklist("Status__c", CREDIT_MEMO_STATUSES),
            *_transaction_currency(),
            number("Credit_Remaining_Home__c", precision=16, scale=2),
        ],
    )
    payment = _object(
        "QuickBooks_Payment__c",
        "a0Y",
        "QuickBooks Payment",
        "QuickBooks Payments",
        [
            text(
                "Name",
                80,
                nillable=False,
                createable=False,
                updateable=False,
                name_field=True,
                auto_number="PAY-{000000}",
                label="Payment Number",
            ),
            external_id("QuickBooks_Payment_Id__c"),
            lookup("Account__c", "Account", "Account__r", "QuickBooks_Payments__r"),
            money("Amount__c", precision=16),
            _field("Transaction_Date__c", "date"),
            text("Ref_Number__c", 40),
            picklist("Status__c", PAYMENT_STATUSES),
            money("Unapplied_Amount__c", precision=16),
            long_text("Applied_To__c", 32000, label="Applied To"),
            *_transaction_currency(),
            number("Amount_Home__c", precision=16, scale=2),
        ],
    )
    return [
        account,
        contact,
        opportunity,
        line_item,
        product,
        pricebook,
        pricebook_entry,
        user,
        record_type,
        currency_type,
        invoice,
        credit_memo,
        payment,
        *_permission_objects(),
    ]


DEFAULT_RULES = (
    ValidationRule(
        object="QuickBooks_Payment__c",
        field="Amount__c",
        op="<",
        value=0,
        message="Amount__c must not be negative",
        name="Amount_Not_Negative",
    ),
)


def default_schema() -> Schema:
    return Schema(_objects(), DEFAULT_RULES)
