"""What the last update did, kept in the data folder so the next start can say it."""

from __future__ import annotations

import contextlib
import shutil
import time
from dataclasses import asdict, dataclass, replace
from enum import StrEnum

import psutil

from app.update.folders import UpdateFolders
from app.update.installation import Installation
from app.update.records import load_record, save_record


class State(StrEnum):
    #: The app quit with an update ready; the installer waits for it to end.
    PENDING = "pending"
    WAITING_FOR_SYNC = "waiting_for_sync"
    INSTALLING = "installing"
    INSTALLED = "installed"
    FAILED = "failed"
    #: A sync ran for longer than the installer waits; the next quit tries again.
    POSTPONED = "postponed"


@dataclass(frozen=True)
class Outcome:
    state: State
    from_version: str
    to_version: str
    message: str = ""
    at: float = 0.0
    reported: bool = False
    #: The installer's process while it works; a record it left behind has a dead one.
    pid: int = 0


UNFINISHED = (State.PENDING, State.WAITING_FOR_SYNC, State.INSTALLING)


def write_outcome(folders: UpdateFolders, outcome: Outcome) -> Outcome:
    stamped = replace(outcome, at=outcome.at or time.time())
    save_record(folders.outcome, asdict(stamped))
    return stamped


def read_outcome(folders: UpdateFolders) -> Outcome | None:
    data = load_record(folders.outcome)
    try:
        return Outcome(**{**data, "state": State(data["state"])}) if data is not None else None
    except (ValueError, TypeError, KeyError):
        return None


def describe(outcome: Outcome, running: str) -> str:
    """The outcome in plain words, seen from the version that is running now."""
    to, before = outcome.to_version, outcome.from_version
    if running == to:
        return f"Updated to version {to} (from {before})."
    if outcome.state is State.FAILED:
        return (
            f"The update to version {to} could not be installed: {outcome.message} "
            f"Version {running} is still installed and working."
        )
    if outcome.state is State.POSTPONED:
        return (
            f"The update to version {to} waits for a sync to finish; it is installed the next "
            "time the app quits."
        )
    if outcome.state is State.INSTALLED:
        return f"The update to version {to} was installed, but this copy is version {running}."
    return (
        f"The update to version {to} did not finish (it was interrupted). Version {running} is "
        "still installed and working; the update will be offered again."
    )


def news_at_start(folders: UpdateFolders, installation: Installation) -> str | None:
    """What the last update did, once: the record is marked as told, the old copy removed."""
    outcome = read_outcome(folders)
    if outcome is None or outcome.reported:
        return None
    if outcome.state in UNFINISHED and outcome.pid and psutil.pid_exists(outcome.pid):
        return f"The update to version {outcome.to_version} is being installed."
    if installation.version == outcome.to_version:
        # The new copy runs: the previous one is no longer needed to go back to.
        shutil.rmtree(installation.backup, ignore_errors=True)
    with contextlib.suppress(OSError):
        write_outcome(folders, replace(outcome, reported=True))
    return describe(outcome, installation.version)
