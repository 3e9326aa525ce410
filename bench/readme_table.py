"""The README's figures table, rewritten from the benchmark's results between two markers, so
the figures shown are the ones measured, never pasted by hand."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
START = "<!-- bench:figures (written by python -m bench) -->"
END = "<!-- /bench:figures -->"


def with_table(text: str, table: str, note: str = "") -> str:
    """`text` with what lies between the markers replaced; unchanged when they are missing."""
    head, start, rest = text.partition(START)
    _old, end, tail = rest.partition(END)
    if not start or not end:
        return text
    said = f"\n\nRun note: {note}." if note else ""
    return f"{head}{START}\n{table}{said}\n{END}{tail}"


def write_readme_table(table: str, note: str = "", readme: Path = README) -> bool:
    """True when the README had the markers and now shows `table`."""
    text = readme.read_text(encoding="utf-8")
    updated = with_table(text, table, note)
    if updated != text:
        readme.write_text(updated, encoding="utf-8")
    return START in text and END in text
