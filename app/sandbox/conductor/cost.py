"""What a QuickBooks request costs in time: a fixed cost per request (`latency_ms`, slept before
the request is served) plus, under the per-record model, a cost per record and per line item
in the answer, slept after it is built, while QuickBooks is still busy with it.

QuickBooks Desktop serialises every record it returns into qbXML, and its line items with it,
so a large answer takes longer than a small one ("Processing such a large volume of data can
take several minutes in QuickBooks Desktop", https://docs.conductor.is/api-ref/timeouts; "a
large response requires QuickBooks to allocate (and reallocate) large sums of memory to hold
the XML response", Intuit's SDK 5.0 notes on query iterators). No per-record figure is
published; the defaults and how they were chosen are in bench/README.md.

Admin API (`POST /__sandbox/config`): `{"cost_model": "flat" | "per_record" | "none"}` sets a
model's defaults; `latency_ms`, `per_record_ms` and `per_line_item_ms` set single figures.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

#: (fixed ms per request, ms per record, ms per line item) of each named model.
MODELS: dict[str, tuple[float, float, float]] = {
    "none": (0.0, 0.0, 0.0),
    "flat": (300.0, 0.0, 0.0),
    "per_record": (100.0, 4.0, 1.0),
}
FIGURES = ("per_record_ms", "per_line_item_ms")
#: Keys of a record holding rows QuickBooks serialises with it: lines, groups, links, applications.
_LINE_KEYS = ("lines", "lineGroups", "linkedTransactions", "appliedToTransactions")


def defaults() -> dict[str, Any]:
    return {"cost_model": "none", "per_record_ms": 0.0, "per_line_item_ms": 0.0}


def resolve(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration `changes` ask for: a named model's figures, then any figure given."""
    out = dict(changes)
    if "cost_model" in changes:
        name = changes["cost_model"]
        if name not in MODELS:
            raise ValueError(f"cost_model must be one of {', '.join(MODELS)}")
        fixed, per_record, per_line = MODELS[name]
        out = {
            "latency_ms": fixed,
            "per_record_ms": per_record,
            "per_line_item_ms": per_line,
            **changes,
        }
    for key in FIGURES:
        if key in out and (not isinstance(out[key], int | float) or out[key] < 0):
            raise ValueError(f"{key} must be a number >= 0")
    return out


def counted(body: Any) -> tuple[int, int]:
    """(records, line items) in an answer: a list's `data`, or one record."""
    if not isinstance(body, Mapping):
        return 0, 0
    records = body.get("data") if isinstance(body.get("data"), list) else [body]
    lines = 0
    for record in records:
        if isinstance(record, Mapping):
            lines += sum(len(record.get(k) or []) for k in _LINE_KEYS)
    return len(records), lines


def serialise(config: Mapping[str, Any], body: Any) -> float:
    """Sleep for the records and line items in `body`; the seconds slept."""
    per_record = float(config.get("per_record_ms") or 0)
    per_line = float(config.get("per_line_item_ms") or 0)
    if not per_record and not per_line:
        return 0.0
    records, lines = counted(body)
    seconds = (records * per_record + lines * per_line) / 1000
    if seconds:
        time.sleep(seconds)
    return seconds
