"""The engine the tray drives, opened on a worker thread (opening it refreshes a Salesforce token)
and kept until the connection settings change."""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.context import AppContext
from app.engine.engine import SyncEngine
from app.engine.factory import open_engine
from app.salesforce.oauth import KeyringRefresherFactory

EngineOpener = Callable[[AppContext], SyncEngine]


def open_configured_engine(ctx: AppContext) -> SyncEngine:
    return open_engine(ctx, KeyringRefresherFactory(ctx.credentials))


class EngineProvider:
    def __init__(self, ctx: AppContext, opener: EngineOpener = open_configured_engine) -> None:
        self._ctx = ctx
        self._opener = opener
        self._engine: SyncEngine | None = None
        self._lock = threading.Lock()

    def get(self) -> SyncEngine:
        """Call from a worker thread only."""
        with self._lock:
            if self._engine is None:
                self._engine = self._opener(self._ctx)
            return self._engine

    def reset(self) -> None:
        """After setup or settings changed: the next `get()` opens a fresh engine."""
        with self._lock:
            # A run may still hold the old engine; it is dropped, not closed under it.
            self._engine = None
