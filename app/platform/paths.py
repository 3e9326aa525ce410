"""Where state, logs and settings live: platformdirs, or one folder from --data-dir."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app import APP_ID

DATA_DIR_ENV = "QBSF_DATA_DIR"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    log_dir: Path
    config_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "sync.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "qbsf.log"

    @property
    def mapping_file(self) -> Path:
        return self.config_dir / "mapping.toml"

    @property
    def run_lock(self) -> Path:
        return self.data_dir / "sync.lock"

    def ensure(self) -> AppPaths:
        for folder in (self.data_dir, self.log_dir, self.config_dir):
            if not folder.exists():
                folder.mkdir(parents=True)
                if os.name == "posix":
                    folder.chmod(0o700)
        return self


def resolve_paths(data_dir: str | Path | None = None) -> AppPaths:
    """An explicit folder (argument, then environment) holds everything; else the OS defaults."""
    override = data_dir or os.environ.get(DATA_DIR_ENV)
    if override:
        root = Path(override).expanduser().resolve()
        return AppPaths(data_dir=root, log_dir=root / "logs", config_dir=root)
    return AppPaths(
        data_dir=Path(platformdirs.user_data_dir(APP_ID, appauthor=False)),
        log_dir=Path(platformdirs.user_log_dir(APP_ID, appauthor=False)),
        config_dir=Path(platformdirs.user_config_dir(APP_ID, appauthor=False)),
    )
