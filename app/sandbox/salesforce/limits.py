"""API request counting over a rolling 24 hours, `Sforce-Limit-Info`, and `limits/`."""

from __future__ import annotations

import threading
import time
from typing import Any

from app.sandbox.salesforce.errors import ApiError
from app.sandbox.salesforce.org import Org

DEFAULT_DAILY_LIMIT = 15_000
_RECORD_KB = 2
WINDOW_MINUTES = 24 * 60


class ApiUsage:
    """Calls counted over a rolling 24 hours, in one-minute buckets kept in the org's database so a
    restart does not reset them. Salesforce Developer Limits and Allocations Quick Reference,
    "API Request Limits and Allocations" ("the total number of API requests … per rolling 24-hour
    period"),
    https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
    and "Bulk API and Bulk API 2.0 Limits and Allocations" (batches per rolling 24-hour period),
    https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-bulkapi.html
    """

    def __init__(self, org: Org, config: dict[str, Any]) -> None:
        self.org = org
        self.config = config
        self._lock = threading.Lock()
        org.store.execute(
            "CREATE TABLE IF NOT EXISTS api_usage "
            "(minute INTEGER PRIMARY KEY, calls INTEGER NOT NULL, batches INTEGER NOT NULL)"
        )

    @property
    def max(self) -> int:
        return int(self.config.get("daily_limit") or DEFAULT_DAILY_LIMIT)

    @staticmethod
    def _minute() -> int:
        return int(time.time() // 60)

    def _sum(self, column: str) -> int:
        since = self._minute() - WINDOW_MINUTES + 1
        rows = self.org.store.select(
            f"SELECT COALESCE(SUM({column}), 0) FROM api_usage WHERE minute >= ?",  # noqa: S608
            (since,),
        )
        return int(rows[0][0])

    def _add(self, calls: int, batches: int) -> None:
        store = self.org.store
        minute = self._minute()
        with store.lock:
            store.execute(
                "INSERT INTO api_usage (minute, calls, batches) VALUES (?, ?, ?) "
                "ON CONFLICT (minute) DO UPDATE SET calls = calls + excluded.calls, "
                "batches = batches + excluded.batches",
                (minute, calls, batches),
            )
            store.execute("DELETE FROM api_usage WHERE minute < ?", (minute - WINDOW_MINUTES + 1,))

    @property
    def used(self) -> int:
        return self._sum("calls")

    def set_used(self, value: int) -> None:
        """As if `value` calls were made in the last minute and none before it in the window."""
        with self._lock:
            self.org.store.execute("UPDATE api_usage SET calls = 0")
            self._add(value, 0)

    def take(self) -> None:
        """Count one call, or refuse it with REQUEST_LIMIT_EXCEEDED when the window's are spent."""
        with self._lock:
            if self._sum("calls") >= self.max:
                raise limit_exceeded()
            self._add(1, 0)

    def count_bulk_batches(self, count: int) -> None:
        with self._lock:
            self._add(0, count)

    def header(self) -> str:
        return f"api-usage={self.used}/{self.max}"

    def limits(self) -> dict[str, Any]:
        records = sum(self.org.store.count(obj) for obj in self.org.schema.all_objects())
        storage_max = max(5, records * _RECORD_KB // 1024 * 2)
        batches = self._sum("batches")

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
