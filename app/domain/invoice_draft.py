"""A QuickBooks invoice drafted from a won Salesforce opportunity, and its preview for review.

The customer is the QuickBooks customer linked to the opportunity's account; each line's item is
the QuickBooks item linked to the line's product (via `Product2.QuickBooks_Item_Id__c` in the
query result, or the links the app keeps). The field maps fill in the rest. Sales tax is left
to QuickBooks, which works it out from the customer's and items' tax settings.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domain.fieldmap import MappingConfig
from app.domain.hashing import content_hash
from app.domain.money import (
    QUICKBOOKS_MONEY_SCALE,
    InvalidAmountError,
    parse_decimal,
    round_half_even,
)
from app.domain.outcomes import Problem
from app.domain.record_mapping import map_salesforce_record, quickbooks_create_body, read_path
from app.domain.salesforce_ids import external_id_for, is_salesforce_id
from app.domain.workflows import ACCOUNT, PRODUCT, WorkflowId

WORKFLOW = WorkflowId.OPPORTUNITIES.value
CUSTOMER_ID_PATH = ACCOUNT.path(ACCOUNT.quickbooks_id)
ITEM_ID_PATH = PRODUCT.path(PRODUCT.quickbooks_id)


@dataclass(frozen=True)
class InvoicePreviewLine:
    product: str
    description: str
    quantity: Decimal | None
    rate: Decimal | None
    amount: Decimal | None
    quickbooks_item_id: str | None


@dataclass(frozen=True)
class InvoicePreview:
    """What the bookkeeper approves: customer, lines and totals, with anything that blocks it."""

    opportunity_id: str
    opportunity_name: str
    customer_name: str
    quickbooks_customer_id: str | None
    transaction_date: str | None
    lines: tuple[InvoicePreviewLine, ...]
    subtotal: Decimal
    opportunity_amount: Decimal | None
    problems: tuple[Problem, ...]
    #: The invoice number it gets (QuickBooks numbers no invoice added from outside).
    ref_number: str | None = None

    @property
    def matches_opportunity_amount(self) -> bool:
        return self.opportunity_amount is None or self.opportunity_amount == self.subtotal

    @property
    def can_approve(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class InvoiceDraft:
    external_id: str | None
    body: dict[str, Any] | None  # Conductor create-invoice body; None when there are problems
    preview: InvoicePreview

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.preview.problems

    def numbered(self, ref_number: str) -> InvoiceDraft:
        """This draft with its invoice number, in the body sent and the preview shown."""
        body = None if self.body is None else {**self.body, "refNumber": ref_number}
        preview = dataclasses.replace(self.preview, ref_number=ref_number)
        return InvoiceDraft(self.external_id, body, preview)

    def fingerprint(self) -> str | None:
        """What an approval signs: every field of the body QuickBooks would receive."""
        return None if self.body is None else fingerprint(self.body)


def fingerprint(body: Mapping[str, Any]) -> str:
    return content_hash(body)


def draft_invoice(
    config: MappingConfig,
    opportunity: Mapping[str, Any],
    line_items: Sequence[Mapping[str, Any]],
    *,
    item_links: Mapping[str, str] | None = None,
    customer_links: Mapping[str, str] | None = None,
) -> InvoiceDraft:
    """The invoice an approved opportunity becomes.

    `item_links` maps Product2 ids to QuickBooks item ids and `customer_links` Account ids to
    QuickBooks customer ids; both are used when the query result does not carry the link.
    """
    problems: list[Problem] = []
    opportunity_id = _text(opportunity.get("Id"))
    external_id = None
    if is_salesforce_id(opportunity_id):
        external_id = external_id_for(opportunity_id)
    else:
        problems.append(Problem("The opportunity has no valid Salesforce id.", "Id", "no_id"))
    customer_id = _linked_id(opportunity, CUSTOMER_ID_PATH, "AccountId", customer_links)
    customer_name = _text(_safe_read(opportunity, ACCOUNT.path("Name"))) or "(no account)"
    if customer_id is None:
        problems.append(
            Problem(
                f"The account {customer_name} is not linked to a QuickBooks customer yet. "
                "Tick 'Sync to QuickBooks' on the account and sync customers, or link it in "
                "Setup, then review this invoice again.",
                "AccountId",
                "no_customer_link",
            )
        )
    header = map_salesforce_record(config, WORKFLOW, opportunity)
    problems.extend(header.problems)
    if not line_items:
        problems.append(
            Problem(
                "The opportunity has no products; an invoice needs at least one line.",
                "OpportunityLineItems",
                "no_lines",
            )
        )
    body_lines: list[dict[str, Any]] = []
    preview_lines: list[InvoicePreviewLine] = []
    for number, line in enumerate(line_items, start=1):
        preview_line, body_line, line_problems = _line(config, number, line, item_links)
        preview_lines.append(preview_line)
        problems.extend(line_problems)
        if body_line is not None:
            body_lines.append(body_line)
    preview = InvoicePreview(
        opportunity_id=opportunity_id,
        opportunity_name=_text(opportunity.get("Name")),
        customer_name=customer_name,
        quickbooks_customer_id=customer_id,
        transaction_date=_text(opportunity.get("CloseDate")) or None,
        lines=tuple(preview_lines),
        subtotal=sum((ln.amount for ln in preview_lines if ln.amount is not None), Decimal("0.00")),
        opportunity_amount=_amount(opportunity.get("Amount")),
        problems=tuple(problems),
    )
    body = None
    if not problems and header.record is not None:
        body = quickbooks_create_body(header.record, external_id)
        body["customerId"] = customer_id
        body["lines"] = body_lines
    return InvoiceDraft(external_id=external_id, body=body, preview=preview)


def _line(
    config: MappingConfig,
    number: int,
    line: Mapping[str, Any],
    item_links: Mapping[str, str] | None,
) -> tuple[InvoicePreviewLine, dict[str, Any] | None, list[Problem]]:
    if not isinstance(line, Mapping):
        problem = Problem(f"Line {number} is not a product line.", code="malformed")
        return InvoicePreviewLine("?", "", None, None, None, None), None, [problem]
    product = (
        _text(_safe_read(line, PRODUCT.path("Name"))) or _text(line.get("Name")) or f"line {number}"
    )
    item_id = _linked_id(line, ITEM_ID_PATH, "Product2Id", item_links)
    problems: list[Problem] = []
    if item_id is None:
        problems.append(
            Problem(
                f"Line {number}: the product {product} is not linked to a QuickBooks item. "
                "Products come from QuickBooks: sync items and use the synced product.",
                "Product2Id",
                "no_item_link",
            )
        )
    mapped = map_salesforce_record(config, WORKFLOW, line, line_fields=True)
    problems.extend(
        Problem(f"Line {number} ({product}): {p.message}", p.field, p.code) for p in mapped.problems
    )
    quantity = _amount(line.get("Quantity"), scale=5)
    rate = _amount(line.get("UnitPrice"))
    amount = _amount(line.get("TotalPrice"))
    if amount is None and quantity is not None and rate is not None:
        # Too large to be an amount: the preview shows none, and the line total's own check
        # (or QuickBooks) says why.
        with contextlib.suppress(InvalidAmountError):
            amount = round_half_even(quantity * rate, QUICKBOOKS_MONEY_SCALE)
    preview = InvoicePreviewLine(
        product=product,
        description=_text(line.get("Description")),
        quantity=quantity,
        rate=rate,
        amount=amount,
        quickbooks_item_id=item_id,
    )
    body = None
    if not problems and mapped.record is not None:
        body = {"itemId": item_id, **quickbooks_create_body(mapped.record)}
    return preview, body, problems


def _linked_id(
    record: Mapping[str, Any], path: str, id_field: str, links: Mapping[str, str] | None
) -> str | None:
    linked = _text(_safe_read(record, path))
    if linked:
        return linked
    salesforce_id = record.get(id_field)
    if links and isinstance(salesforce_id, str):
        return links.get(salesforce_id) or None
    return None


def _safe_read(record: Mapping[str, Any], path: str) -> Any:
    try:
        return read_path(record, path)
    except ValueError:
        return None


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _amount(value: object, scale: int = QUICKBOOKS_MONEY_SCALE) -> Decimal | None:
    if value is None:
        return None
    try:
        return round_half_even(parse_decimal(value), scale)
    except InvalidAmountError:
        return None
