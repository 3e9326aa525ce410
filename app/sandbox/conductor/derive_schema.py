"""Derives the compact `schema.json` the sandbox validates against from Conductor's OpenAPI spec.

Usage: `python -m app.sandbox.conductor.derive_schema <openapi.yml> [output.json]`

Keeps only the operations the sandbox serves and the component schemas they reach, with the
structure (types, enums, lengths, required, additionalProperties, formats, defaults) and none of
the prose, examples or code samples, so the runtime needs neither PyYAML nor the 4 MB spec.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import yaml

OUTPUT = Path(__file__).with_name("schema.json")

SERVED: tuple[tuple[str, str], ...] = (
    ("GET", "/quickbooks-desktop/health-check"),
    ("POST", "/end-users"),
    ("GET", "/end-users"),
    ("GET", "/end-users/{id}"),
    ("DELETE", "/end-users/{id}"),
    ("POST", "/auth-sessions"),
    ("GET", "/quickbooks-desktop/accounts"),
    ("GET", "/quickbooks-desktop/accounts/{id}"),
    ("GET", "/quickbooks-desktop/customers"),
    ("POST", "/quickbooks-desktop/customers"),
    ("GET", "/quickbooks-desktop/customers/{id}"),
    ("POST", "/quickbooks-desktop/customers/{id}"),
    ("GET", "/quickbooks-desktop/service-items"),
    ("POST", "/quickbooks-desktop/service-items"),
    ("GET", "/quickbooks-desktop/service-items/{id}"),
    ("POST", "/quickbooks-desktop/service-items/{id}"),
    ("GET", "/quickbooks-desktop/non-inventory-items"),
    ("POST", "/quickbooks-desktop/non-inventory-items"),
    ("GET", "/quickbooks-desktop/non-inventory-items/{id}"),
    ("POST", "/quickbooks-desktop/non-inventory-items/{id}"),
    ("GET", "/quickbooks-desktop/invoices"),
    ("POST", "/quickbooks-desktop/invoices"),
    ("GET", "/quickbooks-desktop/invoices/{id}"),
    ("POST", "/quickbooks-desktop/invoices/{id}"),
    ("DELETE", "/quickbooks-desktop/invoices/{id}"),
    ("POST", "/quickbooks-desktop/invoices/{id}/void"),
    ("GET", "/quickbooks-desktop/receive-payments"),
    ("POST", "/quickbooks-desktop/receive-payments"),
    ("GET", "/quickbooks-desktop/receive-payments/{id}"),
    ("POST", "/quickbooks-desktop/receive-payments/{id}"),
    ("DELETE", "/quickbooks-desktop/receive-payments/{id}"),
    ("GET", "/quickbooks-desktop/credit-memos"),
    ("POST", "/quickbooks-desktop/credit-memos"),
    ("GET", "/quickbooks-desktop/credit-memos/{id}"),
    ("DELETE", "/quickbooks-desktop/credit-memos/{id}"),
    ("POST", "/quickbooks-desktop/credit-memos/{id}/void"),
    ("GET", "/quickbooks-desktop/sales-tax-codes"),
    ("GET", "/quickbooks-desktop/sales-tax-codes/{id}"),
    ("GET", "/quickbooks-desktop/deleted-transactions"),
    ("GET", "/quickbooks-desktop/deleted-list-objects"),
    ("GET", "/quickbooks-desktop/preferences"),
    ("GET", "/quickbooks-desktop/vendors"),
    ("GET", "/quickbooks-desktop/employees"),
    ("GET", "/quickbooks-desktop/other-names"),
)

#: Always kept: every error body is validated against these.
ALWAYS = ("Error", "ErrorResponse")

_PROSE = {"description", "example", "examples", "title", "summary", "deprecated"}
_REF_PREFIX = "#/components/schemas/"


class _Loader(yaml.CSafeLoader):
    """YAML 1.1 would turn example timestamps into datetimes; the spec means strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def compact(node: Any, refs: set[str]) -> Any:
    """A schema without prose; `$ref`s point into `$defs` and are collected in `refs`."""
    if isinstance(node, list):
        return [compact(item, refs) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _PROSE or key.startswith("x-"):
            continue
        if key == "$ref":
            name = value.removeprefix(_REF_PREFIX)
            refs.add(name)
            out[key] = f"#/$defs/{name}"
        elif key == "properties":
            out[key] = {prop: compact(schema, refs) for prop, schema in value.items()}
        else:
            out[key] = compact(value, refs)
    return out


def _operation(op: dict[str, Any], refs: set[str]) -> dict[str, Any]:
    parameters = [
        {
            "in": p["in"],
            "name": p["name"],
            "required": bool(p.get("required", False)),
            "schema": compact(p.get("schema", {}), refs),
        }
        for p in op.get("parameters", [])
    ]
    body = op.get("requestBody")
    request_body = None
    if body is not None:
        request_body = {
            "required": bool(body.get("required", False)),
            "schema": compact(body["content"]["application/json"]["schema"], refs),
        }
    response = op["responses"]["200"]["content"]["application/json"]["schema"]
    return {
        "parameters": parameters,
        "requestBody": request_body,
        "response": compact(response, refs),
    }


def derive(spec: dict[str, Any]) -> dict[str, Any]:
    refs: set[str] = set(ALWAYS)
    operations: dict[str, Any] = {}
    for method, path in SERVED:
        operations[f"{method} {path}"] = _operation(spec["paths"][path][method.lower()], refs)
    components = spec["components"]["schemas"]
    defs: dict[str, Any] = {}
    pending = sorted(refs)
    while pending:
        name = pending.pop()
        if name in defs:
            continue
        found: set[str] = set()
        defs[name] = compact(components[name], found)
        pending.extend(sorted(found - defs.keys()))
    return {
        "info": {
            "title": spec["info"].get("title"),
            "version": spec["info"].get("version"),
            "basePath": "/v1",
        },
        "operations": operations,
        "$defs": dict(sorted(defs.items())),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print("usage: python -m app.sandbox.conductor.derive_schema <openapi.yml> [out.json]")
        return 2
    source = Path(args[0])
    raw = source.read_bytes()
    spec = yaml.load(raw, Loader=_Loader)  # noqa: S506 - a safe loader without timestamps
    derived = derive(spec)
    derived["info"]["sourceSha256"] = hashlib.sha256(raw).hexdigest()
    target = Path(args[1]) if len(args) == 2 else OUTPUT
    target.write_text(json.dumps(derived, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"wrote {target} ({len(derived['operations'])} operations, {len(derived['$defs'])} schemas)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
