"""Composite: up to 25 subrequests in one call, later ones using earlier results via
`@{referenceId.path}`; with `allOrNone` the first failure rolls everything back and every other
subrequest answers 400 PROCESSING_HALTED."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from app.sandbox.salesforce.calls import Call, Reply, split_url
from app.sandbox.salesforce.errors import ApiError
from app.sandbox.salesforce.org import Org

MAX_SUBREQUESTS = 25
MAX_QUERIES_AND_COLLECTIONS = 5
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)\.([^}]+)\}")
_REFERENCE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_PATH_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
HALTED = "The transaction was rolled back since another operation in the same transaction failed."


class _Unresolved(Exception):  # noqa: N818 - a reference that cannot be filled in
    pass


def _halted(message: str = HALTED) -> Reply:
    return Reply(400, [{"errorCode": "PROCESSING_HALTED", "message": message}])


def _lookup(body: Any, path: str) -> Any:
    value = body
    for name, index in _PATH_STEP.findall(path):
        if name:
            if not isinstance(value, dict) or name not in value:
                raise KeyError(path)
            value = value[name]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                raise KeyError(path)
            value = value[int(index)]
    return value


class Composite:
    def __init__(self, org: Org, route: Callable[[Call], Reply]) -> None:
        self.org = org
        self.route = route

    def handle(self, call: Call) -> Reply:
        if call.method != "POST":
            raise ApiError(
                405,
                "METHOD_NOT_ALLOWED",
                f"HTTP Method '{call.method}' not allowed. Allowed are POST",
            )
        if call.nested:
            raise ApiError(
                400, "INVALID_BATCH_REQUEST", "A Composite request cannot contain another"
            )
        body = call.json_object()
        subrequests = body.get("compositeRequest")
        if not isinstance(subrequests, list) or not subrequests:
            raise ApiError(400, "JSON_PARSER_ERROR", "compositeRequest must be a non-empty list")
        if len(subrequests) > MAX_SUBREQUESTS:
            raise ApiError(
                400,
                "INVALID_BATCH_REQUEST",
                f"Number of subrequests exceeded the limit of {MAX_SUBREQUESTS}",
            )
        self._check(subrequests)
        all_or_none = bool(body.get("allOrNone", False))
        results: dict[str, Any] = {}
        replies: list[Reply | None] = [None] * len(subrequests)
        failed = False
        with self.org.store.transaction() as outer:
            for index, sub in enumerate(subrequests):
                if failed and all_or_none:
                    break
                try:
                    url = self._fill(sub["url"], results)
                    sub_body = self._fill(sub.get("body"), results)
                except _Unresolved as exc:
                    replies[index] = _halted(str(exc))
                    failed = True
                    continue
                reply = self._run(call, sub, url, sub_body)
                replies[index] = reply
                if reply.status < 300:
                    results[sub["referenceId"]] = reply.body
                else:
                    failed = True
            if failed and all_or_none:
                outer.rollback()
                replies = [r if r is not None and r.status >= 300 else _halted() for r in replies]
        return Reply(
            200,
            {
                "compositeResponse": [
                    {
                        "body": reply.body,
                        "httpHeaders": reply.headers,
                        "httpStatusCode": reply.status,
                        "referenceId": sub["referenceId"],
                    }
                    for sub, reply in zip(subrequests, replies, strict=True)
                    if reply is not None
                ]
            },
        )

    def _check(self, subrequests: list[Any]) -> None:
        seen: set[str] = set()
        heavy = 0
        for sub in subrequests:
            if not isinstance(sub, dict) or not {"method", "url", "referenceId"} <= sub.keys():
                raise ApiError(
                    400, "JSON_PARSER_ERROR", "Each subrequest needs method, url and referenceId"
                )
            ref = str(sub["referenceId"])
            if not _REFERENCE_ID.match(ref) or ref in seen:
                raise ApiError(400, "INVALID_INPUT", f"Invalid or duplicate referenceId: {ref}")
            seen.add(ref)
            if re.search(r"/(query|queryAll|composite/sobjects)\b", str(sub["url"])):
                heavy += 1
        if heavy > MAX_QUERIES_AND_COLLECTIONS:
            raise ApiError(
                400,
                "INVALID_BATCH_REQUEST",
                f"A Composite request can contain at most {MAX_QUERIES_AND_COLLECTIONS} query or "
                "sObject Collections subrequests",
            )

    def _fill(self, value: Any, results: dict[str, Any]) -> Any:
        """Replace every `@{ref.path}` in strings of `value` with the referenced result."""
        if isinstance(value, dict):
            return {k: self._fill(v, results) for k, v in value.items()}
        if isinstance(value, list):
            return [self._fill(v, results) for v in value]
        if not isinstance(value, str) or "@{" not in value:
            return value

        def one(match: re.Match[str]) -> str:
            ref, path = match.group(1), match.group(2)
            try:
                found = _lookup(results[ref], path)
            except KeyError:
                raise _Unresolved(
                    f"Invalid reference specified. No value for {ref}.{path} found in {ref}. "
                    f"Provided referenceId ('{ref}') must be a previous, successful subrequest."
                ) from None
            return found if isinstance(found, str) else json.dumps(found)

        return _REFERENCE.sub(one, value)

    def _run(self, call: Call, sub: dict[str, Any], url: str, body: Any) -> Reply:
        parsed = split_url(url)
        if parsed is None:
            return Reply(
                400,
                [
                    {
                        "errorCode": "NOT_FOUND",
                        "message": f"The requested resource does not exist: {url}",
                    }
                ],
            )
        version, segments, args = parsed
        headers = dict(sub.get("httpHeaders") or {})
        raw = json.dumps(body).encode() if body is not None else b""
        sub_call = Call(
            method=str(sub["method"]).upper(),
            version=version,
            segments=segments,
            args=args,
            headers=headers,
            raw=raw,
            lock=call.lock,
            nested=True,
        )
        with self.org.store.transaction() as tx:
            reply = self.route(sub_call)
            if reply.status >= 300:
                tx.rollback()
        return reply
