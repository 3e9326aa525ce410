"""The workflows: what flows where, which Salesforce object and fields hold the links.

What each workflow maps field by field lives in the mapping file; what is fixed here is the
structure no field map may change: the objects, the external id fields that carry QuickBooks
ids, the other fields the app's own code reads or writes, which side may own fields, and the
order of a first sync. Every Salesforce object and field name the app's code uses is named here
once; the field maps name theirs in the mapping file.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from app.domain.fieldmap import Side


class WorkflowId(StrEnum):
    CUSTOMERS = "customers"
    ITEMS = "items"
    INVOICES = "invoices"
    CREDIT_MEMOS = "credit_memos"
    PAYMENTS = "payments"
    OPPORTUNITIES = "opportunities"


class Direction(StrEnum):
    QUICKBOOKS_TO_SALESFORCE = "quickbooks_to_salesforce"
    SALESFORCE_TO_QUICKBOOKS = "salesforce_to_quickbooks"
    # Two one-way flows of different fields.
    BOTH = "both"


# Values of QuickBooks_Invoice__c.Status__c (and of the payment's and credit memo's).
STATUS_OPEN = "Open"
STATUS_PAID = "Paid"
STATUS_VOIDED = "Voided"
STATUS_DELETED = "Deleted in QuickBooks"
# An invoice QuickBooks keeps as pending (not final): out of receivables until it is final.
STATUS_PENDING = "Pending"
# A credit memo whose credit is all applied.
STATUS_USED = "Used"

# Standard field every record has in a Salesforce org with multiple currencies enabled.
CURRENCY_CODE = "CurrencyIsoCode"


# -- The Salesforce objects and the fields the app's code names -------------------------------


@dataclass(frozen=True, kw_only=True)
class SalesforceObject:
    """A Salesforce object a workflow reads or writes; every other attribute is a field name."""

    name: str
    # The External ID field that holds the QuickBooks id.
    quickbooks_id: str

    def field_names(self) -> tuple[str, ...]:
        """The object's own fields the app's code reads or writes, for the schema check."""
        return tuple(
            value
            for attribute in fields(self)
            if attribute.name != "name"
            and isinstance(value := getattr(self, attribute.name), str)
            and value
        )

    def path(self, field: str) -> str:
        """`Object.Field`, how a child record's SOQL reaches this object's field."""
        return f"{self.name}.{field}"


@dataclass(frozen=True, kw_only=True)
class AccountFields(SalesforceObject):
    balance: str
    # Checkbox: the account belongs in QuickBooks.
    sync_flag: str
    # Read when matching existing accounts to QuickBooks customers.
    email: str
    # A QuickBooks job's account points to its customer's account.
    parent: str

    @property
    def parent_relationship(self) -> str:
        """ParentId is reached (and set by external id) as Parent."""
        return self.parent.removesuffix("Id")


@dataclass(frozen=True, kw_only=True)
class MirrorFields(SalesforceObject):
    """A mirrored QuickBooks transaction, looked up to its account by the customer's id."""

    account: str
    transaction_date: str
    # Set to STATUS_DELETED / STATUS_VOIDED when QuickBooks deletes or voids the record.
    status: str

    @property
    def account_relationship(self) -> str:
        """The lookup's relationship name: Account__c is reached as Account__r."""
        return self.account.removesuffix("__c") + "__r"

    @property
    def account_customer_id(self) -> str:
        """The SOQL path to the linked account's QuickBooks customer id."""
        return f"{self.account_relationship}.{ACCOUNT.quickbooks_id}"

    @property
    def account_name(self) -> str:
        return f"{self.account_relationship}.Name"


@dataclass(frozen=True, kw_only=True)
class InvoiceFields(MirrorFields):
    # The standard Name holds the QuickBooks ref number.
    ref_number: str
    opportunity: str
    due_date: str
    subtotal: str
    sales_tax_total: str
    balance_remaining: str
    # QuickBooks' own conversion to the home currency (empty without multicurrency).
    balance_remaining_home: str
    is_paid: str
    updated_at: str
    # The job an invoice is for, when jobs are rolled up into their customer's account.
    job_name: str


@dataclass(frozen=True, kw_only=True)
class PaymentFields(MirrorFields):
    ref_number: str
    amount: str
    amount_home: str
    # What is left of the payment after the invoices it was applied to.
    unapplied_amount: str
    exchange_rate: str


@dataclass(frozen=True, kw_only=True)
class CreditMemoFields(MirrorFields):
    # The standard Name holds the QuickBooks ref number.
    ref_number: str
    credit_remaining: str
    credit_remaining_home: str


@dataclass(frozen=True, kw_only=True)
class LineItemFields:
    name: str
    product_id: str


@dataclass(frozen=True, kw_only=True)
class OpportunityFields(SalesforceObject):
    is_won: str
    line_items: LineItemFields


ACCOUNT = AccountFields(
    name="Account",
    quickbooks_id="QuickBooks_Customer_Id__c",
    balance="QuickBooks_Balance__c",
    sync_flag="Sync_To_QuickBooks__c",
    email="Email__c",
    parent="ParentId",
)
PRODUCT = SalesforceObject(name="Product2", quickbooks_id="QuickBooks_Item_Id__c")
INVOICE = InvoiceFields(
    name="QuickBooks_Invoice__c",
    quickbooks_id="QuickBooks_Invoice_Id__c",
    ref_number="Name",
    account="Account__c",
    opportunity="Opportunity__c",
    transaction_date="Transaction_Date__c",
    due_date="Due_Date__c",
    subtotal="Subtotal__c",
    sales_tax_total="Sales_Tax_Total__c",
    balance_remaining="Balance_Remaining__c",
    balance_remaining_home="Balance_Remaining_Home__c",
    is_paid="Is_Paid__c",
    status="Status__c",
    updated_at="QuickBooks_Updated_At__c",
    job_name="Job_Name__c",
)
PAYMENT = PaymentFields(
    name="QuickBooks_Payment__c",
    quickbooks_id="QuickBooks_Payment_Id__c",
    account="Account__c",
    amount="Amount__c",
    amount_home="Amount_Home__c",
    unapplied_amount="Unapplied_Amount__c",
    exchange_rate="Exchange_Rate__c",
    transaction_date="Transaction_Date__c",
    ref_number="Ref_Number__c",
    status="Status__c",
)
CREDIT_MEMO = CreditMemoFields(
    name="QuickBooks_Credit_Memo__c",
    quickbooks_id="QuickBooks_Credit_Memo_Id__c",
    ref_number="Name",
    account="Account__c",
    transaction_date="Transaction_Date__c",
    credit_remaining="Credit_Remaining__c",
    credit_remaining_home="Credit_Remaining_Home__c",
    status="Status__c",
)
OPPORTUNITY = OpportunityFields(
    name="Opportunity",
    quickbooks_id="QuickBooks_Invoice_Id__c",
    is_won="IsWon",
    line_items=LineItemFields(name="OpportunityLineItem", product_id="Product2Id"),
)


@dataclass(frozen=True, kw_only=True)
class PriceBookFields:
    """Price books: a product is sold on an opportunity only through an active entry in one."""

    book: str
    is_standard: str
    entry: str
    entry_book: str
    entry_product: str
    unit_price: str
    is_active: str
    #: The line item's lookup to the entry it is priced from.
    line_entry: str


@dataclass(frozen=True, kw_only=True)
class CurrencyFields:
    """The currencies of an org with multiple currencies enabled."""

    name: str
    iso_code: str
    conversion_rate: str
    is_active: str
    is_corporate: str


@dataclass(frozen=True, kw_only=True)
class AccountKindFields:
    """Org settings that decide what a new account carries: record types and person accounts."""

    record_type: str
    record_type_object: str
    record_type_developer_name: str
    account_record_type: str
    is_person_account: str
    person_first_name: str
    person_last_name: str


PRICE_BOOKS = PriceBookFields(
    book="Pricebook2",
    is_standard="IsStandard",
    entry="PricebookEntry",
    entry_book="Pricebook2Id",
    entry_product="Product2Id",
    unit_price="UnitPrice",
    is_active="IsActive",
    line_entry="PricebookEntryId",
)
CURRENCIES = CurrencyFields(
    name="CurrencyType",
    iso_code="IsoCode",
    conversion_rate="ConversionRate",
    is_active="IsActive",
    is_corporate="IsCorporate",
)
ACCOUNT_KINDS = AccountKindFields(
    record_type="RecordType",
    record_type_object="SobjectType",
    record_type_developer_name="DeveloperName",
    account_record_type="RecordTypeId",
    is_person_account="IsPersonAccount",
    person_first_name="FirstName",
    person_last_name="LastName",
)


# -- The workflows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkflowDefinition:
    id: WorkflowId
    title: str
    summary: str
    direction: Direction
    salesforce: SalesforceObject
    # Conductor resources read or written, e.g. "service-items".
    quickbooks_resources: tuple[str, ...]
    field_owners: frozenset[Side]
    order: int
    # SOQL condition picking the Salesforce records this workflow reads, if it reads any.
    salesforce_scope: str | None = None
    # QuickBooks `transactionTypes` value for the deleted-transactions endpoint.
    deleted_transaction_type: str | None = None
    needs_review: bool = False
    depends_on: tuple[WorkflowId, ...] = ()
    # Other objects' fields the workflow reads, beyond its own object's.
    also_reads: tuple[tuple[SalesforceObject, str], ...] = ()

    @property
    def salesforce_object(self) -> str:
        return self.salesforce.name

    @property
    def quickbooks_id_field(self) -> str:
        """The Salesforce External ID field that holds the QuickBooks id."""
        return self.salesforce.quickbooks_id

    @property
    def status_field(self) -> str | None:
        """Set to STATUS_DELETED / STATUS_VOIDED when QuickBooks deletes or voids the record."""
        return self.salesforce.status if isinstance(self.salesforce, MirrorFields) else None


WORKFLOWS: dict[WorkflowId, WorkflowDefinition] = {
    definition.id: definition
    for definition in (
        WorkflowDefinition(
            id=WorkflowId.CUSTOMERS,
            title="Customers",
            summary=(
                "Salesforce accounts marked for QuickBooks become QuickBooks customers; "
                "QuickBooks sends back each customer's balance."
            ),
            direction=Direction.BOTH,
            salesforce=ACCOUNT,
            quickbooks_resources=("customers",),
            field_owners=frozenset({Side.SALESFORCE, Side.QUICKBOOKS}),
            order=1,
            salesforce_scope=f"{ACCOUNT.sync_flag} = true",
        ),
        WorkflowDefinition(
            id=WorkflowId.ITEMS,
            title="Products and services",
            summary="QuickBooks service and non-inventory items become Salesforce products.",
            direction=Direction.QUICKBOOKS_TO_SALESFORCE,
            salesforce=PRODUCT,
            quickbooks_resources=("service-items", "non-inventory-items"),
            field_owners=frozenset({Side.QUICKBOOKS}),
            order=2,
        ),
        WorkflowDefinition(
            id=WorkflowId.INVOICES,
            title="Invoices",
            summary="QuickBooks invoices are mirrored in Salesforce, linked to their accounts.",
            direction=Direction.QUICKBOOKS_TO_SALESFORCE,
            salesforce=INVOICE,
            quickbooks_resources=("invoices",),
            field_owners=frozenset({Side.QUICKBOOKS}),
            order=3,
            deleted_transaction_type="invoice",
            depends_on=(WorkflowId.CUSTOMERS,),
        ),
        WorkflowDefinition(
            id=WorkflowId.CREDIT_MEMOS,
            title="Credit memos",
            summary=(
                "QuickBooks credit memos are mirrored in Salesforce with the credit left and "
                "the invoices it was applied to."
            ),
            direction=Direction.QUICKBOOKS_TO_SALESFORCE,
            salesforce=CREDIT_MEMO,
            quickbooks_resources=("credit-memos",),
            field_owners=frozenset({Side.QUICKBOOKS}),
            order=4,
            deleted_transaction_type="credit_memo",
            depends_on=(WorkflowId.CUSTOMERS, WorkflowId.INVOICES),
        ),
        WorkflowDefinition(
            id=WorkflowId.PAYMENTS,
            title="Payments",
            summary="Payments received in QuickBooks are mirrored in Salesforce.",
            direction=Direction.QUICKBOOKS_TO_SALESFORCE,
            salesforce=PAYMENT,
            quickbooks_resources=("receive-payments",),
            field_owners=frozenset({Side.QUICKBOOKS}),
            order=5,
            deleted_transaction_type="receive_payment",
            depends_on=(WorkflowId.CUSTOMERS, WorkflowId.INVOICES),
        ),
        WorkflowDefinition(
            id=WorkflowId.OPPORTUNITIES,
            title="Invoices from won opportunities",
            summary=(
                "Won Salesforce opportunities wait for approval, then become QuickBooks invoices."
            ),
            direction=Direction.SALESFORCE_TO_QUICKBOOKS,
            salesforce=OPPORTUNITY,
            quickbooks_resources=("invoices",),
            field_owners=frozenset({Side.SALESFORCE}),
            order=6,
            salesforce_scope=f"{OPPORTUNITY.is_won} = true AND {OPPORTUNITY.quickbooks_id} = null",
            needs_review=True,
            depends_on=(WorkflowId.CUSTOMERS, WorkflowId.ITEMS),
            also_reads=((ACCOUNT, ACCOUNT.quickbooks_id), (PRODUCT, PRODUCT.quickbooks_id)),
        ),
    )
}

#: Every workflow, in first-sync order.
ALL_WORKFLOWS: tuple[WorkflowId, ...] = tuple(
    sorted(WORKFLOWS, key=lambda workflow_id: WORKFLOWS[workflow_id].order)
)


def workflow(workflow_id: str) -> WorkflowDefinition:
    return WORKFLOWS[WorkflowId(workflow_id)]


def in_sync_order(workflow_ids: list[str] | tuple[str, ...]) -> list[WorkflowDefinition]:
    return sorted((workflow(w) for w in workflow_ids), key=lambda d: d.order)
