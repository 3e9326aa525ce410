"""What a QuickBooks -> Salesforce mirror is given (`MirrorSpec`) and holds while it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.engine.context import RunContext
from app.engine.recorder import ItemOutcome
from app.store import Link

#: Hook run on each page before writing: links parents, returns records it could not prepare.
BeforeWrite = Callable[[RunContext, list[dict[str, Any]]], list[ItemOutcome]]


@dataclass(frozen=True)
class MirrorSpec:
    workflow: str  # reported name, e.g. "invoices"
    link_key: str  # ledger key, e.g. "invoices" or "customers:balance"
    map_workflow: str  # field-map workflow id
    kinds: tuple[str, ...]  # QuickBooks list resources read
    sobject: str
    external_field: str
    label: Callable[[dict[str, Any]], str]
    filters: dict[str, Any] = field(default_factory=dict)
    before_write: BeforeWrite | None = None


@dataclass
class Pending:
    record: dict[str, Any]
    mapped: dict[str, Any]
    digest: str
    link: Link | None
    kind: str  # the QuickBooks list it was read from

    @property
    def qb_id(self) -> str:
        return str(self.record["id"])


@dataclass
class MirrorState:
    newest: str | None = None
    clean: bool = True
    read: int = 0
    total: int | None = None
    bulk_error: str = ""
