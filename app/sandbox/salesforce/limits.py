"""API request counting: the daily allowance, `Sforce-Limit-Info`, and the `limits/` resource."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from app.sandbox.salesforce.errors import ApiError
from app.sandbox.salesforce.org import Org

DEFAULT_DAILY_LIMIT = 15_000
_RECORD_KB = 2


class ApiUsage:
    """Calls counted per UTC day, kept in the org's database so a restart does not reset them."""

    def __init__(self, org: Org, config: dict[str, Any]) -> None:
        self.org = org
        self.config = config
        self._lock = threading.Lock()

    @property
    def max(self) -> int:
        return int(self.config.get("daily_limit") or DEFAULT_DAILY_LIMIT)

    def _today(self) -> str:
        return datetime.now(UTC).date().isoformat()

    def _read(self, key: str) -> int:
        if self.org.store.meta("api_day") != self._today():
            return 0
        return int(self.org.store.meta(key) or 0)

    def _write(self, key: str, value: int) -> None:
        store = self.org.store
        with store.lock:
            if store.meta("api_day") != self._today():
                store.set_meta("api_day", self._today())
                store.set_meta("api_used", "0")
                store.set_meta("bulk_batches", "0")
            store.set_meta(key, str(value))

    @property
    def used(self) -> int:
        return self._read("api_used")

    def set_used(self, value: int) -> None:
        with self._lock:
            self._write("api_used", value)

    def take(self) -> None:
        """Count one call, or refuse it with REQUEST_LIMIT_EXCEEDED when the day's are spent."""
        with self._lock:
            used = self._read("api_used")
            if used >= self.max:
                raise limit_exceeded()
            self._write("api_used", used + 1)

    def count_bulk_batches(self, count: int) -> None:
        with self._lock:
            self._write("bulk_batches", self._read("bulk_batches") + count)

    def header(self) -> str:
        return f"api-usage={self.used}/{self.max}"

    def limits(self) -> dict[str, Any]:
        records = sum(self.org.store.count(obj) for obj in self.org.schema.all_objects())
        storage_max = max(5, records * _RECORD_KB // 1024 * 2)
        batches = self._read("bulk_batches")

        def limit(maximum: int, used: int = 0) -> dict[str, int]:
            return {"Max": maximum, "Remaining": max(maximum - used, 0)}

        return {
            "ConcurrentAsyncGetReportInstances": limit(200),
            "ConcurrentSyncReportRuns": limit(20),
            "DailyApiRequests": limit(self.max, self.used),
            "DailyAsyncApexExecutions": limit(250_000),
            "DailyBulkApiBatches": limit(15_000, batches),
            "DailyBulkV2QueryFileStorageMB": limit(976_562),
            "DailyBulkV2QueryJobs": limit(10_000),
            "DataStorageMB": limit(storage_max, records * _RECORD_KB // 1024),
            "FileStorageMB": limit(20),
            "HourlyTimeBasedWorkflow": limit(1_000),
            "SingleEmail": limit(5_000),
        }


def limit_exceeded() -> ApiError:
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
