"""The next version, unpacked and complete beside the installed one, waiting for the app to quit.

The marker is written last and names the copy's size, so a copy that lost files since (a cleanup
tool, a full disk) is noticed before anything is moved.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from app.update.folders import UpdateFolders
from app.update.records import load_record, save_record


@dataclass(frozen=True)
class StagedUpdate:
    version: str
    from_version: str
    folder: str
    files: int
    size: int

    @property
    def path(self) -> Path:
        return Path(self.folder)


def tree_size(folder: Path) -> tuple[int, int]:
    """(number of files, bytes) under `folder`."""
    files = size = 0
    for base, _dirs, names in os.walk(folder):
        for name in names:
            files += 1
            size += (Path(base) / name).stat().st_size
    return files, size


def write_staged(
    folders: UpdateFolders, version: str, from_version: str, folder: Path
) -> StagedUpdate:
    files, size = tree_size(folder)
    staged = StagedUpdate(version, from_version, str(folder), files, size)
    save_record(folders.staged_marker, asdict(staged))
    return staged


def read_staged(folders: UpdateFolders) -> StagedUpdate | None:
    data = load_record(folders.staged_marker)
    try:
        return StagedUpdate(**data) if data is not None else None
    except TypeError:
        return None


def staged_intact(staged: StagedUpdate) -> bool:
    return staged.path.is_dir() and tree_size(staged.path) == (staged.files, staged.size)


def discard_staged(folders: UpdateFolders, staging: Path) -> None:
    with contextlib.suppress(OSError):
        folders.staged_marker.unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
