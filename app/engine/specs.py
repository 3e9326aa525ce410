"""The QuickBooks -> Salesforce mirrors, as data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.domain.workflows import PRODUCT, WORKFLOWS, WorkflowId
from app.engine.adopt import adopt_by_name
from app.engine.mirror_spec import BeforeWrite, MirrorSpec
from app.engine.pricebooks import remembering_prices
from app.engine.receivables import tracked


def _ref(record: dict[str, Any]) -> str:
    return str(record.get("refNumber") or record.get("id"))


def _name(record: dict[str, Any]) -> str:
    return str(record.get("fullName") or record.get("name") or record.get("id"))


def mirror_spec(
    workflow: WorkflowId,
    kinds: tuple[str, ...],
    label: Callable[[dict[str, Any]], str],
    *,
    link_key: str | None = None,
    filters: dict[str, Any] | None = None,
    before_write: BeforeWrite | None = None,
) -> MirrorSpec:
    """A mirror of `kinds` into the workflow's Salesforce object, upserted on its QuickBooks id."""
    definition = WORKFLOWS[workflow]
    return MirrorSpec(
        workflow=workflow,
        link_key=link_key or workflow,
        map_workflow=workflow,
        kinds=kinds,
        sobject=definition.salesforce_object,
        external_field=definition.quickbooks_id_field,
        label=label,
        filters=filters or {},
        before_write=before_write,
    )


ITEMS = mirror_spec(
    WorkflowId.ITEMS,
    ("service_item", "non_inventory_item"),
    _name,
    filters={"status": "all"},
    before_write=remembering_prices(
        adopt_by_name(PRODUCT.name, PRODUCT.quickbooks_id, WorkflowId.ITEMS, _name)
    ),
)

# Linked transactions show what paid each invoice; QuickBooks lists them only when asked.
_RECEIVABLE_FILTERS = {"include_line_items": False, "include_linked_transactions": True}

INVOICES = tracked(
    mirror_spec(WorkflowId.INVOICES, ("invoice",), _ref, filters=_RECEIVABLE_FILTERS)
)

CREDIT_MEMOS = tracked(
    mirror_spec(WorkflowId.CREDIT_MEMOS, ("credit_memo",), _ref, filters=_RECEIVABLE_FILTERS)
)

PAYMENTS = tracked(mirror_spec(WorkflowId.PAYMENTS, ("receive_payment",), _ref))
