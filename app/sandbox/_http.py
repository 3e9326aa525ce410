"""What both sandboxes share: a threaded werkzeug server, admin API, faults, latency, request log.

A sandbox subclasses `SandboxApp`, implements `dispatch(request)` and (optionally) `fault_response`
for the fault kinds it knows. Transport-level faults (delay, drop before/after the handler) are done
here, so both services behave the same way under them.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

ADMIN_HEADER = "X-Sandbox-Admin-Token"
ADMIN_PREFIX = "/__sandbox/"


class DropConnection(Exception):  # noqa: N818 - it is an instruction, not an error
    """Raised by a handler to close the client's connection without any response."""


@dataclass
class Fault:
    """One injected fault, matched against each request.

    kind: what happens (transport kinds here: "delay", "drop"; the rest are the sandbox's own).
    path: regex searched in the request path; method: exact HTTP method; None matches any.
    times: how many matching requests it fires for (None: unlimited); probability: chance per match.
    after_commit: for "drop"/"delay", run the handler first (the write happens), then fail.
    skip: let this many matching requests pass before the fault starts firing.
    """

    kind: str
    path: str | None = None
    method: str | None = None
    times: int | None = 1
    probability: float = 1.0
    after_commit: bool = False
    skip: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    fired: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        known = {"kind", "path", "method", "times", "probability", "after_commit", "skip"}
        if "kind" not in data:
            raise ValueError("a fault needs a 'kind'")
        params = {k: v for k, v in data.items() if k not in known}
        return cls(
            kind=str(data["kind"]),
            path=data.get("path"),
            method=data.get("method"),
            times=data.get("times", 1),
            probability=float(data.get("probability", 1.0)),
            after_commit=bool(data.get("after_commit", False)),
            skip=int(data.get("skip", 0)),
            params=params,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "method": self.method,
            "times": self.times,
            "probability": self.probability,
            "after_commit": self.after_commit,
            "skip": self.skip,
            "fired": self.fired,
            **self.params,
        }

    def matches(self, request: Request) -> bool:
        if self.method and self.method.upper() != request.method:
            return False
        return not (self.path and not re.search(self.path, request.path))


class FaultPlan:
    """The list of active faults; thread-safe; each request takes at most one."""

    def __init__(self, seed: int | None = None) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_json() for f in self._faults]

    def take(self, request: Request, kinds: Iterable[str] | None = None) -> Fault | None:
        wanted = set(kinds) if kinds is not None else None
        with self._lock:
            for fault in self._faults:
                if wanted is not None and fault.kind not in wanted:
                    continue
                if not fault.matches(request):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                    continue
                fault.fired += 1
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None


@dataclass(frozen=True)
class RequestHead:
    """The sizes of a request's URI (path and query, as sent) and of its header lines."""

    uri_bytes: int
    header_bytes: int

    @classmethod
    def of(cls, environ: dict[str, Any]) -> RequestHead:
        uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
        if not uri:
            query = environ.get("QUERY_STRING", "")
            uri = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        headers = 0
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                name = key[5:]
            elif key in {"CONTENT_TYPE", "CONTENT_LENGTH"} and value:
                name = key
            else:
                continue
            # "Name: value\r\n"; the WSGI key has the header name's length.
            headers += len(name) + 2 + len(str(value).encode("latin-1", "replace")) + 2
        return cls(len(uri.encode("latin-1", "replace")), headers)

    @property
    def total_bytes(self) -> int:
        return self.uri_bytes + self.header_bytes


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    status: int
    ms: float
    query: str = ""
    #: The subrequests of a batch request, each as "METHOD url".
    parts: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        logged: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "ms": round(self.ms, 2),
            "query": self.query,
        }
        if self.parts:
            logged["parts"] = list(self.parts)
        return logged


class SandboxApp:
    """WSGI application base: admin API, latency, faults, request log, optional serialisation."""

    #: QuickBooks handles one request at a time; Salesforce does not.
    serialise_requests = False

    def __init__(self, *, admin_token: str | None = None, fault_seed: int | None = None) -> None:
        self.admin_token = admin_token or secrets.token_urlsafe(24)
        self.config: dict[str, Any] = {"latency_ms": 0}
        self.faults = FaultPlan(seed=fault_seed)
        self._log: deque[LoggedRequest] = deque(maxlen=200_000)
        self._log_lock = threading.Lock()
        self._serial_lock = threading.Lock()

    # -- to implement -------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        raise NotImplementedError  # pragma: no cover - abstract

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        """A response for a sandbox-specific fault kind; None when the kind is not ours."""
        return None

    def admin_route(self, route: str, request: Request) -> Response | None:
        """The answer to a sandbox-specific admin route; None when the route is not ours."""
        return None

    def logged_parts(self, request: Request) -> tuple[str, ...]:
        """The subrequests the request log shows for a batch request; () for any other."""
        return ()

    def refuse_request_head(self, head: RequestHead) -> Response | None:
        """The answer to a request whose URI or headers are too large; None to serve it.

        werkzeug alone accepts a request line of up to 64 KiB and header lines of 64 KiB each."""
        return None

    def apply_config(self, changes: dict[str, Any]) -> None:
        """Validate and store configuration; subclasses extend for their own keys."""
        if "latency_ms" in changes:
            latency = changes["latency_ms"]
            if not isinstance(latency, int | float) or latency < 0:
                raise ValueError("latency_ms must be a number >= 0")
        self.config.update(changes)

    # -- request log --------------------------------------------------------------------------
    def requests_log(self) -> list[dict[str, Any]]:
        with self._log_lock:
            return [r.to_json() for r in self._log]

    def clear_requests_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    # -- WSGI ---------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        started = time.perf_counter()
        if request.path.startswith(ADMIN_PREFIX):
            response = self._admin(request)
            return response(environ, start_response)
        refused = self.refuse_request_head(RequestHead.of(environ))
        if refused is not None:
            self._record(request, refused.status_code, started)
            return refused(environ, start_response)
        try:
            if self.serialise_requests:
                with self._serial_lock:
                    response = self._handle(request)
            else:
                response = self._handle(request)
        except DropConnection:
            self._record(request, 0, started)
            _drop(environ)
            return []
        self._record(request, response.status_code, started)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        latency = float(self.config.get("latency_ms") or 0)
        if latency:
            time.sleep(latency / 1000)
        fault = self.faults.take(request)
        if fault is not None and not fault.after_commit:
            early = self._fault(fault, request)
            if early is not None:
                return early
        response = self.dispatch(request)
        if fault is not None and fault.after_commit:
            # The write happened; the client sees the fault's answer (or none) instead.
            return self._fault(fault, request) or response
        return response

    def _fault(self, fault: Fault, request: Request) -> Response | None:
        if fault.kind == "delay":
            time.sleep(float(fault.params.get("seconds", 1.0)))
            if fault.params.get("then_drop", False):
                raise DropConnection
            return None
        if fault.kind == "drop":
            raise DropConnection
        response = self.fault_response(fault, request)
        if response is None:
            raise ValueError(f"unknown fault kind {fault.kind!r}")
        return response

    def _record(self, request: Request, status: int, started: float) -> None:
        entry = LoggedRequest(
            request.method,
            request.path,
            status,
            (time.perf_counter() - started) * 1000,
            request.query_string.decode("latin-1"),
            self.logged_parts(request),
        )
        with self._log_lock:
            self._log.append(entry)

    # -- admin API ----------------------------------------------------------------------------
    def _admin(self, request: Request) -> Response:
        if not secrets.compare_digest(request.headers.get(ADMIN_HEADER, ""), self.admin_token):
            return json_response({"error": f"missing or wrong {ADMIN_HEADER}"}, 403)
        route = request.path[len(ADMIN_PREFIX) :].rstrip("/")
        try:
            if route == "config" and request.method == "GET":
                return json_response(self.config)
            if route == "config" and request.method == "POST":
                self.apply_config(_json_object(request))
                return json_response(self.config)
            if route == "faults" and request.method == "GET":
                return json_response(self.faults.snapshot())
            if route == "faults" and request.method == "POST":
                body = request.get_json(silent=True)
                items = body if isinstance(body, list) else [body]
                for item in items:
                    if not isinstance(item, dict):
                        raise ValueError("a fault is a JSON object")
                    self.faults.add(Fault.from_json(item))
                return json_response(self.faults.snapshot())
            if route == "faults" and request.method == "DELETE":
                self.faults.clear()
                return json_response([])
            if route == "requests" and request.method == "GET":
                return json_response(self.requests_log())
            if route == "requests" and request.method == "DELETE":
                self.clear_requests_log()
                return json_response([])
            own = self.admin_route(route, request)
            if own is not None:
                return own
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"error": f"no admin route {request.method} {request.path}"}, 404)


def _json_object(request: Request) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _drop(environ: dict[str, Any]) -> None:
    sock: socket.socket | None = environ.get("werkzeug.socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


class _QuietHandler(WSGIRequestHandler):
    """The request log is ours; werkzeug's per-request console lines would drown the CLI."""

    def log(self, type: str, message: str, *args: Any) -> None:
        pass


class ServerThread:
    """Serves a WSGI app on 127.0.0.1 from a daemon thread; port 0 picks a free port."""

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: Any = None,
    ) -> None:
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, ssl_context=ssl_context, request_handler=_QuietHandler
        )
        self._server.daemon_threads = True
        # A dropped connection ends the handler abnormally by design; don't print it as a crash.
        self._server.log = lambda *args, **kwargs: None  # type: ignore[method-assign]
        self.host = host
        self.port: int = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.port}",
            daemon=True,
        )

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        # The serve loop notices a shutdown only between polls; a connection wakes it at once.
        threading.Timer(0.01, _wake, args=(self.host, self.port)).start()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _wake(host: str, port: int) -> None:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        pass
