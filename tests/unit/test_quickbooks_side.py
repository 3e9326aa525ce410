"""QuickBooks' side of the books check: its open invoices by customer, kept as a running total
once summed, always equal to summing what it keeps afresh."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.books.model import Totals
from app.engine.books.quickbooks_side import INVOICE, QuickBooksSide

_IDS = st.sampled_from([f"{n}-1" for n in range(8)])
_CUSTOMERS = st.sampled_from(["80-1", "81-1", "82-1"])
_AMOUNTS = st.sampled_from(["0.00", "0.01", "12.50", "-3.00", "999.99"])


@st.composite
def _invoice(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "id": draw(_IDS),
        "refNumber": "1001",
        "customer": {"id": draw(_CUSTOMERS), "fullName": "Acme"},
        "balanceRemaining": draw(_AMOUNTS),
        "isPaid": draw(st.booleans()),
    }


_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("apply"), st.lists(_invoice(), max_size=4)),
        st.tuples(st.just("drop"), st.lists(_IDS, max_size=3)),
        st.tuples(st.just("merge"), st.lists(_invoice(), max_size=4), st.lists(_IDS, max_size=2)),
        st.tuples(st.just("copy")),
        st.tuples(st.just("forget")),
        st.tuples(st.just("sum")),
    ),
    max_size=25,
)


def _afresh(side: QuickBooksSide) -> dict[str, Totals]:
    """What a side holding the same invoices, never summed before, gives."""
    return QuickBooksSide.from_json(side.to_json()).open_by_customer


@settings(max_examples=300, deadline=None)
@given(_STEPS)
def test_the_running_totals_always_equal_a_fresh_sum(steps: list[tuple[Any, ...]]) -> None:
    side = QuickBooksSide(since="2026-11-01")
    for step in steps:
        match step:
            case ("apply", records):
                side.apply(INVOICE, records)
            case ("drop", ids):
                side.drop(ids)
            case ("merge", records, closed):
                later = QuickBooksSide(since=side.since)
                later.apply(INVOICE, records)
                side.merge(INVOICE, later.kept(INVOICE), closed)
            case ("copy",):
                copied = side.copy()
                copied.drop(list(copied.invoices))
                assert copied.open_by_customer == {}
            case ("forget",):
                side.forget(INVOICE)
                assert side.open_by_customer == {}
            case ("sum",):
                side.open_by_customer  # noqa: B018 - summed now: later steps keep it up to date
        assert side.open_by_customer == _afresh(side)


def test_an_invoice_moved_to_another_customer_leaves_the_first_one() -> None:
    side = QuickBooksSide(since="2026-11-01")
    invoice = {
        "id": "1-1",
        "customer": {"id": "80-1"},
        "balanceRemaining": "40.00",
        "isPaid": False,
    }
    side.apply(INVOICE, [invoice, {**invoice, "id": "2-1"}])
    assert side.open_by_customer == {"80-1": Totals(count=2, total=Decimal("80.00"))}
    side.apply(INVOICE, [{**invoice, "customer": {"id": "81-1"}, "balanceRemaining": "15.00"}])
    assert side.open_by_customer == {
        "80-1": Totals(count=1, total=Decimal("40.00")),
        "81-1": Totals(count=1, total=Decimal("15.00")),
    }
    side.apply(INVOICE, [{**invoice, "id": "2-1", "isPaid": True}])
    assert side.open_by_customer == {"81-1": Totals(count=1, total=Decimal("15.00"))}
    assert side.kept(INVOICE).keys() == {"1-1"}
