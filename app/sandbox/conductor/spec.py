"""The served part of Conductor's API as data: routing, request validation, response shapes.

Loads `schema.json` (made by `derive_schema`), matches requests to operations, turns query
strings into typed values, reports what the spec would reject in Conductor's own words
(`Too big: expected string to have <=41 characters at "name"`), validates response bodies and
fills objects out to their full schema shape (every property present, nullable ones null).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema import _types as json_types
from jsonschema._utils import equal as json_equal
from jsonschema.exceptions import ValidationError
from werkzeug.datastructures import MultiDict

SCHEMA_PATH = Path(__file__).with_name("schema.json")

_FORMATS = FormatChecker(formats=("date", "uuid"))


@_FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = urlparse(value)
    return bool(parsed.scheme and parsed.netloc)


@dataclass
class Operation:
    method: str
    template: str
    parameters: list[dict[str, Any]]
    request_body: dict[str, Any] | None
    response: dict[str, Any]
    defs: dict[str, Any] = field(repr=False)

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @cached_property
    def regex(self) -> re.Pattern[str]:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        return re.compile(f"^{pattern}$")

    def params(self, location: str) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self.parameters if p["in"] == location}

    @cached_property
    def query_validator(self) -> Draft202012Validator:
        params = self.params("query")
        schema = {
            "type": "object",
            "properties": {name: p["schema"] for name, p in params.items()},
            "required": [name for name, p in params.items() if p["required"]],
            "additionalProperties": False,
        }
        return self._validator(schema)

    @cached_property
    def path_validator(self) -> Draft202012Validator:
        params = self.params("path")
        schema = {"type": "object", "properties": {n: p["schema"] for n, p in params.items()}}
        return self._validator(schema)

    @cached_property
    def body_validator(self) -> Draft202012Validator | None:
        if self.request_body is None:
            return None
        return self._validator(self.request_body["schema"])

    @cached_property
    def response_validator(self) -> Draft202012Validator:
        return self._validator(self.response)

    @cached_property
    def response_is_valid(self) -> Callable[[Any], bool] | None:
        return compile_validity(self.response, self.defs)

    def _validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        return Draft202012Validator({**schema, "$defs": self.defs}, format_checker=_FORMATS)

    # -- requests ---------------------------------------------------------------------------
    def typed_query(self, args: MultiDict[str, str]) -> dict[str, Any]:
        """Query values typed by their schema; unknown keys are kept so validation sees them."""
        params = self.params("query")
        values: dict[str, Any] = {}
        for name in args:
            raw = args.getlist(name)
            schema = params.get(name, {}).get("schema", {})
            if schema.get("type") == "array":
                item_schema = schema.get("items", {})
                values[name] = [_coerce(v, item_schema) for v in raw]
            elif len(raw) > 1:
                values[name] = raw
            else:
                values[name] = _coerce(raw[0], schema)
        return values

    def request_problems(
        self,
        *,
        query: dict[str, Any],
        path: dict[str, str],
        headers: Mapping[str, str],
        body: Any,
    ) -> list[str]:
        """What Conductor would reject in this request, one message per problem."""
        problems: list[str] = []
        for name, param in self.params("header").items():
            if param["required"] and not headers.get(name):
                problems.append(f'Invalid input: expected string, received undefined at "{name}"')
        problems += _messages(self.path_validator.iter_errors(path))
        problems += _messages(self.query_validator.iter_errors(query))
        if self.request_body is not None:
            if body is None:
                if self.request_body["required"]:
                    problems.append("Invalid input: expected object, received undefined")
            elif self.body_validator is not None:
                problems += _messages(self.body_validator.iter_errors(body))
        return problems

    def defaults(self) -> dict[str, Any]:
        return {
            name: p["schema"]["default"]
            for name, p in self.params("query").items()
            if "default" in p["schema"]
        }


class Spec:
    def __init__(self, data: dict[str, Any]) -> None:
        self.defs: dict[str, Any] = data["$defs"]
        self.base_path: str = data["info"]["basePath"]
        self.operations: dict[str, Operation] = {
            key: Operation(
                method=key.split(" ", 1)[0],
                template=key.split(" ", 1)[1],
                parameters=op["parameters"],
                request_body=op["requestBody"],
                response=op["response"],
                defs=self.defs,
            )
            for key, op in data["operations"].items()
        }
        self._error_validator = Draft202012Validator(
            {"$ref": "#/$defs/ErrorResponse", "$defs": self.defs}, format_checker=_FORMATS
        )
        self._error_is_valid = compile_validity({"$ref": "#/$defs/ErrorResponse"}, self.defs)

    @classmethod
    def load(cls, path: Path = SCHEMA_PATH) -> Spec:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation for a path below the base path, or None (unknown URL or method)."""
        for op in self.operations.values():
            if op.method != method:
                continue
            found = op.regex.match(path)
            if found:
                return op, found.groupdict()
        return None

    # -- responses --------------------------------------------------------------------------
    def response_problems(self, op: Operation | None, status: int, body: Any) -> list[str]:
        success = op is not None and status < 400
        is_valid = op.response_is_valid if op is not None and success else self._error_is_valid
        # jsonschema walks a valid body ten times slower; it only words the problems of the rest.
        if is_valid is not None and is_valid(body):
            return []
        validator = op.response_validator if op is not None and success else None
        errors = (validator or self._error_validator).iter_errors(body)
        return [f"{_path(e.absolute_path) or '(root)'}: {e.message}" for e in errors]

    def complete(self, name: str, obj: dict[str, Any]) -> dict[str, Any]:
        """`obj` with every property of schema `name` present, in schema order."""
        return _complete(self.defs[name], obj, self.defs)


@lru_cache(maxsize=1)
def shared_spec() -> Spec:
    """One Spec per process: it is read-only, and its validators are compiled on first use."""
    return Spec.load()


# -- a fast yes/no for response bodies ----------------------------------------------------------

Check = Callable[[Any], bool]

_TYPES: dict[str, Callable[[Any, Any], bool]] = {
    "array": json_types.is_array,
    "boolean": json_types.is_bool,
    "integer": json_types.is_integer,
    "null": json_types.is_null,
    "number": json_types.is_number,
    "object": json_types.is_object,
    "string": json_types.is_string,
}


class _UnsupportedError(Exception):
    """A keyword the fast check does not know; that schema is left to jsonschema alone."""


def compile_validity(schema: Any, defs: dict[str, Any]) -> Check | None:
    """A function saying exactly whether jsonschema (Draft 2020-12, with this module's formats)
    finds no error in an instance; None when the schema uses a keyword it does not cover."""
    try:
        return _compile(schema, defs, ())
    except _UnsupportedError:
        return None


def _compile(schema: Any, defs: dict[str, Any], refs: tuple[str, ...]) -> Check:
    if schema is True or schema == {}:
        return lambda instance: True
    if schema is False:
        return lambda instance: False
    if not isinstance(schema, dict):
        raise _UnsupportedError(repr(schema))
    if "$ref" in schema:
        ref = schema["$ref"]
        if len(schema) > 1 or not ref.startswith("#/$defs/") or ref in refs:
            raise _UnsupportedError(ref)
        return _compile(defs[ref.rsplit("/", 1)[-1]], defs, (*refs, ref))
    checks: list[Check] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        compiler = _KEYWORDS.get(keyword)
        if compiler is None:
            raise _UnsupportedError(keyword)
        checks.append(compiler(value, schema, defs, refs))
    if len(checks) == 1:
        return checks[0]
    return lambda instance: all(check(instance) for check in checks)


_ANNOTATIONS = frozenset({"default", "description", "title", "examples", "deprecated"})


def _type(value: Any, schema: dict[str, Any], defs: dict[str, Any], refs: tuple[str, ...]) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    if any(name not in _TYPES for name in names):
        raise _UnsupportedError(f"type {value}")
    tests = [_TYPES[name] for name in names]
    if len(tests) == 1:
        test = tests[0]
        return lambda instance: test(None, instance)
    return lambda instance: any(test(None, instance) for test in tests)


def _any_of(
    value: Any, schema: dict[str, Any], defs: dict[str, Any], refs: tuple[str, ...]
) -> Check:
    branches = [_compile(branch, defs, refs) for branch in value]
    return lambda instance: any(branch(instance) for branch in branches)


def _properties(
    value: Any, schema: dict[str, Any], defs: dict[str, Any], refs: tuple[str, ...]
) -> Check:
    props = [(name, _compile(sub, defs, refs)) for name, sub in value.items()]

    def check(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return True
        return all(sub(instance[name]) for name, sub in props if name in instance)

    return check


def _required(
    value: Any, schema: dict[str, Any], defs: dict[str, Any], refs: tuple[str, ...]
) -> Check:
    names = list(value)
    return lambda instance: not isinstance(instance, dict) or all(n in instance for n in names)


def _additional(
    value: Any, schema: dict[str, Any], defs: dict[str, Any], refs: tuple[str, ...]
) -> Check:
    if "patternProperties" in schema:
        raise _UnsupportedError("patternProperties")
    known = frozenset(schema.get("properties", {}))
    if isinstance(value, dict):
        extra = _compile(value, defs, refs)
        return lambda instance: (
            not isinstance(instance, dict)
            or all(extra(instance[key]) for key in instance if key not in known)
        )
    if value:
        return lambda instance: True
    return lambda instance: not isinstance(instance, dict) or known.issuperset(instance)


def _items(
    value: Any, schema: dict[str, Any], defs: dict[str, Any], refs: tuple[str, ...]
) -> Check:
    if "prefixItems" in schema:
        raise _UnsupportedError("prefixItems")
    item = _compile(value, defs, refs)
    return lambda instance: not isinstance(instance, list) or all(item(i) for i in instance)


def _enum(value: Any, schema: dict[str, Any], defs: dict[str, Any], refs: tuple[str, ...]) -> Check:
    options = list(value)
    return lambda instance: any(json_equal(option, instance) for option in options)


def _const(
    value: Any, schema: dict[str, Any], defs: dict[str, Any], refs: tuple[str, ...]
) -> Check:
    return lambda instance: json_equal(instance, value)


def _format(
    value: Any, schema: dict[str, Any], defs: dict[str, Any], refs: tuple[str, ...]
) -> Check:
    return lambda instance: _FORMATS.conforms(instance, value)


def _max_length(
    value: Any, schema: dict[str, Any], defs: dict[str, Any], refs: tuple[str, ...]
) -> Check:
    return lambda instance: not isinstance(instance, str) or len(instance) <= value


_KEYWORDS: dict[str, Callable[[Any, dict[str, Any], dict[str, Any], tuple[str, ...]], Check]] = {
    "type": _type,
    "anyOf": _any_of,
    "properties": _properties,
    "required": _required,
    "additionalProperties": _additional,
    "items": _items,
    "enum": _enum,
    "const": _const,
    "format": _format,
    "maxLength": _max_length,
}


def _complete(schema: dict[str, Any], obj: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop, prop_schema in schema.get("properties", {}).items():
        value = obj.get(prop)
        out[prop] = _fill(prop_schema, value, defs)
    return out


def _fill(schema: dict[str, Any], value: Any, defs: dict[str, Any]) -> Any:
    plan = _plan(schema, defs)
    if value is None and plan.nullable:
        return None
    if plan.items is not None:
        return [_fill(plan.items, v, defs) for v in value] if value else []
    if plan.properties is not None and isinstance(value, dict):
        return {prop: _fill(sub, value.get(prop), defs) for prop, sub in plan.properties}
    return value


@dataclass(frozen=True)
class _Plan:
    """How `_fill` treats one schema, worked out once: its $ref and anyOf resolved."""

    nullable: bool
    items: dict[str, Any] | None
    properties: list[tuple[str, dict[str, Any]]] | None


#: Plans by id of the schema dict, kept with the schema (so an id is never reused) and defs.
_PLANS: dict[int, tuple[dict[str, Any], dict[str, Any], _Plan]] = {}


def _plan(schema: dict[str, Any], defs: dict[str, Any]) -> _Plan:
    known = _PLANS.get(id(schema))
    if known is not None and known[0] is schema and known[1] is defs:
        return known[2]
    resolved = _resolve(schema, defs)
    nullable = False
    branches = resolved.get("anyOf")
    if branches is not None:
        nullable = any(_resolve(b, defs).get("type") == "null" for b in branches)
        concrete = [_resolve(b, defs) for b in branches if _resolve(b, defs).get("type") != "null"]
        resolved = concrete[0] if len(concrete) == 1 else resolved
    kind = resolved.get("type")
    plan = _Plan(
        nullable=nullable,
        items=resolved.get("items", {}) if kind == "array" else None,
        properties=list(resolved["properties"].items())
        if kind == "object" and "properties" in resolved
        else None,
    )
    _PLANS[id(schema)] = (schema, defs, plan)
    return plan


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return defs[ref.rsplit("/", 1)[-1]] if ref else schema


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            number = float(raw)
            return int(number) if number.is_integer() else number
    except ValueError:
        return raw
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


# -- messages in Conductor's (zod's) wording ----------------------------------------------------


def _messages(errors: Iterable[ValidationError]) -> list[str]:
    out: list[str] = []
    for error in sorted(errors, key=lambda e: (_path(e.absolute_path), e.validator)):
        message = _message(error)
        if message not in out:
            out.append(message)
    return out


def _message(error: ValidationError) -> str:
    path = list(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    if kind == "required":
        missing = _quoted_first(error.message)
        prop_schema = error.schema.get("properties", {}).get(missing, {})
        expected = _expected(prop_schema)
        return _at(f"Invalid input: expected {expected}, received undefined", [*path, missing])
    if kind == "additionalProperties":
        extra = sorted(set(instance) - set(error.schema.get("properties", {})))
        noun = "key" if len(extra) == 1 else "keys"
        keys = ", ".join(f'"{k}"' for k in extra)
        return _at(f"Unrecognized {noun}: {keys}", path)
    if kind == "type":
        return _at(
            f"Invalid input: expected {_expected(error.schema)}, received {_kind(instance)}", path
        )
    if kind == "maxLength":
        return _at(f"Too big: expected string to have <={value} characters", path)
    if kind == "minLength":
        return _at(f"Too small: expected string to have >={value} characters", path)
    if kind == "maximum":
        return _at(f"Too big: expected number to be <={value}", path)
    if kind == "minimum":
        return _at(f"Too small: expected number to be >={value}", path)
    if kind == "minItems":
        return _at(f"Too small: expected array to have >={value} items", path)
    if kind == "enum":
        options = "|".join(json.dumps(v) for v in value)
        return _at(f"Invalid option: expected one of {options}", path)
    if kind == "const":
        return _at(f"Invalid input: expected {json.dumps(value)}", path)
    if kind == "format":
        label = {"date": "ISO date", "uuid": "UUID", "uri": "URL"}.get(value, value)
        return _at(f"Invalid {label}", path)
    return _at("Invalid input", path)


def _expected(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "integer":
        return "number"
    if isinstance(kind, str):
        return kind
    return "value"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _quoted_first(message: str) -> str:
    found = re.match(r"'([^']*)'", message)
    return found.group(1) if found else message


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _at(message: str, path: list[Any]) -> str:
    where = _path(path)
    return f'{message} at "{where}"' if where else message
