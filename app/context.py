"""What every command and window needs: paths, the store, the credential store, configuration."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from app.logs import setup_logging
from app.platform.credentials import CredentialStore
from app.platform.paths import AppPaths, resolve_paths
from app.store import Store, open_store


@dataclass
class AppContext:
    paths: AppPaths
    credentials: CredentialStore = field(default_factory=CredentialStore)
    _store: Store | None = None

    @classmethod
    def create(
        cls, data_dir: str | Path | None = None, *, console_level: int | None = 30
    ) -> AppContext:
        paths = resolve_paths(data_dir).ensure()
        setup_logging(paths.log_dir, console_level=console_level)
        return cls(paths=paths)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.paths.database)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            with contextlib.suppress(Exception):
                self._store.close()
            self._store = None
