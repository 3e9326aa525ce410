from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.money import (
    InvalidAmountError,
    money_text,
    parse_decimal,
    parse_money,
    quantity_value,
    round_half_even,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2.675", "2.68"),
        ("2.665", "2.66"),
        ("0.005", "0.00"),
        ("0.015", "0.02"),
        ("0.025", "0.02"),
        ("-0.125", "-0.12"),
        ("-0.135", "-0.14"),
        ("1000", "1000.00"),
        ("1000.004999", "1000.00"),
        ("1E+3", "1000.00"),
        (" 12.5 ", "12.50"),
        ("-0.001", "0.00"),
    ],
)
def test_money_rounds_half_even_to_two_places(raw: str, expected: str) -> None:
    assert str(parse_money(raw)) == expected


def test_rounding_never_gives_negative_zero() -> None:
    assert money_text(Decimal("-0.004")) == "0.00"


def test_floats_read_as_their_shortest_text() -> None:
    assert parse_decimal(0.1) == Decimal("0.1")
    assert parse_money(2.675) == Decimal("2.68")  # not 2.67 from 2.67499999...


def test_integers_and_decimals_are_accepted() -> None:
    assert parse_money(5) == Decimal("5.00")
    assert parse_money(Decimal("5.125")) == Decimal("5.12")


@pytest.mark.parametrize(
    "raw",
    ["NaN", "nan", "Infinity", "-inf", "sNaN", "", "abc", "1,000.00", "$5", "1.2.3", "0x10",
     float("nan"), float("inf"), Decimal("NaN"), Decimal("Infinity"), True, False, [], {}, b"1"],
)  # fmt: skip
def test_garbage_is_refused_with_a_reason(raw: object) -> None:
    with pytest.raises(InvalidAmountError) as caught:
        parse_money(raw)
    assert str(caught.value)


@pytest.mark.parametrize("raw", ["1e20", "99999999999999999", "9999999999999999.995", 1e300])
def test_amounts_beyond_salesforce_precision_are_refused(raw: object) -> None:
    with pytest.raises(InvalidAmountError, match="too large"):
        parse_money(raw)


def test_largest_amount_salesforce_holds_is_accepted() -> None:
    assert parse_money("9999999999999999.99") == Decimal("9999999999999999.99")


def test_tiny_exponents_round_to_zero() -> None:
    assert parse_money("1e-999999999") == Decimal("0.00")


def test_money_text_is_quickbooks_wire_form() -> None:
    assert money_text(Decimal("1000")) == "1000.00"
    assert money_text(Decimal("1E+3")) == "1000.00"
    assert money_text(Decimal("19.999")) == "20.00"


def test_round_half_even_at_other_scales() -> None:
    assert round_half_even(Decimal("1.23455"), 4) == Decimal("1.2346")
    assert round_half_even(Decimal("1.23465"), 4) == Decimal("1.2346")


def test_quantities_become_json_numbers() -> None:
    assert quantity_value(Decimal("3.000")) == 3
    assert isinstance(quantity_value(Decimal("3.000")), int)
    assert quantity_value(Decimal("2.5")) == 2.5
    assert quantity_value(Decimal("0.1234567")) == 0.12346
