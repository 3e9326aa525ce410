"""The QuickBooks programs running on this PC, read from the process table (psutil).

`quickbooks_pc(processes)` turns a list of process records into what the doctor needs to know;
the records come from `running_processes()` on a real PC, or from a recorded table in a test.

Besides name and user, each record of interest carries its Windows session
(`ProcessIdToSessionId`) and whether it runs elevated ("as administrator", `TokenElevation`):
the Web Connector reaches QuickBooks only in its own session and at the same elevation. What
Windows refused to tell (psutil's AccessDenied, a token that cannot be opened) is listed in
`denied`, so the doctor reports it as unknown instead of passing it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import psutil

QUICKBOOKS_NAMES = frozenset({"qbw32.exe", "qbw.exe"})
WEB_CONNECTOR_NAMES = frozenset({"qbwebconnector.exe"})
_WEB_CONNECTOR_FOLDER = ("Intuit", "QuickBooks", "QBWebConnector")


@dataclass(frozen=True)
class ProcessRecord:
    pid: int
    name: str
    username: str | None = None
    exe: str | None = None
    #: Terminal Services session; None when not read.
    session: int | None = None
    #: Runs as administrator (an elevated token); None when not read.
    elevated: bool | None = None
    #: The details Windows refused to give ("username", "session", "elevated").
    denied: frozenset[str] = frozenset()


#: Lists the processes of this PC; the doctor takes one so a test can hand in its own list.
ProcessLister = Callable[[], Sequence[ProcessRecord]]


_DENIED = object()


def running_processes() -> list[ProcessRecord]:
    """This PC's process table; the QuickBooks programs and this app with session and elevation."""
    own_pid = os.getpid()
    records = []
    for process in psutil.process_iter(["pid", "name", "username", "exe"], ad_value=_DENIED):
        info = process.info
        name = info.get("name")
        if not name or name is _DENIED:
            continue
        denied = {key for key in ("username", "exe") if info.get(key) is _DENIED}
        record = ProcessRecord(
            pid=int(info["pid"]),
            name=str(name),
            username=None if "username" in denied else info.get("username"),
            exe=None if "exe" in denied else info.get("exe"),
            denied=frozenset(denied),
        )
        if sys.platform == "win32" and (is_of_interest(record) or record.pid == own_pid):
            record = with_session_and_elevation(record)
        records.append(record)
    return records


def is_of_interest(record: ProcessRecord) -> bool:
    return record.name.lower() in QUICKBOOKS_NAMES | WEB_CONNECTOR_NAMES


def with_session_and_elevation(record: ProcessRecord) -> ProcessRecord:
    from app.platform import win_process

    denied = set(record.denied)
    session = win_process.session_of(record.pid)
    if session is None:
        denied.add("session")
    elevated = win_process.is_elevated(record.pid)
    if elevated is None:
        denied.add("elevated")
    return replace(record, session=session, elevated=elevated, denied=frozenset(denied))


@dataclass(frozen=True)
class QuickBooksPc:
    """What is running on this PC. `supported` is False off Windows: nothing was looked at.

    `quickbooks` and `web_connector` are those of this app's session (all of them when the
    session is unknown); `elsewhere` holds the QuickBooks programs of other users' sessions.
    """

    supported: bool
    platform: str
    quickbooks: tuple[ProcessRecord, ...] = ()
    web_connector: tuple[ProcessRecord, ...] = ()
    web_connector_installed: bool = False
    app: ProcessRecord | None = None
    elsewhere: tuple[ProcessRecord, ...] = ()

    @property
    def quickbooks_users(self) -> set[str]:
        return {p.username for p in self.quickbooks if p.username}

    @property
    def web_connector_users(self) -> set[str]:
        return {p.username for p in self.web_connector if p.username}


def quickbooks_pc(
    processes: ProcessLister = running_processes,
    platform: str = sys.platform,
    own_pid: int | None = None,
) -> QuickBooksPc:
    if platform != "win32":
        return QuickBooksPc(supported=False, platform=platform)
    found = list(processes())
    own_pid = os.getpid() if own_pid is None else own_pid
    app = next((p for p in found if p.pid == own_pid), None)
    session = app.session if app is not None else None

    def here(record: ProcessRecord) -> bool:
        return session is None or record.session is None or record.session == session

    interesting = [p for p in found if is_of_interest(p)]
    web_connector = tuple(
        p for p in interesting if p.name.lower() in WEB_CONNECTOR_NAMES and here(p)
    )
    return QuickBooksPc(
        supported=True,
        platform=platform,
        quickbooks=tuple(p for p in interesting if p.name.lower() in QUICKBOOKS_NAMES and here(p)),
        web_connector=web_connector,
        web_connector_installed=bool(web_connector) or web_connector_on_disk(),
        app=app,
        elsewhere=tuple(p for p in interesting if not here(p)),
    )


def web_connector_on_disk() -> bool:
    """QuickBooks Web Connector's program file, where its installer puts it."""
    for variable in ("CommonProgramFiles(x86)", "CommonProgramFiles"):
        root = os.environ.get(variable)
        if root and Path(root, *_WEB_CONNECTOR_FOLDER, "QBWebConnector.exe").is_file():
            return True
    return False
