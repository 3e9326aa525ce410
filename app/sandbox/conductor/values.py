"""Wire formats: money as 2-decimal strings, QuickBooks timestamps, date/time filter bounds.

The sandbox's "local time" (the QuickBooks machine's clock) is UTC, so a bound without an offset
is read as UTC and every timestamp is written with `+00:00`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from app.sandbox.conductor import errors

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_RATE_PLACES = Decimal("0.00001")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def rate(value: Decimal) -> str:
    """Rates keep up to 5 decimals but never fewer than 2."""
    exact = value.quantize(_RATE_PLACES).normalize()
    return money(exact) if -exact.as_tuple().exponent <= 2 else format(exact, "f")


def parse_money(field: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise errors.conversion(field, raw) from None
    if not value.is_finite():
        raise errors.conversion(field, raw)
    return value


def cents(value: Decimal | str | None) -> int:
    return int((Decimal(value or "0") * 100).to_integral_value())


def timestamp(moment: datetime) -> str:
    """QuickBooks style: `2025-01-01T12:34:56+00:00`, always UTC, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def conductor_time(moment: datetime) -> str:
    """Conductor's own objects (end users, auth sessions): `2024-01-01T12:34:56.789Z`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def bound(name: str, text: str, *, end: bool) -> str:
    """A filter bound as a comparable UTC timestamp: a date means the start (or end) of that day."""
    try:
        if _DATE.match(text):
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(23, 59, 59) if end else time(0, 0, 0), UTC)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        raise errors.invalid_request(
            f'Invalid date/time "{text}": expected YYYY-MM-DD, YYYY-MM-DDTHH:mm:ss or '
            f'YYYY-MM-DDTHH:mm:ss±HH:mm at "{name}"'
        ) from None
    return timestamp(moment)


def days_before(moment: datetime, days: int) -> datetime:
    return moment - timedelta(days=days)
