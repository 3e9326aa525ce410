"""The QuickBooks programs running on this PC, read from the process table (psutil).

`quickbooks_pc(processes)` turns a list of process records into what the doctor needs to know;
the records come from `running_processes()` on a real PC, or from a test's list.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


#: Lists the processes of this PC; the doctor takes one so a test can hand in its own list.
ProcessLister = Callable[[], Sequence[ProcessRecord]]


def running_processes() -> list[ProcessRecord]:
    records = []
    for process in psutil.process_iter(["pid", "name", "username", "exe"]):
        info = process.info
        if not info.get("name"):
            continue
        records.append(
            ProcessRecord(
                pid=int(info["pid"]),
                name=str(info["name"]),
                username=info.get("username"),
                exe=info.get("exe"),
            )
        )
    return records


@dataclass(frozen=True)
class QuickBooksPc:
    """What is running on this PC. `supported` is False off Windows: nothing was looked at."""

    supported: bool
    platform: str
    quickbooks: tuple[ProcessRecord, ...] = ()
    web_connector: tuple[ProcessRecord, ...] = ()
    web_connector_installed: bool = False

    @property
    def quickbooks_users(self) -> set[str]:
        return {p.username for p in self.quickbooks if p.username}

    @property
    def web_connector_users(self) -> set[str]:
        return {p.username for p in self.web_connector if p.username}


def quickbooks_pc(
    processes: ProcessLister = running_processes, platform: str = sys.platform
) -> QuickBooksPc:
    if platform != "win32":
        return QuickBooksPc(supported=False, platform=platform)
    found = list(processes())
    web_connector = tuple(p for p in found if p.name.lower() in WEB_CONNECTOR_NAMES)
    return QuickBooksPc(
        supported=True,
        platform=platform,
        quickbooks=tuple(p for p in found if p.name.lower() in QUICKBOOKS_NAMES),
        web_connector=web_connector,
        web_connector_installed=bool(web_connector) or web_connector_on_disk(),
    )


def web_connector_on_disk() -> bool:
    """QuickBooks Web Connector's program file, where its installer puts it."""
    for variable in ("CommonProgramFiles(x86)", "CommonProgramFiles"):
        root = os.environ.get(variable)
        if root and Path(root, *_WEB_CONNECTOR_FOLDER, "QBWebConnector.exe").is_file():
            return True
    return False
