"""Content hashes of mapped records, to skip records whose mapped content has not changed.

The hash is SHA-256 of a canonical JSON form: keys sorted, no whitespace, numbers (Decimal, int,
float) written as normalised decimal text tagged as numbers, so "1000.00", 1000.0 and 1E+3 as
amounts hash alike while the text "1000" does not. Stable across runs, processes and dict order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def content_hash(record: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        _canonical(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return {"#": _number_text(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot hash a {type(value).__name__}")


def _number_text(value: int | float | Decimal) -> str:
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return str(number)
    if number.is_zero():
        return "0"
    # normalize() strips trailing zeros; 'f' keeps plain digits (no exponent).
    return f"{number.normalize():f}"
