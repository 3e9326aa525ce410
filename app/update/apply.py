"""Moving the staged version in, once the app has ended and no sync holds the run lock.

Runs in its own process (see `launcher`). The swap is two renames in one folder: the installed
copy to `<folder>.previous`, the staged copy to `<folder>`; if the second fails the first is undone,
so the installed version keeps working. Holding the run lock meanwhile keeps any sync from starting.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from app.platform.runlock import RunLock, RunLockBusyError
from app.update.folders import UpdateFolders
from app.update.installation import Installation
from app.update.outcome import Outcome, State, read_outcome, write_outcome
from app.update.staged import discard_staged, read_staged, staged_intact

log = logging.getLogger(__name__)

RENAME_TRIES = 20


@dataclass(frozen=True)
class Waiting:
    """How long the installer waits: `polls` times `poll_s` seconds for each thing."""

    poll_s: float = 2.0
    #: For the app to end (a sync in it finishes its batch first).
    app_polls: int = 900
    #: For a sync elsewhere (the command line, a scheduled task) to finish: about six hours.
    sync_polls: int = 10_800


def install_staged(
    installation: Installation,
    folders: UpdateFolders,
    lock_path: Path,
    *,
    wait_pid: int | None = None,
    restart: bool = False,
    waiting: Waiting | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome | None:
    """Installs the staged version; None when nothing is staged."""
    waiting = waiting or Waiting()
    staged = read_staged(folders)
    if staged is None:
        return None

    def record(state: State, message: str = "") -> Outcome:
        return write_outcome(
            folders,
            Outcome(state, staged.from_version, staged.version, message, pid=os.getpid()),
        )

    record(State.PENDING)
    if wait_pid is not None:
        for _ in range(waiting.app_polls):
            if not psutil.pid_exists(wait_pid):
                break
            sleep(waiting.poll_s)
    lock = RunLock(lock_path, trigger="update")
    for attempt in range(waiting.sync_polls + 1):
        try:
            lock.acquire()
            break
        except RunLockBusyError:
            if attempt == 0:
                log.info("An update waits for the running sync to finish")
                record(State.WAITING_FOR_SYNC)
            if attempt < waiting.sync_polls:
                sleep(waiting.poll_s)
    else:
        return record(State.POSTPONED, "A sync was still running.")
    try:
        outcome = _swap(installation, folders, record)
    finally:
        lock.release()
    if restart and outcome is not None and outcome.state is State.INSTALLED:
        restart_app(Installation.of_folder(installation.folder))
    return outcome


def _swap(
    installation: Installation, folders: UpdateFolders, record: Callable[..., Outcome]
) -> Outcome | None:
    staged = read_staged(folders)
    if staged is None:
        # Another installer (the tray's and the command line's both start one) was first.
        return read_outcome(folders)
    if not staged_intact(staged):
        discard_staged(folders, installation.staging)
        return record(
            State.FAILED,
            "the downloaded copy was no longer complete (files were removed from it); it will "
            "be downloaded again.",
        )
    record(State.INSTALLING)
    folder, backup = installation.folder, installation.backup
    try:
        _remove_tree(backup)
        _rename(folder, backup)
    except OSError as exc:
        return record(State.FAILED, f"the installed files could not be moved aside ({exc}).")
    try:
        _rename(staged.path, folder)
    except OSError as exc:
        _rename(backup, folder)
        return record(State.FAILED, f"the new files could not be moved into place ({exc}).")
    folders.staged_marker.unlink(missing_ok=True)
    log.info("Updated %s from %s to %s", folder, staged.from_version, staged.version)
    return record(State.INSTALLED)


def _rename(source: Path, target: Path) -> None:
    """A rename, tried again for a while: a virus scanner may hold a file for a moment."""
    for attempt in range(RENAME_TRIES):
        try:
            source.rename(target)
            return
        except OSError:
            if attempt == RENAME_TRIES - 1:
                raise
            time.sleep(0.5)


def _remove_tree(folder: Path) -> None:
    if folder.is_dir():
        shutil.rmtree(folder)
    elif folder.exists():
        folder.unlink()


def restart_app(installation: Installation) -> None:
    program = installation.tray_program
    if program is None:
        log.info("No tray program in %s to start again", installation.folder)
        return
    subprocess.Popen([str(program)], cwd=str(installation.folder), **detached())


def detached() -> dict[str, object]:
    """Popen arguments for a process that outlives this one, with no console of its own."""
    quiet: dict[str, object] = {
        "stdin": subprocess.DEVNULL,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "close_fds": True,
    }
    if sys.platform == "win32":
        flags = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
        return {**quiet, "creationflags": flags | subprocess.CREATE_NO_WINDOW}
    return {**quiet, "start_new_session": True}
