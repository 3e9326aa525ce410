"""SOQL with long `IN (...)` lists, cut so each request URI stays under Salesforce's limit.

Salesforce refuses a REST call whose URI and headers together exceed 16,384 bytes (431), or whose
URI alone does (414); it recommends keeping headers near 8,000 bytes ("Maximum number of rows
returned by SOQL queries over the REST API", https://help.salesforce.com/s/articleView?id=000386264).
A query travels in the URI as `?q=` form-encoded, so each chunk is measured encoded, not counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import quote_plus

#: Where a template takes one chunk's parenthesised, quoted list: "... WHERE Id IN (:values)".
IN_VALUES = "(:values)"
#: The documented limit of URI plus headers, less the ~8,000 bytes Salesforce suggests for headers.
MAX_URI_BYTES = 16_384 - 8_192


def literal(value: str) -> str:
    """A SOQL string literal: quoted, with backslash and quote escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def encoded_length(text: str) -> int:
    """Bytes `text` takes in a query string, encoded as requests encodes `params`."""
    return len(quote_plus(text))


def in_chunks(template: str, values: Iterable[str], *, room: int) -> Iterator[str]:
    """`template` with its `IN_VALUES` marker filled by successive chunks of `values`, each whole
    query taking at most `room` encoded bytes. Nothing is yielded for no values."""
    if IN_VALUES not in template:
        raise ValueError(f"the template needs the marker {IN_VALUES}")
    head, tail = template.split(IN_VALUES, 1)
    fixed = encoded_length(head) + encoded_length(tail) + encoded_length("()")
    chunk: list[str] = []
    size = fixed
    for value in values:
        item = literal(value)
        cost = encoded_length(item) + (encoded_length(",") if chunk else 0)
        if chunk and size + cost > room:
            yield f"{head}({','.join(chunk)}){tail}"
            chunk, size = [], fixed
            cost = encoded_length(item)
        if fixed + cost > room:
            raise ValueError("one value does not fit in a request")
        chunk.append(item)
        size += cost
    if chunk:
        yield f"{head}({','.join(chunk)}){tail}"
