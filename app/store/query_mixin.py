"""The base of the query mixins `Store` is made of: the connection helpers `Store` provides,
declared once for the type checker (nothing of it exists at run time)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any


class StoreQueries:
    if TYPE_CHECKING:

        def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor: ...

        def _write(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor: ...

        def _write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

        def transaction(self) -> contextlib.AbstractContextManager[None]: ...
