"""IN lists cut by encoded URI length: every value once, each query within the room given."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest

from app.salesforce.soql import IN_VALUES, in_chunks, literal

TEMPLATE = f"SELECT Id FROM Account WHERE Name IN {IN_VALUES} ORDER BY Id"  # noqa: S608


def test_each_query_fits_the_room_when_encoded_and_every_value_is_kept_in_order() -> None:
    values = [f"Customer & Sons {n} 'quoted' 100%" for n in range(1000)]
    queries = list(in_chunks(TEMPLATE, values, room=4_000))
    assert len(queries) > 1
    assert all(len(quote_plus(q)) <= 4_000 for q in queries)
    kept = [v for q in queries for v in q.split("IN (", 1)[1].rsplit(") ORDER", 1)[0].split("',")]
    assert len(kept) == 1000
    assert queries[0].startswith(
        "SELECT Id FROM Account WHERE Name IN ('Customer & Sons 0 \\'quoted"
    )


def test_quotes_and_backslashes_are_escaped() -> None:
    assert literal("O'Brien\\Co") == "'O\\'Brien\\\\Co'"


def test_no_values_make_no_query_and_a_template_without_the_marker_is_refused() -> None:
    assert list(in_chunks(TEMPLATE, [], room=4_000)) == []
    with pytest.raises(ValueError):
        list(in_chunks("SELECT Id FROM Account", ["a"], room=4_000))
