"""The Conductor API over HTTP: authentication, validation, routing, error bodies.

Requests are served one at a time (QuickBooks processes one request per company file). In
strict mode a request the spec would reject is answered 400 naming each problem, and every
response body is checked against the spec; a body that fails becomes a 500 saying why and is
recorded in `schema_violations`, so a test run can assert none happened.
"""

from __future__ import annotations

import json
import secrets
import threading
import traceback
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from app.sandbox._http import Fault, SandboxApp, json_response
from app.sandbox.conductor import cost, errors, setup_page
from app.sandbox.conductor.company import Company
from app.sandbox.conductor.connections import Directory
from app.sandbox.conductor.errors import ConductorError
from app.sandbox.conductor.faults import ConductorFaultPlan, fault_error
from app.sandbox.conductor.handlers import HANDLERS, Call, Handler
from app.sandbox.conductor.spec import Operation, Spec
from app.sandbox.conductor.values import timestamp

REQUEST_ID_HEADER = "Conductor-Request-Id"
END_USER_HEADER = "Conductor-End-User-Id"
_QUICKBOOKS = "/quickbooks-desktop/"


class ConductorApp(SandboxApp):
    serialise_requests = True

    def __init__(
        self,
        *,
        company: Company,
        directory: Directory,
        spec: Spec,
        secret_key: str,
        publishable_key: str,
        strict: bool = True,
        admin_token: str | None = None,
        fault_seed: int | None = None,
    ) -> None:
        super().__init__(admin_token=admin_token, fault_seed=fault_seed)
        self.faults = ConductorFaultPlan(seed=fault_seed)
        self.company = company
        self.directory = directory
        self.spec = spec
        self.secret_key = secret_key
        self.publishable_key = publishable_key
        self.config["strict"] = strict
        self.config.update(cost.defaults())
        self.schema_violations: list[dict[str, Any]] = []
        self.internal_errors: list[dict[str, Any]] = []
        self._problems_lock = threading.Lock()

    @property
    def strict(self) -> bool:
        return bool(self.config.get("strict", True))

    def apply_config(self, changes: dict[str, Any]) -> None:
        if "strict" in changes and not isinstance(changes["strict"], bool):
            raise ValueError("strict must be true or false")
        super().apply_config(cost.resolve(changes))

    def admin_route(self, route: str, request: Request) -> Response | None:
        """`POST clock {"advance_seconds": N}`: time passes in the company file (the next
        write is stamped at least N seconds after the last), e.g. the hours between two syncs."""
        if route != "clock" or request.method != "POST":
            return None
        body = request.get_json(silent=True)
        seconds = body.get("advance_seconds") if isinstance(body, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError("advance_seconds must be a number >= 0")
        moved = self.company.clock.advance(timedelta(seconds=seconds))
        return json_response({"now": timestamp(moved)})

    # -- responses --------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        if request.path.startswith(setup_page.PREFIX):
            return setup_page.serve(self.directory, request)
        request_id = f"req_{secrets.token_hex(8)}"
        op: Operation | None = None
        headers: dict[str, str] = {}
        try:
            op, body = self._serve(request)
            status = 200
            if op.template.startswith(_QUICKBOOKS):
                cost.serialise(self.config, body)
        except ConductorError as error:
            status, body, headers = error.status, error.body(request_id), error.headers
        except Exception as exc:  # a sandbox bug must still answer like Conductor
            with self._problems_lock:
                self.internal_errors.append(
                    {
                        "method": request.method,
                        "path": request.path,
                        "traceback": traceback.format_exc(),
                    }
                )
            error = errors.internal(
                f"The sandbox failed on {request.method} {request.path}: {exc!r}"
            )
            status, body = error.status, error.body(request_id)
        return self._respond(request, op, status, body, headers, request_id)

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        error = fault_error(fault, request)
        if error is None:
            return None
        if fault.params.get("commit"):
            self.dispatch(request)
        request_id = f"req_{secrets.token_hex(8)}"
        return self._respond(
            request, None, error.status, error.body(request_id), error.headers, request_id
        )

    def _respond(
        self,
        request: Request,
        op: Operation | None,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str],
        request_id: str,
    ) -> Response:
        if self.strict:
            problems = self.spec.response_problems(op, status, body)
            if problems:
                with self._problems_lock:
                    self.schema_violations.append(
                        {
                            "method": request.method,
                            "path": request.path,
                            "status": status,
                            "problems": problems,
                        }
                    )
                error = errors.internal(
                    f"The sandbox's response to {request.method} {request.path} does not match "
                    f"Conductor's schema: {'; '.join(problems[:5])}"
                )
                status, body, headers = error.status, error.body(request_id), {}
        return json_response(body, status, headers={**headers, REQUEST_ID_HEADER: request_id})

    # -- requests ---------------------------------------------------------------------------
    def _serve(self, request: Request) -> tuple[Operation, dict[str, Any]]:
        base = self.spec.base_path
        if not request.path.startswith(base + "/"):
            raise errors.unrecognized_url(request.method, request.path)
        self._authenticate(request)
        matched = self.spec.match(request.method, request.path[len(base) :])
        if matched is None:
            raise errors.unrecognized_url(request.method, request.path)
        op, path = matched
        body = _json_body(request, op)
        query = op.typed_query(request.args)
        if not self.strict:
            query, body = _known_only(op, query, body)
        problems = op.request_problems(query=query, path=path, headers=request.headers, body=body)
        if problems:
            raise errors.invalid_request("; ".join(problems))
        call = Call(
            op=op,
            company=self.company,
            directory=self.directory,
            publishable_key=self.publishable_key,
            root_url=request.host_url,
            path=path,
            query=query,
            body=body or {},
        )
        handler = HANDLERS[op.key]
        if op.template.startswith(_QUICKBOOKS):
            return op, self._quickbooks(call, handler, request.headers[END_USER_HEADER])
        with self.company.store.transaction():
            return op, handler(call)

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            key.strip().encode(), self.secret_key.encode()
        ):
            raise errors.api_key_invalid(key.strip() or None)

    def _quickbooks(self, call: Call, handler: Handler, end_user_id: str) -> dict[str, Any]:
        self.directory.end_user(end_user_id)
        try:
            self.directory.require_connection(end_user_id)
            with self.company.store.transaction():
                result = handler(call)
        except ConductorError:
            self.directory.record_request(end_user_id, succeeded=False)
            raise
        self.directory.record_request(end_user_id, succeeded=True)
        return result


def _json_body(request: Request, op: Operation) -> Any:
    if op.request_body is None:
        return None
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise errors.invalid_request(f"The request body is not valid JSON: {exc}") from None


def _known_only(op: Operation, query: dict[str, Any], body: Any) -> tuple[dict[str, Any], Any]:
    """Outside strict mode, keys the spec does not know are dropped instead of refused."""
    known_query = op.params("query")
    query = {k: v for k, v in query.items() if k in known_query}
    if isinstance(body, Mapping) and op.request_body is not None:
        properties = op.request_body["schema"].get("properties", {})
        body = {k: v for k, v in body.items() if k in properties}
    return query, body
