"""`doctor`'s verdicts on this PC, from recorded process tables (as `running_processes()` gives
them on Windows): sessions, elevation, and details Windows would not give."""

from __future__ import annotations

import os
from typing import Any

from app.commands.doctor import Finding, Severity, pc_findings
from app.platform.processes import ProcessRecord, quickbooks_pc, running_processes

APP_PID = 7000

#: A terminal server: anna (session 2) runs the app; bob (session 3) has QuickBooks open too.
TERMINAL_SERVER: list[dict[str, Any]] = [
    {"pid": 4, "name": "System", "denied": {"username"}},
    {"pid": 612, "name": "winlogon.exe", "username": None, "session": 2},
    {"pid": APP_PID, "name": "qbsf.exe", "username": "TS\\anna", "session": 2, "elevated": False},
    {"pid": 4100, "name": "QBW.EXE", "username": "TS\\anna", "session": 2, "elevated": False},
    {"pid": 4300, "name": "QBW.EXE", "username": "TS\\bob", "session": 3, "elevated": False},
    {"pid": 5100, "name": "QBWebConnector.exe", "username": "TS\\anna", "session": 2,
     "elevated": False},
]  # fmt: skip


def table(rows: list[dict[str, Any]], **changes: dict[str, Any]) -> list[ProcessRecord]:
    """The rows as records; `changes` maps a pid (as "p4100") to fields that differ."""
    records = []
    for row in rows:
        row = {**row, **changes.get(f"p{row['pid']}", {})}
        row["denied"] = frozenset(row.get("denied", ()))
        records.append(ProcessRecord(**row))
    return records


def verdicts(records: list[ProcessRecord]) -> list[Finding]:
    return pc_findings(quickbooks_pc(lambda: records, platform="win32", own_pid=APP_PID))


def test_other_users_quickbooks_on_a_terminal_server_is_not_a_second_copy() -> None:
    findings = verdicts(table(TERMINAL_SERVER))
    assert findings[0].severity is Severity.OK
    assert "process 4100" in findings[0].summary
    assert not any("copies" in f.summary for f in findings)
    note = next(f for f in findings if "other Windows session" in f.summary)
    assert note.severity is Severity.NOTE and "TS\\bob" in note.summary
    assert not any(f.severity in (Severity.WARNING, Severity.PROBLEM) for f in findings)


def test_quickbooks_as_administrator_says_to_restart_quickbooks_normally() -> None:
    findings = verdicts(table(TERMINAL_SERVER, p4100={"elevated": True}))
    problem = next(f for f in findings if f.severity is Severity.PROBLEM)
    assert problem.summary.startswith("QuickBooks runs as administrator but the Web Connector")
    assert problem.what_to_do.startswith("Close QuickBooks and start it again normally")


def test_web_connector_as_administrator_says_to_restart_the_web_connector() -> None:
    findings = verdicts(table(TERMINAL_SERVER, p5100={"elevated": True}))
    problem = next(f for f in findings if f.severity is Severity.PROBLEM)
    assert problem.summary.startswith("QuickBooks Web Connector runs as administrator")
    assert problem.what_to_do.startswith("Close QuickBooks Web Connector and start it again")


def test_elevation_windows_would_not_tell_is_unknown_not_a_pass() -> None:
    records = table(TERMINAL_SERVER, p4100={"elevated": None, "denied": {"elevated"}})
    findings = verdicts(records)
    unknown = next(f for f in findings if "administrator is unknown" in f.summary)
    assert unknown.severity is Severity.WARNING
    assert "QuickBooks" in unknown.summary and "Run as administrator" in unknown.what_to_do


def test_a_user_windows_would_not_tell_is_unknown_not_a_pass() -> None:
    records = table(TERMINAL_SERVER, p5100={"username": None, "denied": {"username"}})
    findings = verdicts(records)
    unknown = next(f for f in findings if "would not say which user" in f.summary)
    assert unknown.severity is Severity.WARNING
    assert "QuickBooks Web Connector" in unknown.summary
    assert "Task Manager" in unknown.what_to_do


def test_quickbooks_and_web_connector_in_different_sessions_is_a_problem() -> None:
    rows = [r for r in TERMINAL_SERVER if r["pid"] not in (APP_PID, 4300)]
    findings = verdicts(table(rows, p5100={"session": 3, "username": "TS\\anna"}))
    problem = next(f for f in findings if f.severity is Severity.PROBLEM)
    assert "different Windows sessions" in problem.summary
    assert "Close QuickBooks Web Connector" in problem.what_to_do


def test_two_copies_in_the_apps_own_session_are_still_a_warning() -> None:
    second = {"pid": 4200, "name": "QBW32.exe", "username": "TS\\anna", "session": 2}
    findings = verdicts(table([*TERMINAL_SERVER, second]))
    assert findings[0].severity is Severity.WARNING
    summary = findings[0].summary
    assert "2 copies of QuickBooks Desktop are running (processes 4100, 4200)" in summary


def test_the_real_process_table_includes_this_process() -> None:
    records = running_processes()
    assert any(r.pid == os.getpid() for r in records)
    pc = quickbooks_pc(lambda: records, platform="win32")
    assert pc.app is not None and pc.app.pid == os.getpid()
