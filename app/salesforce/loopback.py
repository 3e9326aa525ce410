"""The one-shot web listener on this computer that receives Salesforce's sign-in answer.

It listens on the loopback addresses only, answers `/OauthRedirect` once (a second or replayed
answer is refused), checks `state`, ignores `/favicon.ico`, and keeps the browser's request open
until the app says how the sign-in ended, so the page the person sees tells the truth.
"""

from __future__ import annotations

import contextlib
import errno
import html
import logging
import secrets
import socket
import socketserver
import sys
import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from app import APP_NAME
from app.domain.errors import UserFacingError, port_taken

log = logging.getLogger(__name__)

CALLBACK_PATH = "/OauthRedirect"
REDIRECT_HOST = "localhost"
#: How long the browser's request waits for the app to finish the sign-in before a plain page.
PAGE_WAIT_S = 60.0
_IPV6_UNAVAILABLE = {errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT}


@dataclass(frozen=True)
class Callback:
    """Salesforce's answer: a code, or an error (`access_denied`, …) with its description."""

    code: str | None
    error: str | None
    error_description: str = ""

    def __repr__(self) -> str:  # the code is a credential until it is exchanged
        return f"Callback(error={self.error!r}, has_code={self.code is not None})"


@dataclass(frozen=True)
class _Page:
    status: int
    title: str
    message: str
    #: The page answering the one accepted callback.
    accepted: bool = False


class LoopbackListener:
    def __init__(self, port: int, state: str, *, page_wait_s: float = PAGE_WAIT_S) -> None:
        self.port = port
        self._state = state
        self._page_wait_s = page_wait_s
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._callback: Callback | None = None
        self._arrived = threading.Event()
        self._outcome: _Page | None = None
        self._outcome_ready = threading.Event()
        self._answered = threading.Event()
        self.refused: list[str] = []

    @property
    def redirect_uri(self) -> str:
        return f"http://{REDIRECT_HOST}:{self.port}{CALLBACK_PATH}"

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> LoopbackListener:
        """Listen on 127.0.0.1 (and ::1 where this computer has it); a taken port says so."""
        try:
            self._servers.append(_Server(("127.0.0.1", self.port), socket.AF_INET, self))
        except OSError as exc:
            raise UserFacingError(port_taken(self.port, details=str(exc))) from exc
        if socket.has_ipv6:
            try:
                self._servers.append(_Server(("::1", self.port), socket.AF_INET6, self))
            except OSError as exc:
                if exc.errno not in _IPV6_UNAVAILABLE:
                    self.close()
                    raise UserFacingError(port_taken(self.port, details=str(exc))) from exc
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"sign-in-listener-{self.port}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def wait(self, timeout_s: float, cancel: threading.Event | None = None) -> Callback | None:
        """The answer, or None when the time ran out or `cancel` was set first."""
        deadline = time.monotonic() + timeout_s
        while not self._arrived.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (cancel is not None and cancel.is_set()):
                return None
            self._arrived.wait(min(remaining, 0.1))
        return self._callback

    def finish(self, ok: bool, title: str, message: str) -> None:
        """What the browser shows: how the sign-in ended."""
        self._outcome = _Page(200 if ok else 400, title, message)
        self._outcome_ready.set()

    def close(self) -> None:
        self._outcome_ready.set()
        if self._arrived.is_set():
            self._answered.wait(5)
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> LoopbackListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests -----------------------------------------------------------------------------
    def handle(self, path: str) -> _Page | None:
        """The page for one request; None for a request to ignore (no body)."""
        url = urlsplit(path)
        if url.path == "/favicon.ico":
            return None
        if url.path.rstrip("/") != CALLBACK_PATH:
            return _Page(404, "Not found", "This address is only for the Salesforce sign-in.")
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        error = query.get("error")
        state = query.get("state")
        with self._lock:
            if self._callback is not None:
                self.refused.append("a second answer")
                return _Page(
                    400,
                    "Sign-in already finished",
                    "This sign-in link was already used. To sign in again, start over in "
                    f"{APP_NAME}.",
                )
            # Salesforce may leave `state` off an error answer; an error carries no credential.
            state_ok = secrets.compare_digest((state or "").encode(), self._state.encode())
            if not state_ok and not (error and state is None):
                self.refused.append("an answer from another sign-in")
                return _Page(
                    400,
                    "This answer is not for this sign-in",
                    "This page came from a different or older sign-in attempt, so it was "
                    f"ignored. Finish the sign-in in the newest browser tab that {APP_NAME} "
                    "opened, or start over.",
                )
            if not error and not query.get("code"):
                self.refused.append("an answer without a code")
                return _Page(400, "Sign-in answer incomplete", "Salesforce sent no result.")
            self._callback = Callback(
                code=None if error else query["code"],
                error=error,
                error_description=query.get("error_description", ""),
            )
        self._arrived.set()
        self._outcome_ready.wait(self._page_wait_s)
        outcome = self._outcome or _Page(
            200, "Salesforce answered", f"You can close this window and return to {APP_NAME}."
        )
        return replace(outcome, accepted=True)

    def answered(self) -> None:
        self._answered.set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Windows lets SO_REUSEADDR take over a port another program listens on: never there.
    allow_reuse_address = sys.platform != "win32"

    def __init__(
        self, address: tuple[str, int], family: socket.AddressFamily, listener: LoopbackListener
    ) -> None:
        self.address_family = family
        self.listener = listener
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        if sys.platform == "win32":
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)  # type: ignore[attr-defined]
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        # HTTPServer.server_bind would look the host name up in DNS; a loopback needs none.
        socketserver.TCPServer.server_bind(self)
        self.server_name = REDIRECT_HOST
        self.server_port = self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 30
    server_version = "SignIn"
    sys_version = ""

    def do_GET(self) -> None:
        listener = self.server.listener
        page = listener.handle(self.path)
        if page is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            body = _render(page).encode("utf-8")
            self.send_response(page.status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(body)
                self.wfile.flush()
        finally:
            if page.accepted:
                listener.answered()

    def log_message(self, format: str, *args: object) -> None:
        # The request line carries the sign-in code: it is never written anywhere.
        pass


def _render(page: _Page) -> str:
    colour = "#1a7f37" if page.status == 200 else "#b42318"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(page.title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;"
        f"padding:0 1rem;color:#1d2330}}h1{{font-size:1.4rem;color:{colour}}}</style></head>"
        f"<body><h1>{html.escape(page.title)}</h1><p>{html.escape(page.message)}</p>"
        f"<p>{html.escape(APP_NAME)}</p></body></html>"
    )
