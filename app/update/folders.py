"""Where updates live in the data folder: trusted metadata, downloads, the staged copy, records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class UpdateFolders:
    root: Path

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> UpdateFolders:
        return cls(data_dir / "updates")

    @property
    def metadata(self) -> Path:
        """The TUF metadata this PC trusts, starting from the bundle's root."""
        return self.root / "metadata"

    @property
    def targets(self) -> Path:
        """Downloaded archives and patches, each verified against the signed hashes."""
        return self.root / "targets"

    @property
    def unpacking(self) -> Path:
        """Where a verified archive is unpacked before it becomes the staged copy."""
        return self.root / "unpacking"

    @property
    def staged_marker(self) -> Path:
        """Written last: the staged copy beside the installed one is complete."""
        return self.root / "staged.json"

    @property
    def outcome(self) -> Path:
        return self.root / "last-update.json"

    @property
    def helper(self) -> Path:
        """A copy of the new programs that installs them once the running ones have ended."""
        return self.root / "helper"

    def ensure(self) -> UpdateFolders:
        for folder in (self.root, self.metadata, self.targets):
            folder.mkdir(parents=True, exist_ok=True)
        return self
