"""Field values between their three forms: JSON (REST), storage (SQLite) and CSV (Bulk 2.0).

Storage keeps dates as `YYYY-MM-DD` and datetimes as fixed-width UTC `YYYY-MM-DDTHH:MM:SS.mmmZ`
so that text order is time order; booleans as 0/1; numbers rounded to the field's scale.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from app.sandbox.salesforce import ids
from app.sandbox.salesforce.errors import RecordError
from app.sandbox.salesforce.schema import FieldDef

_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def parse_datetime(text: str) -> datetime:
    match = _DATETIME.match(text.strip())
    if not match:
        raise ValueError(f"not a datetime: {text!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    value = datetime(
        int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro
    )
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        return value.replace(tzinfo=timezone(timedelta(minutes=offset))).astimezone(UTC)
    return value.replace(tzinfo=UTC)


def parse_date(text: str) -> date:
    if not _DATE.match(text.strip()):
        raise ValueError(f"not a date: {text!r}")
    return date.fromisoformat(text.strip())


def stored_datetime(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def json_datetime(stored: str) -> str:
    """`2026-01-01T00:00:00.000Z` -> `2026-01-01T00:00:00.000+0000`, Salesforce's JSON form."""
    return stored[:-1] + "+0000"


def _type_error(f: FieldDef, value: Any) -> RecordError:
    return RecordError(
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{f.label or f.name}: value not of required type: {value}",
        [f.name],
    )


def _number(f: FieldDef, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _type_error(f, value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _type_error(f, value) from None
    if not number.is_finite():
        raise _type_error(f, value)
    scale = 0 if f.type == "int" else f.scale
    number = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    if f.precision and abs(number) >= Decimal(10) ** (f.precision - scale):
        raise RecordError(
            "NUMBER_OUTSIDE_VALID_RANGE",
            f"{f.label or f.name}: value outside of valid range on numeric field: {value}",
            [f.name],
        )
    return int(number) if f.type == "int" else float(number)


def _boolean(f: FieldDef, value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return int(value.strip().lower() in _TRUE)
    if isinstance(value, int) and value in (0, 1):
        return value
    raise _type_error(f, value)


def _text(f: FieldDef, value: Any) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        raise _type_error(f, value)
    if f.type == "reference":
        normal = ids.normalise(value)
        if normal is None:
            target = f.reference_to[0] if f.reference_to else "Record"
            raise RecordError(
                "MALFORMED_ID", f"{target} ID: id value of incorrect type: {value}", [f.name]
            )
        return normal
    if f.length and len(value) > f.length:
        raise RecordError(
            "STRING_TOO_LONG",
            f"{f.label or f.name}: data value too large: {value} (max length={f.length})",
            [f.name],
        )
    if f.type == "email" and value and not _EMAIL.match(value):
        raise RecordError(
            "INVALID_EMAIL_ADDRESS",
            f"{f.label or f.name}: invalid email address: {value}",
            [f.name],
        )
    return value


def to_storage(f: FieldDef, value: Any) -> Any:
    """Validate and convert a JSON or CSV value for field `f`; None stays None."""
    if value is None:
        return 0 if f.type == "boolean" else None
    if f.type == "boolean":
        return _boolean(f, value)
    if f.type in {"currency", "double", "percent", "int"}:
        return _number(f, value)
    if f.type in {"date", "datetime"}:
        if not isinstance(value, str):
            raise _type_error(f, value)
        try:
            if f.type == "date":
                return parse_date(value).isoformat()
            return stored_datetime(parse_datetime(value))
        except ValueError:
            raise _type_error(f, value) from None
    stored = _text(f, value)
    return stored if stored != "" or f.type == "reference" else None


def to_json(f: FieldDef, stored: Any) -> Any:
    if stored is None:
        return False if f.type == "boolean" else None
    if f.type == "boolean":
        return bool(stored)
    if f.type == "int":
        return int(stored)
    if f.type in {"currency", "double", "percent"}:
        return float(stored)
    if f.type == "datetime":
        return json_datetime(stored)
    return stored


def to_csv(f: FieldDef, stored: Any) -> str:
    value = to_json(f, stored)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
