"""One REST call as the API handlers see it, whether it came over HTTP or inside a Composite."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from app.sandbox.salesforce.errors import ApiError
from app.sandbox.salesforce.writes import RowLock, no_lock

DATA_PREFIX = "/services/data/"


@dataclass
class Call:
    method: str
    version: str
    segments: list[str]  # the path after /services/data/vNN.N/, each segment unquoted
    args: dict[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    raw: bytes = b""
    lock: RowLock = no_lock
    #: Set for calls made inside a Composite request.
    nested: bool = False

    def json(self) -> Any:
        if not self.raw.strip():
            return None
        try:
            return json.loads(self.raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(
                400, "JSON_PARSER_ERROR", f"Unexpected character in the body: {exc}"
            ) from None

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise ApiError(
                400,
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of the request body: a JSON object is required",
            )
        return body

    def flag(self, name: str) -> bool:
        return self.args.get(name, "").lower() == "true"


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    @classmethod
    def error(cls, exc: ApiError) -> Reply:
        return cls(exc.status, exc.body())


def split_url(url: str) -> tuple[str, list[str], dict[str, str]] | None:
    """(version, segments, query args) of a `/services/data/vNN.N/...` URL, or None."""
    parts = urlsplit(url)
    if not parts.path.startswith(DATA_PREFIX):
        return None
    rest = parts.path[len(DATA_PREFIX) :].strip("/")
    version, _, tail = rest.partition("/")
    if not (version.startswith("v") and _is_version(version[1:])):
        return None
    segments = [unquote(s) for s in tail.split("/")] if tail else []
    return version[1:], segments, dict(parse_qsl(parts.query, keep_blank_values=True))


def _is_version(text: str) -> bool:
    major, dot, minor = text.partition(".")
    return bool(dot) and major.isdigit() and minor.isdigit()
