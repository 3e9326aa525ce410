"""Starting the installer process that outlives the app and moves the staged version in.

A frozen build cannot replace its own folder while its programs run, so the installer runs from
a copy of the new version's programs in the data folder; a source checkout runs this interpreter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from app import APP_ID
from app.update.apply import detached
from app.update.folders import UpdateFolders
from app.update.installation import Installation
from app.update.staged import read_staged


def installer_arguments(
    data_dir: Path, installation: Installation, *, wait_pid: int, restart: bool
) -> list[str]:
    return [
        "--data-dir",
        str(data_dir),
        "update",
        "--install-staged",
        "--install-dir",
        str(installation.folder),
        "--wait-pid",
        str(wait_pid),
        *(["--restart"] if restart else []),
    ]


def installer_program(installation: Installation, folders: UpdateFolders) -> list[str]:
    if not getattr(sys, "frozen", False):
        return [sys.executable, "-m", "app"]
    shutil.rmtree(folders.helper, ignore_errors=True)
    shutil.copytree(installation.staging, folders.helper)
    name = f"{APP_ID}-cli.exe" if os.name == "nt" else f"{APP_ID}-cli"
    return [str(folders.helper / name)]


def start_installer(
    data_dir: Path,
    installation: Installation,
    folders: UpdateFolders,
    *,
    wait_pid: int | None = None,
    restart: bool = False,
) -> subprocess.Popen[bytes] | None:
    """Starts the installer when a version is staged; it waits for `wait_pid` to end."""
    if read_staged(folders) is None:
        return None
    command = [
        *installer_program(installation, folders),
        *installer_arguments(
            data_dir, installation, wait_pid=wait_pid or os.getpid(), restart=restart
        ),
    ]
    return subprocess.Popen(command, **detached())  # type: ignore[call-overload, no-any-return]
