"""Money and quantities as `Decimal`, rounded half-even to the destination's scale.

Salesforce currency fields have scale 2 and precision 18; QuickBooks money travels as decimal
strings with 2 decimals. Parsing accepts what the two APIs send (decimal strings, JSON numbers)
and refuses NaN, infinities, booleans and anything that is not a number.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

SALESFORCE_CURRENCY_SCALE = 2
QUICKBOOKS_MONEY_SCALE = 2
QUANTITY_SCALE = 5
# Salesforce currency: precision 18 with scale 2 leaves 16 digits before the point.
MAX_INTEGER_DIGITS = 16

_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class InvalidAmountError(ValueError):
    """A value that is not a usable amount; the message is plain language."""


def parse_decimal(value: object) -> Decimal:
    """`value` (decimal string, int, float or Decimal) as a finite Decimal.

    Raises InvalidAmountError with a plain-language reason.
    """
    if isinstance(value, bool):
        raise InvalidAmountError("is yes/no, not a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # repr gives the shortest text that reads back as the same float: 0.1 stays 0.1.
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not _NUMBER_TEXT.fullmatch(text):
            raise InvalidAmountError(f"is not a number ({_preview(value)})")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise InvalidAmountError("is too large") from exc
    else:
        raise InvalidAmountError("is not a number")
    if not number.is_finite():
        raise InvalidAmountError("is not a finite number")
    _check_size(number)
    return number


def round_half_even(number: Decimal, scale: int) -> Decimal:
    """`number` rounded half-even ("banker's rounding") to `scale` decimals; never "-0.00"."""
    try:
        rounded = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:
        raise InvalidAmountError("is too large") from exc
    if rounded.is_zero():
        rounded = abs(rounded)
    _check_size(rounded)
    return rounded


def parse_money(value: object, scale: int = SALESFORCE_CURRENCY_SCALE) -> Decimal:
    return round_half_even(parse_decimal(value), scale)


def money_text(number: Decimal, scale: int = QUICKBOOKS_MONEY_SCALE) -> str:
    """QuickBooks' wire form: a plain decimal string with exactly `scale` decimals."""
    return f"{round_half_even(number, scale):f}"


def quantity_value(number: Decimal) -> int | float:
    """A quantity as the JSON number QuickBooks expects: an int when whole."""
    rounded = round_half_even(number, QUANTITY_SCALE)
    if rounded == rounded.to_integral_value():
        return int(rounded)
    return float(rounded)


def _check_size(number: Decimal) -> None:
    if not number.is_zero() and number.adjusted() >= MAX_INTEGER_DIGITS:
        shown = _preview(f"{number:f}", 40)
        raise InvalidAmountError(f"is too large ({shown}: more than {MAX_INTEGER_DIGITS} digits)")


def _preview(text: str, limit: int = 20) -> str:
    shown = text if len(text) <= limit else text[:limit] + "…"
    return repr(shown)
