"""Field maps as values: which Salesforce field pairs with which QuickBooks field, and who owns it.

A field map row is read from the mapping file (see `mapping_file.py`); the owner side is the
system of record, the other side mirrors it. The owner side may list several fields as
fall-backs (the first one with a value wins); the mirror side names exactly one.
QuickBooks fields are named as Conductor names them on the wire; dots reach inside nested
objects (`billingAddress.city`). Salesforce fields are API names; dots on the reading side follow
relationships (`Account.Name`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Side(StrEnum):
    SALESFORCE = "salesforce"
    QUICKBOOKS = "quickbooks"

    @property
    def system(self) -> str:
        """The system's name as people write it."""
        return "Salesforce" if self is Side.SALESFORCE else "QuickBooks"

    @property
    def other(self) -> Side:
        return Side.QUICKBOOKS if self is Side.SALESFORCE else Side.SALESFORCE


class FieldType(StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # several lines kept
    MONEY = "money"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    # Salesforce relationship set through the parent's external id: {"Account__r": {key: id}}.
    LOOKUP = "lookup"
    # Pending / Open / Paid / Voided (credit memos: Open / Used), worked out from the whole
    # QuickBooks transaction.
    INVOICE_STATUS = "invoice_status"
    # A QuickBooks list of linked or applied-to transactions, one line each: what paid what.
    LINKED_TRANSACTIONS = "linked_transactions"
    # A QuickBooks currency (name) as its ISO 4217 code, for Salesforce's currency picklist.
    CURRENCY_CODE = "currency_code"
    # A multi-line Salesforce street spread over QuickBooks address lines line1, line2, ...
    STREET = "street"


# Types that only make sense in one direction: the side that must own them.
TYPE_OWNER: dict[FieldType, Side] = {
    FieldType.LOOKUP: Side.QUICKBOOKS,
    FieldType.INVOICE_STATUS: Side.QUICKBOOKS,
    FieldType.LINKED_TRANSACTIONS: Side.QUICKBOOKS,
    FieldType.CURRENCY_CODE: Side.QUICKBOOKS,
    FieldType.STREET: Side.SALESFORCE,
}


@dataclass(frozen=True)
class FieldRule:
    salesforce: tuple[str, ...]
    quickbooks: tuple[str, ...]
    owner: Side
    type: FieldType
    label: str = ""
    required: bool = False
    max_length: int | None = None
    lookup_key: str | None = None
    #: An empty value on the owner side empties the mirror field; otherwise empty means "no
    #: instruction" and the mirror keeps what it has.
    clear_when_empty: bool = False

    @property
    def sources(self) -> tuple[str, ...]:
        return self.salesforce if self.owner is Side.SALESFORCE else self.quickbooks

    @property
    def target(self) -> str:
        """The one field written on the mirror side."""
        return self.quickbooks[0] if self.owner is Side.SALESFORCE else self.salesforce[0]

    @property
    def name(self) -> str:
        """What the bookkeeper calls this field in a message."""
        return self.label or self.salesforce[0]


@dataclass(frozen=True)
class WorkflowMap:
    workflow: str
    fields: tuple[FieldRule, ...]
    # Opportunity products -> invoice lines; empty for the other workflows.
    line_fields: tuple[FieldRule, ...] = ()

    def owned_by(self, side: Side) -> tuple[FieldRule, ...]:
        return tuple(rule for rule in self.fields if rule.owner is side)

    def lines_owned_by(self, side: Side) -> tuple[FieldRule, ...]:
        return tuple(rule for rule in self.line_fields if rule.owner is side)


@dataclass(frozen=True)
class MappingConfig:
    maps: dict[str, WorkflowMap]
    source: str = "default field maps"

    def for_workflow(self, workflow: str) -> WorkflowMap:
        return self.maps[workflow]
