"""Salesforce record ids: 15-character case-sensitive ids and their 18-character safe form."""

from __future__ import annotations

import re

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SHAPE = re.compile(r"^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$")
#: Characters 4-5 say which pod minted the id; every id of this org says the same.
POD = "8d"


def suffix(id15: str) -> str:
    """The 3 characters that make a 15-character id safe for case-insensitive systems."""
    out = []
    for start in (0, 5, 10):
        bits = 0
        for i, char in enumerate(id15[start : start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << i
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def make(prefix: str, counter: int) -> str:
    """The 18-character id number `counter` of an object with key prefix `prefix`."""
    digits = []
    while counter:
        counter, rest = divmod(counter, 62)
        digits.append(_BASE62[rest])
    body = "".join(reversed(digits)).rjust(9, "0")
    if len(body) > 9:
        raise ValueError("id counter out of range")
    id15 = f"{prefix}{POD}0{body}"
    return id15 + suffix(id15)


def normalise(value: str) -> str | None:
    """The 18-character form of a well-formed id, or None when `value` is not an id."""
    if not isinstance(value, str) or not _SHAPE.match(value):
        return None
    id15 = value[:15]
    expected = suffix(id15)
    if len(value) == 18 and value[15:].upper() != expected:
        return None
    return id15 + expected


def prefix_of(value: str) -> str:
    return value[:3]
