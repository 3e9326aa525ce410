"""Reading a field-map file: TOML text in, a checked `MappingConfig` or plain-worded issues out.

The caller reads the file; this module only parses and checks its text, so a file that is not
TOML, not UTF-8, or breaks a rule (a field owned by both sides, an unknown type, a misspelt key)
ends as a `MappingFileError` listing every issue with its line and key, never as a crash.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from app.domain.fieldmap import TYPE_OWNER, FieldRule, FieldType, MappingConfig, Side, WorkflowMap
from app.domain.workflows import INVOICE, WORKFLOWS, WorkflowId

MAPPING_VERSION = 1
DEFAULT_MAPPING_RESOURCE = "default_mapping.toml"

_ROW_KEYS = (
    "label",
    "salesforce",
    "quickbooks",
    "owner",
    "type",
    "required",
    "max_length",
    "lookup_key",
    "clear_when_empty",
)
_WORKFLOW_KEYS = ("fields", "line_fields")
_SALESFORCE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*")
_QUICKBOOKS_PATH = re.compile(r"[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")
_TABLE_HEADER = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")

# QuickBooks fields the app writes itself, per workflow.
_RESERVED_QUICKBOOKS: dict[str, frozenset[str]] = {
    WorkflowId.CUSTOMERS: frozenset({"id", "revisionNumber", "externalId", "isActive"}),
    WorkflowId.OPPORTUNITIES: frozenset(
        {"id", "revisionNumber", "externalId", "customerId", "lines"}
    ),
}
_RESERVED_QUICKBOOKS_LINE = frozenset({"id", "itemId"})
# A field map must fill these, or the destination refuses every record.
_REQUIRED_TARGETS: dict[str, tuple[Side, str]] = {
    WorkflowId.CUSTOMERS: (Side.SALESFORCE, "name"),
    WorkflowId.ITEMS: (Side.QUICKBOOKS, "Name"),
    WorkflowId.INVOICES: (Side.QUICKBOOKS, "Name"),
    WorkflowId.OPPORTUNITIES: (Side.SALESFORCE, "transactionDate"),
}


@dataclass(frozen=True)
class MappingIssue:
    message: str
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.key:
            where.append(self.key)
        return f"{', '.join(where)}: {self.message}" if where else self.message


class MappingFileError(ValueError):
    def __init__(self, source: str, issues: list[MappingIssue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        listed = "\n".join(f"- {issue}" for issue in self.issues)
        super().__init__(f"The field map file {source} has problems:\n{listed}")


def default_mapping_text() -> str:
    return resources.files(__package__).joinpath(DEFAULT_MAPPING_RESOURCE).read_text("utf-8")


@cache
def default_mapping() -> MappingConfig:
    source = "default field maps"
    return MappingConfig(maps=_checked(default_mapping_text(), source), source=source)


def parse_mapping(data: str | bytes, source: str = "field map file") -> MappingConfig:
    """The field maps in `data`; workflows it leaves out keep the defaults.

    Raises MappingFileError listing every issue found.
    """
    maps = {**default_mapping().maps, **_checked(data, source)}
    return MappingConfig(maps=maps, source=source)


def check_mapping(data: str | bytes) -> list[MappingIssue]:
    """Every issue in `data`, empty when the file is usable."""
    return _read(data)[1]


def _checked(data: str | bytes, source: str) -> dict[str, WorkflowMap]:
    maps, issues = _read(data)
    if issues:
        raise MappingFileError(source, issues)
    return maps


def _read(data: str | bytes) -> tuple[dict[str, WorkflowMap], list[MappingIssue]]:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return {}, [
                MappingIssue(
                    "The file is not plain UTF-8 text; it may be a different kind of file. "
                    f"(unreadable byte at position {exc.start})"
                )
            ]
    else:
        text = data.removeprefix("\ufeff")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return {}, [_syntax_issue(exc)]
    checker = _Checker(_RowLines(text))
    maps = checker.document(document)
    return maps, checker.issues


def _syntax_issue(exc: tomllib.TOMLDecodeError) -> MappingIssue:
    message = str(exc)
    position = _TOML_POSITION.search(message)
    line = int(position.group(1)) if position and position.group(1) else None
    reason = _TOML_POSITION.sub("", message).strip().rstrip(".")
    return MappingIssue(
        f"This line is not valid TOML ({reason}). Check quotes, '=' signs and brackets.", line
    )


class _RowLines:
    """Line numbers of `[[workflow.fields]]` rows and of the keys inside them."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._headers: dict[str, list[int]] = {}
        for number, line in enumerate(self._lines, start=1):
            match = _TABLE_HEADER.match(line)
            if match:
                name = re.sub(r"[\s\"']", "", match.group(1))
                self._headers.setdefault(name, []).append(number)

    def table(self, name: str) -> int | None:
        pattern = re.compile(
            rf"^\s*(?:\[\[?\s*[\"']?{re.escape(name)}[\"']?\s*[.\]]|{re.escape(name)}\s*=)"
        )
        for number, line in enumerate(self._lines, start=1):
            if pattern.match(line):
                return number
        return None

    def row(self, table: str, index: int) -> int | None:
        numbers = self._headers.get(table, [])
        return numbers[index] if index < len(numbers) else None

    def key(self, table: str, index: int, key: str) -> int | None:
        start = self.row(table, index)
        if start is None:
            return None
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number in range(start + 1, len(self._lines) + 1):
            line = self._lines[number - 1]
            if line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return number
        return start


class _Checker:
    def __init__(self, lines: _RowLines) -> None:
        self.lines = lines
        self.issues: list[MappingIssue] = []

    def add(self, message: str, line: int | None = None, key: str | None = None) -> None:
        self.issues.append(MappingIssue(message, line, key))

    def document(self, document: dict[str, Any]) -> dict[str, WorkflowMap]:
        version = document.get("version", MAPPING_VERSION)
        if version != MAPPING_VERSION or isinstance(version, bool):
            self.add(
                f"'version' must be {MAPPING_VERSION}, not {version!r}.",
                self.lines.table("version"),
                "version",
            )
        maps: dict[str, WorkflowMap] = {}
        for name, value in document.items():
            if name == "version":
                continue
            if name not in WORKFLOWS:
                self.add(
                    f"'{name}' is not a workflow{_suggest(name, list(WORKFLOWS))}. "
                    f"The workflows are: {', '.join(WORKFLOWS)}.",
                    self.lines.table(name),
                    name,
                )
                continue
            if not isinstance(value, dict):
                self.add(
                    f"must be a table of [[{name}.fields]] rows.", self.lines.table(name), name
                )
                continue
            workflow_map = self.workflow(WorkflowId(name), value)
            if workflow_map is not None:
                maps[name] = workflow_map
        return maps

    def workflow(self, workflow_id: WorkflowId, table: dict[str, Any]) -> WorkflowMap | None:
        name = workflow_id.value
        for key in table:
            if key not in _WORKFLOW_KEYS or (
                key == "line_fields" and workflow_id is not WorkflowId.OPPORTUNITIES
            ):
                allowed = (
                    ["fields", "line_fields"]
                    if workflow_id is WorkflowId.OPPORTUNITIES
                    else ["fields"]
                )
                self.add(
                    f"'{key}' is not a setting of a workflow{_suggest(key, allowed)}; "
                    f"use {' or '.join(f'[[{name}.{a}]]' for a in allowed)}.",
                    key=f"{name}.{key}",
                )
        before = len(self.issues)
        fields = self.rows(workflow_id, table, "fields")
        line_fields = self.rows(workflow_id, table, "line_fields")
        if len(self.issues) > before:
            return None
        self.check_owners(workflow_id, "fields", fields)
        self.check_owners(workflow_id, "line_fields", line_fields)
        required = _REQUIRED_TARGETS.get(name)
        if required is not None:
            owner, target = required
            if not any(r.owner is owner and r.target == target for r in fields):
                self.add(
                    f"The {name} workflow needs a row that fills the {owner.other.system} field "
                    f"'{target}' (owned by {owner.system}); {owner.other.system} refuses records "
                    "without it.",
                    key=f"{name}.fields",
                )
        if len(self.issues) > before:
            return None
        return WorkflowMap(workflow=name, fields=tuple(fields), line_fields=tuple(line_fields))

    def rows(self, workflow_id: WorkflowId, table: dict[str, Any], part: str) -> list[FieldRule]:
        value = table.get(part, [])
        name = f"{workflow_id.value}.{part}"
        if not isinstance(value, list):
            self.add(f"must be a list of [[{name}]] rows.", key=name)
            return []
        rules = []
        for index, row in enumerate(value):
            rule = self.row(workflow_id, part, index, row)
            if rule is not None:
                rules.append(rule)
        return rules

    def row(self, workflow_id: WorkflowId, part: str, index: int, row: object) -> FieldRule | None:
        table = f"{workflow_id.value}.{part}"
        where = f"{table} row {index + 1}"
        row_line = self.lines.row(table, index)
        if not isinstance(row, dict):
            self.add(
                "must be a table with salesforce, quickbooks, owner and type.", row_line, where
            )
            return None

        def problem(message: str, key: str | None = None) -> None:
            line = self.lines.key(table, index, key) if key else row_line
            self.add(message, line, f"{where}, '{key}'" if key else where)

        before = len(self.issues)
        for key in row:
            if key not in _ROW_KEYS:
                problem(f"'{key}' is not a known setting{_suggest(key, _ROW_KEYS)}.", key)
        for key in ("salesforce", "quickbooks", "owner", "type"):
            if key not in row:
                problem(f"'{key}' is missing.")
        if len(self.issues) > before:
            return None

        owner = _enum(Side, row["owner"])
        if owner is None:
            problem(
                f'\'owner\' must be "salesforce" or "quickbooks", not {row["owner"]!r}. '
                "Each field has exactly one owner.",
                "owner",
            )
            return None
        definition = WORKFLOWS[workflow_id]
        if owner not in definition.field_owners:
            only = next(iter(definition.field_owners))
            problem(
                f"In the {workflow_id.value} workflow {only.system} owns every field; this row "
                f"cannot be owned by {owner.system}.",
                "owner",
            )
        field_type = _enum(FieldType, row["type"])
        if field_type is None:
            problem(
                f"'type' {row['type']!r} is unknown"
                f"{_suggest(str(row['type']), [t.value for t in FieldType])}. "
                f"Use one of: {', '.join(t.value for t in FieldType)}.",
                "type",
            )
            return None
        needed_owner = TYPE_OWNER.get(field_type)
        if needed_owner is not None and needed_owner is not owner:
            problem(
                f"type '{field_type.value}' only works for fields owned by {needed_owner.system}.",
                "type",
            )
        salesforce = self.names(row["salesforce"], _SALESFORCE_NAME, "salesforce", problem)
        quickbooks = self.names(row["quickbooks"], _QUICKBOOKS_PATH, "quickbooks", problem)
        if salesforce is None or quickbooks is None:
            return None
        mirror_key, mirror = (
            ("quickbooks", quickbooks) if owner is Side.SALESFORCE else ("salesforce", salesforce)
        )
        if len(mirror) != 1:
            problem(
                f"'{mirror_key}' is the mirror side of this row and must name one field, "
                "not a list (only the owner side may list fall-backs).",
                mirror_key,
            )
            return None
        if owner is Side.QUICKBOOKS and "." in salesforce[0]:
            problem(
                "'salesforce' must be a field of the object itself, without a dot.", "salesforce"
            )
        if owner is Side.QUICKBOOKS and salesforce[0] == definition.quickbooks_id_field:
            problem(
                f"'{salesforce[0]}' holds the QuickBooks id and is managed by the app.",
                "salesforce",
            )
        reserved = (
            _RESERVED_QUICKBOOKS_LINE
            if part == "line_fields"
            else (_RESERVED_QUICKBOOKS.get(workflow_id.value, frozenset()))
        )
        if owner is Side.SALESFORCE and quickbooks[0].split(".")[0] in reserved:
            problem(f"QuickBooks field '{quickbooks[0]}' is managed by the app.", "quickbooks")

        label = row.get("label", "")
        if not isinstance(label, str):
            problem("'label' must be text in quotes.", "label")
        required = row.get("required", False)
        if not isinstance(required, bool):
            problem("'required' must be true or false.", "required")
        max_length = row.get("max_length")
        if max_length is not None and (
            isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1
        ):
            problem("'max_length' must be a whole number above 0.", "max_length")
        lookup_key = row.get("lookup_key")
        if field_type is FieldType.LOOKUP:
            if not isinstance(lookup_key, str) or not _SALESFORCE_NAME.fullmatch(lookup_key):
                problem(
                    "a lookup row needs 'lookup_key', the parent's External ID field.", "lookup_key"
                )
            if not salesforce[0].endswith("__r"):
                problem(
                    "a lookup row writes a relationship name ending in __r, such as "
                    f"{INVOICE.account_relationship}.",
                    "salesforce",
                )
        elif lookup_key is not None:
            problem("'lookup_key' only applies to rows of type 'lookup'.", "lookup_key")
        clear_when_empty = row.get("clear_when_empty", False)
        if not isinstance(clear_when_empty, bool):
            problem("'clear_when_empty' must be true or false.", "clear_when_empty")
        elif clear_when_empty and owner is not Side.SALESFORCE:
            problem(
                "'clear_when_empty' only applies to fields Salesforce owns: it lets an emptied "
                "Salesforce field empty the QuickBooks one.",
                "clear_when_empty",
            )
        if len(self.issues) > before:
            return None
        return FieldRule(
            salesforce=salesforce,
            quickbooks=quickbooks,
            owner=owner,
            type=field_type,
            label=label,
            required=required,
            max_length=max_length,
            lookup_key=lookup_key,
            clear_when_empty=clear_when_empty,
        )

    def names(
        self, value: object, pattern: re.Pattern[str], key: str, problem: Any
    ) -> tuple[str, ...] | None:
        names = [value] if isinstance(value, str) else value
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and pattern.fullmatch(n) for n in names)
        ):
            example = "BillingCity" if key == "salesforce" else "billingAddress.city"
            problem(
                f"'{key}' must be a field name such as \"{example}\" "
                "(or, on the owner side, a list of them).",
                key,
            )
            return None
        return tuple(names)

    def check_owners(self, workflow_id: WorkflowId, part: str, rules: list[FieldRule]) -> None:
        """One owner per field, and one row writing each mirror field."""
        table = f"{workflow_id.value}.{part}"
        for side in Side:
            owners: dict[str, tuple[Side, int]] = {}
            writers: dict[str, int] = {}
            for index, rule in enumerate(rules):
                names = rule.salesforce if side is Side.SALESFORCE else rule.quickbooks
                for field_name in names:
                    seen = owners.get(field_name)
                    if seen is not None and seen[0] is not rule.owner:
                        self.add(
                            f"{side.system} field '{field_name}' is owned by {seen[0].system} in "
                            f"row {seen[1] + 1} and by {rule.owner.system} in row {index + 1}. "
                            "A field has exactly one owner: remove one of the two rows.",
                            self.lines.row(table, index),
                            f"{table} row {index + 1}",
                        )
                    owners.setdefault(field_name, (rule.owner, index))
                if rule.owner is side.other:
                    written = rule.target
                    if written in writers:
                        self.add(
                            f"{side.system} field '{written}' is filled by row "
                            f"{writers[written] + 1} and again by row {index + 1}; "
                            "keep one of them.",
                            self.lines.row(table, index),
                            f"{table} row {index + 1}",
                        )
                    writers.setdefault(written, index)


def _enum(kind: Any, value: object) -> Any:
    if not isinstance(value, str):
        return None
    try:
        return kind(value.strip().lower())
    except ValueError:
        return None


def _suggest(word: str, choices: list[str] | tuple[str, ...] | Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
