"""One field's value in the form its destination stores, or a problem that names the field.

Empty values: None, and text that is empty once cleaned, become None. A Salesforce checkbox
cannot be empty, so an empty yes/no bound for Salesforce becomes false.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from app.domain.fieldmap import FieldRule, FieldType, Side
from app.domain.limits import quickbooks_text_limit, salesforce_text_limit
from app.domain.money import (
    QUANTITY_SCALE,
    SALESFORCE_CURRENCY_SCALE,
    InvalidAmountError,
    money_text,
    parse_decimal,
    quantity_value,
    round_half_even,
)
from app.domain.outcomes import Problem
from app.domain.text import clean_text, has_broken_characters, utf16_length

PREVIEW_LENGTH = 30


@dataclass(frozen=True)
class Destination:
    side: Side
    workflow: str
    salesforce_object: str


Converted = tuple[Any, Problem | None]


def convert(rule: FieldRule, raw: object, source_field: str, to: Destination) -> Converted:
    """`raw` (read from `source_field`) converted for `rule` on its way to `to`."""
    wording = FieldWording(rule, source_field, to)
    match rule.type:
        case FieldType.TEXT | FieldType.LONG_TEXT | FieldType.LOOKUP:
            return text_value(rule, raw, wording, path=rule.target)
        case FieldType.MONEY:
            return _money(raw, wording)
        case FieldType.NUMBER:
            return _number(raw, wording)
        case FieldType.DATE:
            return _date(raw, wording)
        case FieldType.DATETIME:
            return _datetime(raw, wording)
        case FieldType.BOOLEAN:
            return _boolean(raw, wording)
    return None, wording.problem("malformed", "cannot be converted by this app")


class FieldWording:
    """Words for the problems of one field."""

    def __init__(self, rule: FieldRule, source_field: str, to: Destination) -> None:
        self.rule = rule
        self.field = source_field
        self.to = to
        self.source_title = to.side.other.system
        self.target_title = to.side.system

    def problem(self, code: str, what: str, fix: str = "") -> Problem:
        fix = fix or f"Correct it in {self.source_title}."
        return Problem(f"{self.rule.name} {what}. {fix}", field=self.field, code=code)

    def missing(self) -> Problem:
        return self.problem(
            "missing",
            f"is missing in {self.source_title}, and {self.target_title} needs it",
            f"Add it in {self.source_title}.",
        )


def text_value(
    rule: FieldRule, raw: object, wording: FieldWording, path: str, multiline: bool | None = None
) -> Converted:
    if raw is None:
        return None, None
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        return None, wording.problem("not_text", f"in {wording.source_title} is not text")
    text = raw if isinstance(raw, str) else str(raw)
    if has_broken_characters(text):
        return None, wording.problem(
            "broken_characters",
            "contains damaged characters",
            f"Retype it in {wording.source_title}.",
        )
    if multiline is None:
        multiline = rule.type is FieldType.LONG_TEXT
    text = clean_text(text, multiline=multiline)
    if not text:
        return None, None
    limit = text_limit(rule, wording.to, path)
    length = utf16_length(text)
    if limit is not None and length > limit:
        return None, wording.problem(
            "too_long",
            f"is {length} characters long; {wording.target_title} allows at most {limit}",
            f"Shorten it in {wording.source_title}.",
        )
    return text, None


def text_limit(rule: FieldRule, to: Destination, path: str) -> int | None:
    if to.side is Side.QUICKBOOKS:
        return quickbooks_text_limit(to.workflow, path, rule.max_length)
    return salesforce_text_limit(
        to.salesforce_object,
        path,
        long_text=rule.type is FieldType.LONG_TEXT,
        declared=rule.max_length,
    )


def _amount(
    raw: object, wording: FieldWording, scale: int
) -> tuple[Decimal | None, Problem | None]:
    if raw is None:
        return None, None
    if isinstance(raw, str) and not raw.strip():
        return None, None
    try:
        return round_half_even(parse_decimal(raw), scale), None
    except InvalidAmountError as exc:
        return None, wording.problem("bad_amount", str(exc))


def _money(raw: object, wording: FieldWording) -> Converted:
    amount, problem = _amount(raw, wording, SALESFORCE_CURRENCY_SCALE)
    if amount is None or wording.to.side is Side.SALESFORCE:
        return amount, problem
    return money_text(amount), None


def _number(raw: object, wording: FieldWording) -> Converted:
    number, problem = _amount(raw, wording, QUANTITY_SCALE)
    if number is None:
        return None, problem
    if wording.to.side is Side.QUICKBOOKS:
        return quantity_value(number), None
    return number, None


def _date(raw: object, wording: FieldWording) -> Converted:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return raw.isoformat(), None
    if isinstance(raw, str):
        text = raw.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text).isoformat(), None
        except ValueError:
            pass
    return None, wording.problem("bad_date", f"is not a valid date ({_preview(raw)})")


def _datetime(raw: object, wording: FieldWording) -> Converted:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    moment: datetime | None = raw if isinstance(raw, datetime) else None
    if isinstance(raw, str) and len(raw.strip()) > 10:
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            moment = None
    if moment is None:
        return None, wording.problem(
            "bad_datetime", f"is not a valid date and time ({_preview(raw)})"
        )
    if moment.tzinfo is None:
        return None, wording.problem(
            "bad_datetime", f"has no time zone ({_preview(raw)}), so the moment is unclear"
        )
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        return None, wording.problem("bad_datetime", f"is out of range ({_preview(raw)})")
    if wording.to.side is Side.SALESFORCE:
        # Salesforce's own form, so a value read back compares equal: 2025-02-01T12:34:56.000+0000
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "+0000"), None
    return moment.isoformat(), None


def _boolean(raw: object, wording: FieldWording) -> Converted:
    if raw is None:
        return (False if wording.to.side is Side.SALESFORCE else None), None
    if isinstance(raw, bool):
        return raw, None
    return None, wording.problem("not_yes_no", f"should be yes or no, not {_preview(raw)}")


def _preview(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    if len(text) > PREVIEW_LENGTH:
        text = text[:PREVIEW_LENGTH] + "…"
    return repr(text) if isinstance(value, str) else text
