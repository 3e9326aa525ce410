"""The one way a Salesforce call is retried: bounded attempts with doubling waits.

Transient errors (UNABLE_TO_LOCK_ROW, SERVER_UNAVAILABLE, 429, 5xx, a lost connection) are worth
another try; REQUEST_LIMIT_EXCEEDED and everything else are not.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import requests
from simple_salesforce.exceptions import SalesforceError as SdkError

from app.salesforce.errors import SalesforceError, translate

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Whole-call retries for idempotent requests (upserts by external id, reads) on transient errors.
CALL_RETRIES = 4
FIRST_DELAY_S = 0.25
MAX_DELAY_S = 4.0
#: The first wait before records refused for a row lock are sent again.
LOCK_FIRST_DELAY_S = 0.2
ROW_LOCK = "UNABLE_TO_LOCK_ROW"


def delays(
    retries: int, first_s: float = FIRST_DELAY_S, max_s: float = MAX_DELAY_S
) -> Iterator[float]:
    """The wait before each of `retries` retries: first_s, then doubling up to max_s."""
    delay = first_s
    for _ in range(retries):
        yield delay
        delay = min(delay * 2, max_s)


def with_retries(what: str, call: Callable[[], T], *, retries: int = CALL_RETRIES) -> T:
    """`call()`, retried up to `retries` times on a transient error; other errors raise at once
    as a SalesforceError."""
    waits = delays(retries)
    while True:
        try:
            return call()
        except (SdkError, requests.RequestException, SalesforceError) as exc:
            error = exc if isinstance(exc, SalesforceError) else translate(exc)
            wait = next(waits, None) if error.transient and not error.limit_reached else None
            if wait is None:
                if error is exc:
                    raise
                raise error from exc
            log.info("Salesforce %s: %s; retrying", what, error.code or "network")
            time.sleep(wait)


def retry_locked_records(
    records: Sequence[T],
    send: Callable[[Sequence[T]], list[dict[str, Any]]],
    retries: int,
) -> list[dict[str, Any]]:
    """Per-record results of `send(records)`; the records refused with UNABLE_TO_LOCK_ROW are
    sent again, up to `retries` times, with doubling waits."""
    results = send(records)
    for wait in delays(retries, LOCK_FIRST_DELAY_S, max_s=float("inf")):
        locked = [i for i, result in enumerate(results) if _code(result) == ROW_LOCK]
        if not locked:
            break
        log.info("Salesforce: %d records locked; sending them again", len(locked))
        time.sleep(wait)
        for index, result in zip(locked, send([records[i] for i in locked]), strict=True):
            results[index] = result
    return results


def _code(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or [{}]
    return errors[0].get("statusCode") or errors[0].get("errorCode")
