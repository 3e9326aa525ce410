"""A requests.Session that carries the current access token and refreshes it once on a 401.

simple-salesforce in token mode never refreshes (a 401 raises SalesforceExpiredSession), so every
request, REST and Bulk alike, goes through here. Refresh is single-flight: when several threads
see the same expired token, one refreshes and the others reuse its result.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

import requests

log = logging.getLogger(__name__)

_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")

#: Returns a fresh access token (and persists any rotated refresh token before returning).
Refresher = Callable[[], str]


class TokenSession(requests.Session):
    def __init__(
        self,
        access_token: str,
        *,
        refresher: Refresher | None = None,
        verify: str | bool = True,
        timeout_s: float = 120.0,
    ) -> None:
        super().__init__()
        self._token = access_token
        self._refresher = refresher
        self._verify = verify
        self._timeout = timeout_s
        self._lock = threading.Lock()
        self.calls = 0
        self.refreshes = 0
        self.api_used: int | None = None
        self.api_max: int | None = None

    @property
    def access_token(self) -> str:
        return self._token

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        # Verification is explicit per request so no environment setting can turn it off.
        kwargs["verify"] = self._verify
        kwargs.setdefault("timeout", self._timeout)
        used = self._token
        response = self._send(method, url, used, args, kwargs)
        if response.status_code == 401 and self._refresher is not None and _expired(response):
            fresh = self._refresh(used)
            response = self._send(method, url, fresh, args, kwargs)
        return response

    def _send(
        self, method: Any, url: Any, token: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Authorization"] = f"Bearer {token}"
        kwargs["headers"] = headers
        response = super().request(method, url, *args, **kwargs)
        self.calls += 1
        match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.api_used, self.api_max = int(match.group(1)), int(match.group(2))
        return response

    def _refresh(self, expired_token: str) -> str:
        assert self._refresher is not None
        with self._lock:
            if self._token != expired_token:  # another thread already refreshed
                return self._token
            log.info("Salesforce access token expired; refreshing")
            self._token = self._refresher()
            self.refreshes += 1
            return self._token


def _expired(response: requests.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return True
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return body[0].get("errorCode") == "INVALID_SESSION_ID"
    return True
