from __future__ import annotations

import csv
import io

from app.domain.spreadsheet import SafeCsvWriter, spreadsheet_safe


def test_formula_starts_are_kept_as_text() -> None:
    assert spreadsheet_safe('=HYPERLINK("http://x","click")') == '\'=HYPERLINK("http://x","click")'
    assert spreadsheet_safe("+1-555") == "'+1-555"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("-cmd|' /C calc'!A0") == "'-cmd|' /C calc'!A0"


def test_plain_values_and_numbers_are_untouched() -> None:
    assert spreadsheet_safe("Acme Bakery") == "Acme Bakery"
    assert spreadsheet_safe("-12.50") == "-12.50"
    assert spreadsheet_safe(None) == ""
    assert spreadsheet_safe(42) == "42"


def test_writer_guards_every_cell() -> None:
    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerows([["=1+1", "ok"], ["x", "@y"]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["'=1+1", "ok"], ["x", "'@y"]]
