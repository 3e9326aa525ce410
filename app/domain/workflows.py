"""The five workflows: what flows where, which Salesforce object and fields hold the links.

What each workflow maps field by field lives in the mapping file; what is fixed here is the
structure no field map may change: the objects, the external id fields that carry QuickBooks
ids, which side may own fields, and the order of a first sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.domain.fieldmap import Side


class WorkflowId(StrEnum):
    CUSTOMERS = "customers"
    ITEMS = "items"
    INVOICES = "invoices"
    PAYMENTS = "payments"
    OPPORTUNITIES = "opportunities"


class Direction(StrEnum):
    QUICKBOOKS_TO_SALESFORCE = "quickbooks_to_salesforce"
    SALESFORCE_TO_QUICKBOOKS = "salesforce_to_quickbooks"
    # Two one-way flows of different fields.
    BOTH = "both"


# Values of QuickBooks_Invoice__c.Status__c (and QuickBooks_Payment__c.Status__c).
STATUS_OPEN = "Open"
STATUS_PAID = "Paid"
STATUS_VOIDED = "Voided"
STATUS_DELETED = "Deleted in QuickBooks"


@dataclass(frozen=True)
class WorkflowDefinition:
    id: WorkflowId
    title: str
    summary: str
    direction: Direction
    salesforce_object: str
    # The Salesforce External ID field that holds the QuickBooks id.
    quickbooks_id_field: str
    # Conductor resources read or written, e.g. "service-items".
    quickbooks_resources: tuple[str, ...]
    field_owners: frozenset[Side]
    order: int
    # SOQL condition picking the Salesforce records this workflow reads, if it reads any.
    salesforce_scope: str | None = None
    # Field set to STATUS_DELETED / STATUS_VOIDED when QuickBooks deletes or voids the record.
    status_field: str | None = None
    # QuickBooks `transactionTypes` value for the deleted-transactions endpoint.
    deleted_transaction_type: str | None = None
    needs_review: bool = False
    depends_on: tuple[WorkflowId, ...] = ()


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
            salesforce_object="Account",
            quickbooks_id_field="QuickBooks_Customer_Id__c",
            quickbooks_resources=("customers",),
            field_owners=frozenset({Side.SALESFORCE, Side.QUICKBOOKS}),
            order=1,
            salesforce_scope="Sync_To_QuickBooks__c = true",
        ),
        WorkflowDefinition(
            id=WorkflowId.ITEMS,
            title="Products and services",
            summary="QuickBooks service and non-inventory items become Salesforce products.",
            direction=Direction.QUICKBOOKS_TO_SALESFORCE,
            salesforce_object="Product2",
            quickbooks_id_field="QuickBooks_Item_Id__c",
            quickbooks_resources=("service-items", "non-inventory-items"),
            field_owners=frozenset({Side.QUICKBOOKS}),
            order=2,
        ),
        WorkflowDefinition(
            id=WorkflowId.INVOICES,
            title="Invoices",
            summary="QuickBooks invoices are mirrored in Salesforce, linked to their accounts.",
            direction=Direction.QUICKBOOKS_TO_SALESFORCE,
            salesforce_object="QuickBooks_Invoice__c",
            quickbooks_id_field="QuickBooks_Invoice_Id__c",
            quickbooks_resources=("invoices",),
            field_owners=frozenset({Side.QUICKBOOKS}),
            order=3,
            status_field="Status__c",
            deleted_transaction_type="invoice",
            depends_on=(WorkflowId.CUSTOMERS,),
        ),
        WorkflowDefinition(
            id=WorkflowId.PAYMENTS,
            title="Payments",
            summary="Payments received in QuickBooks are mirrored in Salesforce.",
            direction=Direction.QUICKBOOKS_TO_SALESFORCE,
            salesforce_object="QuickBooks_Payment__c",
            quickbooks_id_field="QuickBooks_Payment_Id__c",
            quickbooks_resources=("receive-payments",),
            field_owners=frozenset({Side.QUICKBOOKS}),
            order=4,
            status_field="Status__c",
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
            salesforce_object="Opportunity",
            quickbooks_id_field="QuickBooks_Invoice_Id__c",
            quickbooks_resources=("invoices",),
            field_owners=frozenset({Side.SALESFORCE}),
            order=5,
            salesforce_scope="IsWon = true AND QuickBooks_Invoice_Id__c = null",
            needs_review=True,
            depends_on=(WorkflowId.CUSTOMERS, WorkflowId.ITEMS),
        ),
    )
}


def workflow(workflow_id: str) -> WorkflowDefinition:
    return WORKFLOWS[WorkflowId(workflow_id)]


def in_sync_order(workflow_ids: list[str] | tuple[str, ...]) -> list[WorkflowDefinition]:
    return sorted((workflow(w) for w in workflow_ids), key=lambda d: d.order)
