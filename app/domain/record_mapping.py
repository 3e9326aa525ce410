"""Mapping whole records between the two systems, driven by the field maps.

QuickBooks -> Salesforce: the record to upsert on the workflow's External ID field, holding the
fields QuickBooks owns. Salesforce -> QuickBooks: the fields Salesforce owns, nested in
Conductor's request shape; `quickbooks_create_body` and `quickbooks_update_body` finish it.
Bad data never raises: each function returns a `MapResult` with the record or its problems.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.domain.convert import Destination, FieldWording, convert, text_value
from app.domain.currencies import iso_code
from app.domain.fieldmap import FieldRule, FieldType, MappingConfig, Side
from app.domain.money import InvalidAmountError, parse_decimal
from app.domain.outcomes import MapResult, Problem
from app.domain.workflows import (
    STATUS_DELETED,
    STATUS_OPEN,
    STATUS_PAID,
    STATUS_PENDING,
    STATUS_USED,
    STATUS_VOIDED,
    workflow,
)

QUICKBOOKS_ADDRESS_LINES = 5
# Enough significant digits that a float carries the amount exactly into JSON.
_FLOAT_SAFE_DIGITS = 15
_NUMBERED_FIELD = re.compile(r"(.*?)(\d+)")


class _MalformedPathError(ValueError):
    pass


def read_path(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path; None where a step is missing or empty."""
    value: Any = record
    for step in path.split("."):
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise _MalformedPathError(path)
        value = value.get(step)
    return value


def write_path(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for step in parents:
        target = target.setdefault(step, {})
    target[leaf] = value


def read_first(
    record: Mapping[str, Any], paths: tuple[str, ...], system: str, rule: FieldRule
) -> tuple[Any, str, Problem | None]:
    """The first value found along `paths`, the path it came from, or a problem."""
    for path in paths:
        try:
            value = read_path(record, path)
        except _MalformedPathError:
            return None, path, _malformed(rule, path, system)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value, path, None
    return None, paths[0], None


def map_quickbooks_record(config: MappingConfig, workflow_id: str, record: object) -> MapResult:
    """The Salesforce record mirroring a QuickBooks record (customers: its balance)."""
    definition = workflow(workflow_id)
    if not isinstance(record, Mapping):
        return MapResult.failed([_not_a_record("QuickBooks")])
    qb_id = record.get("id")
    if not isinstance(qb_id, str) or not qb_id.strip():
        return MapResult.failed(
            [Problem("The QuickBooks record has no id, so it cannot be linked.", "id", "no_id")]
        )
    to = Destination(Side.SALESFORCE, definition.id.value, definition.salesforce_object)
    mapped: dict[str, Any] = {definition.quickbooks_id_field: qb_id}
    problems: list[Problem] = []
    for rule in config.for_workflow(workflow_id).owned_by(Side.QUICKBOOKS):
        if rule.type is FieldType.INVOICE_STATUS:
            mapped[rule.target] = invoice_status(record)
            continue
        if rule.type is FieldType.LINKED_TRANSACTIONS:
            mapped[rule.target] = linked_transactions_text(read_path(record, rule.sources[0]))
            continue
        if rule.type is FieldType.CURRENCY_CODE:
            code = iso_code(read_path(record, rule.sources[0]))
            if code is not None:  # a record without a currency keeps the org's default
                mapped[rule.target] = code
            continue
        raw, source, problem = read_first(record, rule.sources, "QuickBooks", rule)
        if problem is None:
            value, problem = convert(rule, raw, source, to)
        if problem is not None:
            problems.append(problem)
            continue
        if value is None and rule.required:
            problems.append(FieldWording(rule, source, to).missing())
            continue
        if rule.type is FieldType.LOOKUP:
            if value is not None:
                mapped[rule.target] = {rule.lookup_key: value}
            continue
        mapped[rule.target] = value
    return MapResult.failed(problems) if problems else MapResult.mapped(mapped)


def map_salesforce_record(
    config: MappingConfig, workflow_id: str, record: object, *, line_fields: bool = False
) -> MapResult:
    """The QuickBooks fields a Salesforce record owns, in Conductor's request shape.

    An empty value is no instruction and is left out, so QuickBooks keeps what it has; a row
    marked `clear_when_empty` sends "" (text) or None instead, so an update empties it.
    With `line_fields`, the workflow's line rows are used (opportunity products).
    """
    definition = workflow(workflow_id)
    if not isinstance(record, Mapping):
        return MapResult.failed([_not_a_record("Salesforce")])
    workflow_map = config.for_workflow(workflow_id)
    rules = (
        workflow_map.lines_owned_by(Side.SALESFORCE)
        if line_fields
        else workflow_map.owned_by(Side.SALESFORCE)
    )
    to = Destination(Side.QUICKBOOKS, definition.id.value, definition.salesforce_object)
    body: dict[str, Any] = {}
    problems: list[Problem] = []
    for rule in rules:
        raw, source, problem = read_first(record, rule.sources, "Salesforce", rule)
        if problem is not None:
            problems.append(problem)
            continue
        if raw is None and not rule.required and not rule.clear_when_empty:
            continue
        if rule.type is FieldType.STREET:
            problem = _write_street(body, rule, raw, source, to)
            if problem is not None:
                problems.append(problem)
            continue
        value, problem = convert(rule, raw, source, to)
        if problem is not None:
            problems.append(problem)
            continue
        if value is None and rule.required:
            problems.append(FieldWording(rule, source, to).missing())
            continue
        if value is None and not rule.clear_when_empty:
            continue
        if value is None and rule.type in (FieldType.TEXT, FieldType.LONG_TEXT):
            value = ""
        write_path(body, rule.target, value)
    return MapResult.failed(problems) if problems else MapResult.mapped(body)


def _write_street(
    body: dict[str, Any], rule: FieldRule, raw: object, source: str, to: Destination
) -> Problem | None:
    """A multi-line street spread over numbered address lines; unused lines are emptied."""
    wording = FieldWording(rule, source, to)
    numbered = _NUMBERED_FIELD.fullmatch(rule.target)
    if numbered is None:
        value, problem = text_value(rule, raw, wording, rule.target, multiline=False)
        if problem is None:
            write_path(body, rule.target, value or "")
        return problem
    prefix, first = numbered.group(1), int(numbered.group(2))
    slots = [f"{prefix}{n}" for n in range(first, QUICKBOOKS_ADDRESS_LINES + 1)]
    text, problem = text_value(rule, raw, wording, slots[0], multiline=True)
    if problem is not None:
        return problem
    lines = [line.strip() for line in (text or "").split("\n") if line.strip()]
    if rule.required and not lines:
        return wording.missing()
    if len(lines) > len(slots):
        return wording.problem(
            "too_many_lines",
            f"has {len(lines)} lines; QuickBooks has room for {len(slots)}",
            "Put it on fewer lines in Salesforce.",
        )
    for slot, line in zip(slots, lines + [""] * (len(slots) - len(lines)), strict=True):
        value, problem = text_value(rule, line, wording, slot, multiline=False)
        if problem is not None:
            return problem
        write_path(body, slot, value or "")
    return None


def quickbooks_create_body(
    mapped: Mapping[str, Any], external_id: str | None = None
) -> dict[str, Any]:
    """A Conductor create body: empty values left out, `externalId` added when given."""
    body = _without_empty(mapped, drop_blank_text=True)
    if external_id is not None:
        body["externalId"] = external_id
    return body


def quickbooks_update_body(mapped: Mapping[str, Any], revision_number: str) -> dict[str, Any]:
    """A Conductor update body: emptied text sent as "" so QuickBooks clears it."""
    body = _without_empty(mapped, drop_blank_text=False)
    body["revisionNumber"] = revision_number
    return body


def _without_empty(mapped: Mapping[str, Any], *, drop_blank_text: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in mapped.items():
        if isinstance(value, Mapping):
            value = _without_empty(value, drop_blank_text=drop_blank_text)
            if not value:
                continue
        elif value is None or (drop_blank_text and value == ""):
            continue
        result[key] = value
    return result


def invoice_status(invoice: Mapping[str, Any]) -> str:
    """Pending, Open, Paid or Voided; a credit memo is Open until its credit is used.

    QuickBooks marks a voided invoice by zero amounts and a VOID memo, and a pending (not yet
    final) one by `isPending`.
    """
    memo = invoice.get("memo")
    if (
        isinstance(memo, str)
        and memo.strip().upper().startswith("VOID")
        and _is_zero(invoice.get("subtotal"))
    ):
        return STATUS_VOIDED
    if invoice.get("isPending") is True:
        return STATUS_PENDING
    if "creditRemaining" in invoice:
        return STATUS_USED if _is_zero(invoice.get("creditRemaining")) else STATUS_OPEN
    return STATUS_PAID if invoice.get("isPaid") is True else STATUS_OPEN


_TRANSACTION_WORDS = {
    "invoice": "Invoice",
    "receive_payment": "Payment",
    "credit_memo": "Credit memo",
}


def linked_transactions_text(links: object) -> str | None:
    """One line per linked transaction: "Invoice 1042 (2025-07-01): 300.00"; None if none.

    Reads both QuickBooks shapes: a payment's `appliedToTransactions` and a transaction's
    `linkedTransactions`; amounts are shown without QuickBooks' sign.
    """
    if not isinstance(links, list):
        return None
    lines = []
    for link in links:
        if not isinstance(link, Mapping):
            continue
        kind = str(link.get("transactionType") or "")
        word = _TRANSACTION_WORDS.get(kind, kind.replace("_", " ").capitalize())
        ref = link.get("refNumber") or link.get("transactionId") or link.get("id") or ""
        day = link.get("transactionDate")
        try:
            amount = f"{abs(parse_decimal(link.get('amount'))):.2f}"
        except InvalidAmountError:
            amount = "?"
        lines.append(f"{word} {ref}{f' ({day})' if day else ''}: {amount}".strip())
    return "\n".join(lines) or None


def _is_zero(value: object) -> bool:
    try:
        return value is not None and parse_decimal(value).is_zero()
    except InvalidAmountError:
        return False


def deleted_mark(workflow_id: str, quickbooks_id: str) -> dict[str, Any]:
    """The update marking a Salesforce mirror whose QuickBooks record was deleted.

    Keyed by the External ID field; send it only for records already linked, since an upsert
    would otherwise create a bare record.
    """
    definition = workflow(workflow_id)
    if definition.status_field is None:
        raise ValueError(f"the {workflow_id} workflow has no status field")
    return {definition.quickbooks_id_field: quickbooks_id, definition.status_field: STATUS_DELETED}


def writeback_record(workflow_id: str, salesforce_id: str, quickbooks_id: str) -> dict[str, Any]:
    """The Salesforce update storing a new QuickBooks id on the record it came from."""
    definition = workflow(workflow_id)
    return {"Id": salesforce_id, definition.quickbooks_id_field: quickbooks_id}


def salesforce_json(record: Mapping[str, Any]) -> dict[str, Any]:
    """`record` with Decimals as JSON-ready numbers (float when exact, else decimal text)."""
    return {key: _json_value(value) for key, value in record.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return salesforce_json(value)
    if isinstance(value, Decimal):
        digits = len(value.as_tuple().digits)
        return float(value) if digits <= _FLOAT_SAFE_DIGITS else f"{value:f}"
    return value


def _malformed(rule: FieldRule, path: str, system: str) -> Problem:
    return Problem(
        f"{rule.name}: {system} sent '{path}' in a form this app does not understand.",
        field=path,
        code="malformed",
    )


def _not_a_record(system: str) -> Problem:
    return Problem(f"{system} sent something that is not a record.", code="malformed")
