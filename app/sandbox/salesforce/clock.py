"""The org's clock: SystemModstamp and the other audit times, kept to the second.

Two writes in the same second get the same stamp, so readers that page by SystemModstamp see ties.
A write is stamped when its transaction starts and becomes visible when it commits; with a commit
lag a write is stamped `commit_lag` before the moment it is visible, so a reader whose cursor has
already passed that stamp finds it only by reading back over an overlap. Documentation:
- Object Reference, "System Fields" (SystemModstamp),
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/system_fields.htm
- SOQL and SOSL Reference, "Date Formats and Date Literals" (dateTime values to the second),
  https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm
- SOAP API Developer Guide, "GetUpdatedResult" (latestDateCovered): changes that started before
  a time but did not complete by it are not returned by a read at that time, and a long-running
  transaction holds back the covered date to its start time,
  https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getupdated_getupdatedresult.htm
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, floor: datetime | None = None) -> None:
        self._last = floor or datetime(1970, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()
        self._frozen = False
        #: How long before it is visible a write is stamped (its transaction's duration).
        self.commit_lag = timedelta(0)

    def now(self) -> datetime:
        """Real time to the second, never earlier than a stamp already given, less the lag."""
        with self._lock:
            if self._frozen:
                current = self._last + timedelta(seconds=1)
            else:
                current = max(datetime.now(UTC).replace(microsecond=0), self._last)
            self._last = current
            return current - self.commit_lag

    @contextlib.contextmanager
    def frozen(self, start: datetime) -> Iterator[None]:
        """Tick one second a stamp from `start`, whatever the real time: seeded data stays the
        same."""
        with self._lock:
            self._last, self._frozen = start, True
        try:
            yield
        finally:
            with self._lock:
                self._frozen = False
