"""Connecting a QuickBooks company file through Conductor: key, end user, auth flow, health.

No callback reaches the app when the person at the QuickBooks PC finishes the Web Connector
setup: "connected" means a passing health check, so `wait_until_connected` polls, with backoff,
until one passes or it is asked to stop.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import conductor

from app.domain.errors import UserError
from app.platform.credentials import CredentialStore, Secret
from app.quickbooks.client import QuickBooks, QuickBooksConfig
from app.quickbooks.errors import QuickBooksError, translate
from app.store import Store
from app.store.settings import CONDUCTOR_BASE_URL, CONDUCTOR_END_USER_ID, CONDUCTOR_PUBLISHABLE_KEY

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.conductor.is/v1"
#: The link may go by email to whoever sits at the QuickBooks PC: one day, not Conductor's 30 min.
LINK_EXPIRY_MINUTES = 24 * 60
FIRST_POLL_S = 2.0
MAX_POLL_S = 30.0

QUICKBOOKS_PC_STEPS = (
    "Open the link below on the Windows computer that runs QuickBooks Desktop.",
    "Open QuickBooks Desktop and sign in to the company file as Admin, in single-user mode "
    "(File > Switch to Single-user Mode).",
    "On the page the link opens, download the QuickBooks Web Connector file (.qwc) and open it; "
    "QuickBooks Web Connector starts and adds this app.",
    "Enter the password the page shows into QuickBooks Web Connector.",
    'When QuickBooks asks, choose "Yes, always; allow access even if QuickBooks is not '
    'running", then click Continue and Done.',
)


@dataclass(frozen=True)
class EndUser:
    id: str
    company_name: str
    source_id: str
    email: str
    #: Conductor has seen a successful QuickBooks request for it.
    connected: bool = False


@dataclass(frozen=True)
class AuthSession:
    id: str
    auth_flow_url: str
    expires_at: str


@dataclass(frozen=True)
class HealthCheck:
    """One health check: passed (`duration_ms`) or failed with the error to show."""

    ok: bool
    duration_ms: float | None = None
    error: UserError | None = None
    checked_at: float = 0.0


class ConductorSetup:
    """The account-level Conductor calls setup needs. `close()` when done."""

    def __init__(
        self, secret_key: str, base_url: str = DEFAULT_BASE_URL, *, timeout_s: float = 90.0
    ) -> None:
        self.secret_key = secret_key
        self.base_url = base_url
        self._timeout = timeout_s
        self._client = conductor.Conductor(
            api_key=secret_key, base_url=base_url, timeout=timeout_s, max_retries=2
        )
        # Creating an end user twice would leave a stray one behind: no retries for creates.
        self._once = self._client.with_options(max_retries=0)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ConductorSetup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def end_users(self) -> list[EndUser]:
        """Also proves the secret key works: a wrong key fails here with a plain message."""
        with _translated():
            return [_end_user(u) for u in self._client.end_users.list().data]

    def end_user(self, end_user_id: str) -> EndUser:
        with _translated():
            return _end_user(self._client.end_users.retrieve(end_user_id))

    def create_end_user(self, company_name: str, email: str, source_id: str = "") -> EndUser:
        with _translated():
            created = self._once.end_users.create(
                company_name=company_name.strip(),
                email=email.strip(),
                source_id=source_id.strip() or new_source_id(company_name),
            )
        log.info("Created Conductor end user %s for %s", created.id, company_name)
        return _end_user(created)

    def start_auth_session(
        self,
        end_user_id: str,
        publishable_key: str,
        *,
        link_expiry_mins: int = LINK_EXPIRY_MINUTES,
    ) -> AuthSession:
        with _translated():
            session = self._once.auth_sessions.create(
                end_user_id=end_user_id,
                publishable_key=publishable_key,
                link_expiry_mins=link_expiry_mins,
            )
        return AuthSession(session.id, session.auth_flow_url, session.expires_at)

    def check(self, end_user_id: str) -> HealthCheck:
        return check_quickbooks(self.quickbooks(end_user_id))

    def quickbooks(self, end_user_id: str) -> QuickBooks:
        # A health poll must report a QuickBooks problem at once, not after the SDK's retries.
        return QuickBooks(
            QuickBooksConfig(
                base_url=self.base_url,
                secret_key=self.secret_key,
                end_user_id=end_user_id,
                timeout_s=self._timeout,
                read_retries=0,
            )
        )

    def wait_until_connected(
        self,
        end_user_id: str,
        *,
        stop: threading.Event | None = None,
        on_check: Callable[[HealthCheck], None] | None = None,
        timeout_s: float | None = None,
        first_poll_s: float = FIRST_POLL_S,
        max_poll_s: float = MAX_POLL_S,
    ) -> HealthCheck:
        """Checks until one passes, `stop` is set or `timeout_s` passes; the last check."""
        stop = stop or threading.Event()
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        quickbooks = self.quickbooks(end_user_id)
        try:
            for delay in _backoff(first_poll_s, max_poll_s):
                result = check_quickbooks(quickbooks)
                if on_check is not None:
                    on_check(result)
                if result.ok:
                    return result
                if deadline is not None:
                    delay = min(delay, deadline - time.monotonic())
                    if delay <= 0:
                        return result
                if stop.wait(delay):
                    return result
        finally:
            quickbooks.close()
        raise AssertionError("unreachable")


def check_quickbooks(quickbooks: QuickBooks) -> HealthCheck:
    try:
        duration = quickbooks.health()
    except QuickBooksError as exc:
        return HealthCheck(ok=False, error=exc.user_error, checked_at=time.time())
    return HealthCheck(ok=True, duration_ms=duration, checked_at=time.time())


def new_source_id(company_name: str) -> str:
    """Unique per company file: Conductor refuses a second end user with the same source id."""
    slug = re.sub(r"[^a-z0-9]+", "-", company_name.lower()).strip("-")[:30] or "company"
    return f"qbsf-{slug}-{uuid.uuid4().hex[:8]}"


def save_connection(
    store: Store,
    credentials: CredentialStore,
    *,
    secret_key: str,
    end_user_id: str,
    base_url: str = DEFAULT_BASE_URL,
    publishable_key: str | None = None,
) -> None:
    """The secret key into the keyring first: if that fails, nothing claims a connection."""
    credentials.set(Secret.CONDUCTOR_SECRET_KEY, secret_key)
    with store.transaction():
        store.set(CONDUCTOR_END_USER_ID, end_user_id)
        store.set(CONDUCTOR_BASE_URL, base_url)
        if publishable_key:
            store.set(CONDUCTOR_PUBLISHABLE_KEY, publishable_key)


def forget_connection(store: Store, credentials: CredentialStore) -> None:
    """Forgets the key and end user here; the end user and its Web Connector stay at Conductor,
    so connecting this PC again needs no new setup at the QuickBooks PC."""
    credentials.delete(Secret.CONDUCTOR_SECRET_KEY)
    store.clear(CONDUCTOR_END_USER_ID)


def _backoff(first: float, maximum: float) -> Iterator[float]:
    delay = first
    while True:
        yield delay
        delay = min(delay * 1.5, maximum)


def _end_user(body: Any) -> EndUser:
    connections = getattr(body, "integration_connections", None) or []
    return EndUser(
        id=body.id,
        company_name=body.company_name,
        source_id=body.source_id,
        email=body.email,
        connected=any(getattr(c, "last_successful_request_at", None) for c in connections),
    )


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except conductor.APIError as exc:
        raise translate(exc) from exc
