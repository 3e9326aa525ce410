"""Invoice numbers for the invoices the app creates, by the rule chosen in setup.

QuickBooks Desktop leaves an invoice added through the SDK unnumbered ("When left blank in this
create request, this field will be left blank in QuickBooks (i.e., it does *not*
auto-increment)", Conductor's create-invoice `refNumber`), and does not require numbers to be
unique; so the app gives each one a number and checks QuickBooks has no invoice with it yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from app.domain.outcomes import Problem
from app.engine.context import RunContext
from app.store.settings import (
    INVOICE_NUMBER_COUNTER,
    INVOICE_NUMBER_FIELD,
    INVOICE_NUMBER_HIGHEST_SEEN,
    INVOICE_NUMBER_PREFIX,
    INVOICE_NUMBER_RULE,
)

#: Conductor: `refNumber` "Maximum length: 11 characters".
MAX_LENGTH = 11
NUMBER_TAKEN = "INVOICE_NUMBER_TAKEN"
NO_NUMBER = "NO_INVOICE_NUMBER"
_DIGITS = re.compile(r"\d+")
_HIGHEST = "invoice_numbers.highest"
#: Numbers a series read covers beyond those it needs: a few taken by hand cost no second read.
_SPARE = 10


class NumberRule(StrEnum):
    NEXT_NUMBER = "next_number"
    PREFIX = "prefix"
    OPPORTUNITY_FIELD = "opportunity_field"

    @classmethod
    def saved(cls, value: str) -> NumberRule:
        try:
            return cls(value)
        except ValueError:
            return cls.NEXT_NUMBER


def rule(ctx: RunContext) -> NumberRule:
    return NumberRule.saved(ctx.store.get(INVOICE_NUMBER_RULE))


def opportunity_field(ctx: RunContext) -> str | None:
    """The opportunity field the numbers come from, when that is the rule."""
    field = ctx.store.get(INVOICE_NUMBER_FIELD).strip()
    return field if rule(ctx) is NumberRule.OPPORTUNITY_FIELD and field else None


def propose(
    ctx: RunContext, opportunities: Sequence[Mapping[str, Any]]
) -> dict[str, str | Problem]:
    """A number (or why there is none) for each opportunity, by id, none used in QuickBooks
    and none held by another approval waiting to be sent."""
    reserved = ctx.store.reserved_ref_numbers()
    chosen = rule(ctx)
    if chosen is NumberRule.OPPORTUNITY_FIELD:
        return _from_field(ctx, opportunities, reserved)
    numbers = _series(ctx, chosen, reserved, len(opportunities))
    return {str(o["Id"]): n for o, n in zip(opportunities, numbers, strict=True)}


def in_use(ctx: RunContext, numbers: Iterable[str]) -> dict[str, str]:
    """The numbers QuickBooks already has on an invoice -> that invoice's id."""
    wanted = sorted({n for n in numbers if n})
    found = ctx.quickbooks.find_by_ref_numbers("invoice", wanted)
    return {number: str(invoice["id"]) for number, invoice in found.items()}


def _in_use_between(ctx: RunContext, batch: list[str]) -> set[str]:
    """The numbers of a series QuickBooks already has, in one range read: asked by exact number,
    QuickBooks refuses the list at each free one. The range compares all-digit numbers as numbers
    and others as text, so it holds every number of the batch, and perhaps others."""
    digits = all(_DIGITS.fullmatch(n) for n in batch)
    order = sorted(batch, key=int) if digits else sorted(batch)
    wanted = set(batch)
    return {
        str(invoice.get("refNumber"))
        for invoice in ctx.quickbooks.list_all(
            "invoice", ref_number_from=order[0], ref_number_to=order[-1], include_line_items=False
        )
        if invoice.get("refNumber") in wanted
    }


def taken(ref_number: str, invoice_id: str) -> Problem:
    return Problem(
        f"QuickBooks already has an invoice numbered {ref_number} (id {invoice_id}). Review "
        "this invoice again: it gets the next free number.",
        "refNumber",
        NUMBER_TAKEN,
    )


def _series(ctx: RunContext, chosen: NumberRule, reserved: set[str], count: int) -> list[str]:
    if chosen is NumberRule.PREFIX:
        prefix = ctx.store.get(INVOICE_NUMBER_PREFIX)
        counter = max(1, ctx.store.get(INVOICE_NUMBER_COUNTER))
    else:
        prefix, counter = "", highest_number(ctx) + 1
    numbers: list[str] = []
    while len(numbers) < count:
        size = count - len(numbers) + len(reserved) + _SPARE
        batch = [f"{prefix}{counter + n}" for n in range(size)]
        counter += len(batch)
        used = _in_use_between(ctx, batch)
        numbers.extend(n for n in batch if n not in used and n not in reserved)
    return numbers[:count]


def taken_up(ctx: RunContext, ref_number: str) -> None:
    """An approval took this number: the prefix rule's counter moves past it."""
    if rule(ctx) is not NumberRule.PREFIX:
        return
    prefix = ctx.store.get(INVOICE_NUMBER_PREFIX)
    tail = ref_number.removeprefix(prefix)
    if ref_number.startswith(prefix) and tail.isdigit():
        ctx.store.set(
            INVOICE_NUMBER_COUNTER, max(ctx.store.get(INVOICE_NUMBER_COUNTER), int(tail) + 1)
        )


def highest_number(ctx: RunContext) -> int:
    """The highest all-digit invoice number in QuickBooks (0 when there is none), read once per
    run; `refNumberFrom` compares all-digit numbers as numbers, so only the top is read after
    the first time."""
    if _HIGHEST not in ctx.cache:
        floor = int(ctx.store.get(INVOICE_NUMBER_HIGHEST_SEEN))
        highest = 0
        for invoice in ctx.quickbooks.list_all(
            "invoice", ref_number_from=str(floor), include_line_items=False
        ):
            ref = str(invoice.get("refNumber") or "")
            if _DIGITS.fullmatch(ref):
                highest = max(highest, int(ref))
        ctx.cache[_HIGHEST] = highest
        if highest > floor:
            ctx.store.set(INVOICE_NUMBER_HIGHEST_SEEN, highest)
    return int(ctx.cache[_HIGHEST])


def _from_field(
    ctx: RunContext, opportunities: Sequence[Mapping[str, Any]], reserved: set[str]
) -> dict[str, str | Problem]:
    field = ctx.store.get(INVOICE_NUMBER_FIELD).strip()
    values = {str(o["Id"]): str(o.get(field) or "").strip() for o in opportunities}
    used = in_use(ctx, values.values())
    result: dict[str, str | Problem] = {}
    for opportunity_id, value in values.items():
        if not value:
            result[opportunity_id] = Problem(
                f"The opportunity's {field} is empty, and setup takes invoice numbers from it. "
                "Fill it in Salesforce, then review this invoice again.",
                field,
                NO_NUMBER,
            )
        elif len(value) > MAX_LENGTH:
            result[opportunity_id] = Problem(
                f"The invoice number {value!r} from {field} is longer than the "
                f"{MAX_LENGTH} characters QuickBooks keeps.",
                field,
                NO_NUMBER,
            )
        elif value in used:
            result[opportunity_id] = taken(value, used[value])
        elif value in reserved:
            result[opportunity_id] = Problem(
                f"Another approved invoice already takes the number {value}.", field, NO_NUMBER
            )
        else:
            result[opportunity_id] = value
    return result
