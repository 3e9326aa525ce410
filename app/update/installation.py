"""The installed copy updates replace: its folder, its version and the update keys it trusts.

A PyInstaller build keeps its data files in `_internal` beside the programs; resources/ is copied
there whole, so `resources/update/root.json` (the repository's root metadata, public) ships in the
bundle when the build finds it. A source checkout is not an installation: git brings its updates.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from app import APP_ID, __version__

#: Overrides the installed folder (tests and portable copies); a frozen build uses its own.
INSTALL_DIR_ENV = "QBSF_UPDATE_INSTALL_DIR"
#: Written into a bundle by whoever builds it: {"version": "..."}.
BUNDLE_INFO = "qbsf-bundle.json"
DATA_FOLDER = "_internal"
TRUST_FOLDER = Path("resources") / "update"
ROOT_FILE = "root.json"
#: The default update server's address, one line, shipped beside the root metadata.
SERVER_FILE = "server.txt"


@dataclass(frozen=True)
class Installation:
    folder: Path
    version: str

    @classmethod
    def of_folder(cls, folder: Path) -> Installation:
        folder = folder.resolve()
        return cls(folder=folder, version=bundle_version(folder) or __version__)

    @property
    def data(self) -> Path:
        inner = self.folder / DATA_FOLDER
        return inner if inner.is_dir() else self.folder

    @property
    def trusted_root(self) -> Path:
        return self.data / TRUST_FOLDER / ROOT_FILE

    @property
    def default_server(self) -> str:
        try:
            return (self.data / TRUST_FOLDER / SERVER_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    @property
    def tray_program(self) -> Path | None:
        name = f"{APP_ID}.exe" if os.name == "nt" else APP_ID
        program = self.folder / name
        return program if program.is_file() else None

    @property
    def backup(self) -> Path:
        """Where the previous copy waits until the new one has started once."""
        return self.folder.with_name(self.folder.name + ".previous")

    @property
    def staging(self) -> Path:
        """The next version, unpacked beside this one so that moving it in is one rename."""
        return self.folder.with_name(self.folder.name + ".next")


def bundle_version(folder: Path) -> str:
    """The version a bundle says it is; empty when it does not say."""
    for place in (folder / DATA_FOLDER / BUNDLE_INFO, folder / BUNDLE_INFO):
        try:
            info = json.loads(place.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and isinstance(info.get("version"), str):
            return str(info["version"])
    return ""


def current_installation() -> Installation | None:
    """This program's installed copy; None when it runs from a source checkout."""
    override = os.environ.get(INSTALL_DIR_ENV)
    if override:
        return Installation.of_folder(Path(override))
    if getattr(sys, "frozen", False):
        return Installation.of_folder(Path(sys.executable).parent)
    return None
