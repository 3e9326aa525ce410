"""Typed rows of the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Link:
    workflow: str
    qb_id: str
    sf_id: str | None
    content_hash: str | None
    qb_revision: str | None = None
    sf_modstamp: str | None = None
    created_at: str = ""
    updated_at: str = ""
    #: The values written (hashed as `content_hash`), when the writer kept them.
    content: dict[str, Any] | None = None


@dataclass(frozen=True)
class Cursor:
    workflow: str
    source: str
    value: str
    updated_at: str


@dataclass(frozen=True)
class Run:
    id: int
    started_at: str
    finished_at: str | None
    trigger: str
    os_user: str
    status: str
    dry_run: bool
    summary: dict[str, Any] = field(default_factory=dict)
    message: str | None = None


@dataclass(frozen=True)
class RunItem:
    run_id: int
    workflow: str
    record_key: str
    outcome: str
    qb_id: str | None = None
    sf_id: str | None = None
    code: str | None = None
    message: str | None = None
    details: str | None = None
    created_at: str = ""
    #: The QuickBooks list the record was read from, e.g. "service_item" (None: not recorded).
    resource: str | None = None


class OutboxState(StrEnum):
    PENDING = "pending"  # recorded, not yet sent
    SENT = "sent"  # request on the wire; outcome not yet known
    DONE = "done"  # QuickBooks confirmed; qb_id known
    FAILED = "failed"  # QuickBooks refused; nothing was created


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    workflow: str
    sf_id: str
    external_id: str
    operation: str
    payload: dict[str, Any]
    state: OutboxState
    qb_id: str | None
    attempts: int
    last_error: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class FieldChange:
    """One field a run changed: its value before and after, as JSON-ready values."""

    run_id: int
    workflow: str  # the link key, e.g. "invoices" or "customers:balance"
    qb_id: str
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ReconciliationRow:
    id: int
    run_id: int | None
    created_at: str
    trigger: str
    os_user: str
    clean: bool
    body: dict[str, Any]


@dataclass(frozen=True)
class PaymentFact:
    """What the double-entry guard remembers of a QuickBooks payment."""

    qb_id: str
    customer_id: str
    amount_cents: int
    transaction_date: str
    ref_number: str | None
    entered_at: str  # QuickBooks createdAt


@dataclass(frozen=True)
class PaymentFlag:
    """A QuickBooks payment mirrored like any other and flagged as a possible duplicate of an
    earlier one, until the bookkeeper says it is correct."""

    qb_id: str
    first_qb_id: str
    customer: str
    ref: str
    amount_cents: int
    transaction_date: str
    message: str
    run_id: int | None = None
    flagged_at: str = ""
    dismissed_at: str | None = None
    dismissed_by: str | None = None


@dataclass(frozen=True)
class LedgerArchive:
    """A ledger set aside when the Salesforce org or the Conductor end user changed."""

    id: int
    archived_at: str
    reason: str
    salesforce_org_id: str
    conductor_end_user_id: str
    links: int


@dataclass(frozen=True)
class Approval:
    """The bookkeeper's signature on one exact invoice: the body sent is `draft`, unchanged.

    A lapsed approval (the opportunity changed before QuickBooks confirmed the create) sends
    nothing; it is kept to show what was approved."""

    sf_opportunity_id: str
    fingerprint: str
    draft: dict[str, Any]  # the Conductor create body, invoice number included
    ref_number: str
    total: str  # decimal text
    approved_at: str
    lapsed_at: str | None = None
    lapse_reason: str | None = None
    #: QuickBooks saved an invoice that differs from this one: why, until the bookkeeper looks.
    held_reason: str | None = None

    @property
    def lapsed(self) -> bool:
        return self.lapsed_at is not None

    @property
    def held(self) -> bool:
        return self.held_reason is not None
