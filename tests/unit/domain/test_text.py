from __future__ import annotations

import pytest

from app.domain.text import clean_text, has_broken_characters, utf16_length


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme\x00 Inc", "Acme Inc"),
        ("Acme\x07\x1b Inc", "Acme Inc"),
        ("Acme\x7f\x85\x9f", "Acme"),
        ("Line one\r\nLine two", "Line one Line two"),
        ("a\t\tb", "a b"),
        ("a\u2028b", "a b"),
        ("  padded  ", "padded"),
    ],
)
def test_single_line_cleaning_rule(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_multiline_keeps_line_breaks_and_tabs() -> None:
    assert clean_text(" one\r\ntwo\rthree\tfour\x00 ", multiline=True) == "one\ntwo\nthree\tfour"


@pytest.mark.parametrize(
    "text",
    ["Café Müller", "שלום עולם", "مرحبا", "👩‍👩‍👧 family", "\u200fRTL mark", "日本語"],
)
def test_letters_emoji_and_rtl_pass_through(text: str) -> None:
    assert clean_text(text) == text


def test_lengths_count_utf16_code_units() -> None:
    assert utf16_length("abc") == 3
    assert utf16_length("é") == 1
    assert utf16_length("😀") == 2
    assert utf16_length("👩‍👩‍👧") == 8  # three emoji and two joiners


def test_lone_surrogates_are_detected() -> None:
    assert has_broken_characters("abc\ud800")
    assert not has_broken_characters("abc😀")
