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
