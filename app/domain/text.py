"""Text rules shared by both directions.

The stated cleaning rule, applied to every text value before it is mapped:
- NUL and every other control character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F)
  are removed, except tab and line breaks;
- in single-line fields, each run of tabs and line breaks (CR, LF, U+2028, U+2029) becomes one
  space; in multi-line fields, CR LF and lone CR become LF and tabs are kept;
- leading and trailing whitespace is removed.
Everything else passes through unchanged: accents, emoji, right-to-left text, joiners and marks.

Lengths are counted the way both systems count them: in UTF-16 code units. Salesforce treats a
character outside the Basic Multilingual Plane (most emoji) as two characters, and Conductor
validates lengths in JavaScript, which counts the same way. A value over its limit is a problem
for that record, never cut short.
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = re.compile(r"[\t\r\n\u2028\u2029]+")
_KEPT_CONTROLS = frozenset("\t\n")


def clean_text(value: str, *, multiline: bool = False) -> str:
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = value.replace("\u2028", "\n").replace("\u2029", "\n")
    else:
        value = _LINE_BREAKS.sub(" ", value)
    kept = (ch for ch in value if ch in _KEPT_CONTROLS or unicodedata.category(ch) != "Cc")
    return "".join(kept).strip()


def utf16_length(value: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in value)


def has_broken_characters(value: str) -> bool:
    """True when `value` holds lone surrogates, which no API can carry as UTF-8."""
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
