"""The Conductor client the engine uses: reads in pages, writes with retries off for creates."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import conductor
import httpx

from app.domain.errors import record_not_synced
from app.domain.outcomes import Problem
from app.domain.quickbooks_ids import is_quickbooks_id
from app.quickbooks.errors import QuickBooksError, translate
from app.quickbooks.queue import ReadQueue

log = logging.getLogger(__name__)

PAGE_SIZE = 150
#: QuickBooks' answer to an update carrying an out-of-date revision number.
STALE_REVISION = "3200"

_QUOTED = re.compile(r'"([^"]+)"')

#: Engine names for the list resources, and the conductor-py attribute that serves each.
RESOURCES = {
    "customer": "customers",
    "service_item": "service_items",
    "non_inventory_item": "non_inventory_items",
    "invoice": "invoices",
    "receive_payment": "receive_payments",
    "credit_memo": "credit_memos",
    "account": "accounts",
    "vendor": "vendors",
    "employee": "employees",
    "other_name": "other_names",
    "sales_tax_code": "sales_tax_codes",
    "sales_tax_item": "sales_tax_items",
}
#: Lists QuickBooks answers in one response, without pages.
UNPAGED = {"account", "employee", "other_name", "sales_tax_code"}


@dataclass(frozen=True)
class QuickBooksConfig:
    base_url: str
    secret_key: str
    end_user_id: str
    timeout_s: float = 120.0
    read_retries: int = 2

    def __repr__(self) -> str:  # the key must never reach a log line or a traceback
        return f"QuickBooksConfig(base_url={self.base_url!r}, end_user_id={self.end_user_id!r})"


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    remaining: int | None


class QuickBooks:
    """One company file through Conductor. Thread-safe: the underlying httpx client is."""

    def __init__(self, config: QuickBooksConfig, http_client: httpx.Client | None = None) -> None:
        self.config = config
        self._client = conductor.Conductor(
            api_key=config.secret_key,
            base_url=config.base_url,
            timeout=config.timeout_s,
            max_retries=config.read_retries,
            http_client=http_client,
        )
        # No idempotency key in Conductor: a retried create may create twice; creates never retry.
        self._once = self._client.with_options(max_retries=0)
        self.calls = 0
        #: Creates and updates sent, answered or not.
        self.writes = 0
        self.queue = ReadQueue()

    def close(self) -> None:
        self._client.close()

    @property
    def _user(self) -> dict[str, str]:
        return {"conductor_end_user_id": self.config.end_user_id}

    # -- health -------------------------------------------------------------------------------
    def health(self) -> float:
        """Milliseconds QuickBooks took to answer; raises QuickBooksError when it cannot."""
        self.calls += 1
        try:
            result = self._client.qbd.health_check(**self._user)
        except conductor.APIError as exc:
            raise translate(exc) from exc
        return float(result.duration)

    # -- reads --------------------------------------------------------------------------------
    def _resource(self, kind: str) -> Any:
        return getattr(self._client.qbd, RESOURCES[kind])

    def pages(self, kind: str, *, retry: bool = True, **filters: Any) -> Iterator[Page]:
        """Every page of a list, in QuickBooks' order, as wire-shaped dicts (camelCase)."""
        try:
            yield from self._pages(kind, retry=retry, **filters)
        except QuickBooksError as error:
            # ids/fullNames/refNumbers filters that match nothing are an error in Conductor.
            if _is_no_match(error) and {"ids", "full_names", "ref_numbers"} & filters.keys():
                return
            raise

    def _pages(self, kind: str, *, retry: bool, **filters: Any) -> Iterator[Page]:
        client = self._client if retry else self._once
        resource = getattr(client.qbd, RESOURCES[kind])
        try:
            self.calls += 1
            with self.queue.turn():
                page = resource.list(limit=PAGE_SIZE, **self._user, **filters)
            while True:
                records = [item.to_dict(mode="json") for item in page.data]
                remaining = (page.model_extra or {}).get("remainingCount")
                yield Page(records, remaining)
                if not page.has_next_page():
                    return
                self.calls += 1
                with self.queue.turn():
                    page = page.get_next_page()
        except conductor.APIError as exc:
            raise translate(exc) from exc

    def list_all(self, kind: str, *, retry: bool = True, **filters: Any) -> list[dict[str, Any]]:
        pages = self.pages(kind, retry=retry, **filters)
        return [record for page in pages for record in page.records]

    def find_by_ids(self, kind: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Records of this list by id; ids it does not have (deleted, or on another list) are
        left out."""
        return self._exact(kind, "ids", ids, key="id")

    def find_by_ref_numbers(self, kind: str, refs: list[str]) -> dict[str, dict[str, Any]]:
        """Transactions of this kind by number (without their lines) -> the first one
        QuickBooks lists with it."""
        return self._exact(kind, "ref_numbers", refs, key="refNumber", include_line_items=False)

    def _exact(
        self, kind: str, name: str, values: list[str], *, key: str, **options: Any
    ) -> dict[str, dict[str, Any]]:
        """QuickBooks refuses a whole `ids`/`refNumbers` list when one value matches nothing,
        naming that value; it is dropped and the rest asked again, so one missing value never
        hides the others. A refusal is not retried: asking again would only repeat it."""
        found: dict[str, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(values))
        for start in range(0, len(wanted), PAGE_SIZE):
            asked = wanted[start : start + PAGE_SIZE]
            for record in self._exact_chunk(kind, {**options, **_all_status(kind)}, name, asked):
                found.setdefault(str(record.get(key)), record)
        return found

    def _exact_chunk(
        self, kind: str, options: dict[str, Any], name: str, values: list[str]
    ) -> list[dict[str, Any]]:
        asked = list(values)
        while asked:
            try:
                pages = self._pages(kind, retry=False, **options, **{name: asked})
                return [r for page in pages for r in page.records]
            except QuickBooksError as error:
                if not _is_no_match(error):
                    raise
                named = _unmatched_value(error, asked)
                if named is None:
                    # No value named: each is asked alone.
                    if len(asked) == 1:
                        return []
                    return [
                        r
                        for value in asked
                        for r in self._exact_chunk(kind, options, name, [value])
                    ]
                asked.remove(named)
        return []

    def find_by_name(self, kind: str, full_name: str) -> dict[str, Any] | None:
        # A name that matches nothing is an error reply; retrying it would only repeat it.
        matches = self.list_all(kind, retry=False, full_names=[full_name], **_all_status(kind))
        return matches[0] if matches else None

    def retrieve(self, kind: str, record_id: str) -> dict[str, Any]:
        record_id = _path_id(record_id)
        self.calls += 1
        try:
            return self._resource(kind).retrieve(record_id, **self._user).to_dict(mode="json")
        except conductor.APIError as exc:
            raise translate(exc) from exc

    def preferences(self) -> dict[str, Any]:
        """The company file's preferences: closing date, multicurrency, sales tax."""
        self.calls += 1
        try:
            result = self._client.qbd.preferences.retrieve(**self._user)
        except conductor.APIError as exc:
            raise translate(exc) from exc
        return result.to_dict(mode="json")

    def everything(self, kind: str) -> list[dict[str, Any]]:
        """Every record of a list, active or not, paged or not (vendors, employees, tax codes)."""
        if kind not in UNPAGED:
            return self.list_all(kind, status="all")
        self.calls += 1
        try:
            result = self._resource(kind).list(status="all", **self._user)
        except conductor.APIError as exc:
            raise translate(exc) from exc
        return [r.to_dict(mode="json") for r in result.data]

    def accounts(self) -> list[dict[str, Any]]:
        self.calls += 1
        try:
            result = self._client.qbd.accounts.list(**self._user)
        except conductor.APIError as exc:
            raise translate(exc) from exc
        return [a.to_dict(mode="json") for a in result.data]

    def deleted_transactions(self, types: list[str], deleted_after: str) -> list[dict[str, Any]]:
        self.calls += 1
        try:
            with self.queue.turn():
                result = self._client.qbd.deleted_transactions.list(
                    transaction_types=types, deleted_after=deleted_after, **self._user
                )
        except conductor.APIError as exc:
            raise translate(exc) from exc
        return [d.to_dict(mode="json") for d in result.data]

    # -- writes -------------------------------------------------------------------------------
    def create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """Send a create once; on an unknown outcome the caller reconciles before resending."""
        self.calls += 1
        self.writes += 1
        try:
            created = getattr(self._once.qbd, RESOURCES[kind]).create(**_snake(body), **self._user)
        except conductor.APIError as exc:
            raise translate(exc, write=True) from exc
        return created.to_dict(mode="json")

    def update(
        self,
        kind: str,
        record_id: str,
        revision: str,
        body: dict[str, Any],
        *,
        retry_stale: bool = True,
    ) -> dict[str, Any]:
        """Update with optimistic concurrency; a stale revision (3200) is refreshed and retried
        once, unless `retry_stale` is off and the caller re-checks the record first."""
        record_id = _path_id(record_id)
        resource = getattr(self._once.qbd, RESOURCES[kind])
        for attempt in (1, 2):
            self.calls += 1
            self.writes += 1
            try:
                updated = resource.update(
                    record_id, revision_number=revision, **_snake(body), **self._user
                )
                return updated.to_dict(mode="json")
            except conductor.APIError as exc:
                error = translate(exc, write=True)
                if error.integration_code == STALE_REVISION and attempt == 1 and retry_stale:
                    log.info("QuickBooks %s %s changed meanwhile; retrying once", kind, record_id)
                    revision = self.retrieve(kind, record_id)["revisionNumber"]
                    continue
                raise error from exc
        raise AssertionError("unreachable")


def _path_id(record_id: str) -> str:
    """`record_id` if it is a QuickBooks id; the SDK puts it in the URL path unescaped, so an id
    typed into Salesforce as `../invoices` would otherwise reach another endpoint."""
    if is_quickbooks_id(record_id):
        return record_id
    shown = str(record_id)[:40]
    problem = Problem(
        f"The QuickBooks id {shown!r} stored in Salesforce is not one QuickBooks gives, so "
        "it was not used.",
        "id",
        "not_a_quickbooks_id",
    )
    raise QuickBooksError(record_not_synced([problem]), http_status=400, code=problem.code)


def _is_no_match(error: QuickBooksError) -> bool:
    # qbXML 1: no match; 500: "a required element ... could not be found" for a list filter.
    return error.integration_code in {"1", "500"} or error.code == "RESOURCE_MISSING"


def _unmatched_value(error: QuickBooksError, asked: list[str]) -> str | None:
    """The value a refused list names: 'There was a required element ("80000001-1") that could
    not be found in QuickBooks.'"""
    text = f"{error.user_error.what_happened} {error.user_error.details}"
    return next((named for named in _QUOTED.findall(text) if named in asked), None)


def _all_status(kind: str) -> dict[str, str]:
    return {"status": "all"} if kind in {"customer", "service_item", "non_inventory_item"} else {}


def _snake(body: dict[str, Any]) -> dict[str, Any]:
    """conductor-py takes snake_case keyword arguments; nested dicts keep the wire's camelCase."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        name = "".join("_" + c.lower() if c.isupper() else c for c in key)
        out["class_" if name == "class" else name] = value
    return out
