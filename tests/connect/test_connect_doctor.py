"""`doctor`: the local findings from a given process table, and the remote checks."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest

from app import cli
from app.commands.doctor import Severity, diagnose, pc_findings, render
from app.context import AppContext
from app.platform.processes import ProcessRecord, quickbooks_pc
from app.salesforce.schema_check import required_fields
from app.sandbox.conductor import ConductorSandbox

QB = ProcessRecord(pid=4100, name="QBW.EXE", username="OFFICE\\anna")
QB32 = ProcessRecord(pid=4200, name="QBW32.exe", username="OFFICE\\anna")
WEB_CONNECTOR = ProcessRecord(pid=5100, name="QBWebConnector.exe", username="OFFICE\\anna")
OTHERS = [ProcessRecord(pid=1, name="explorer.exe"), ProcessRecord(pid=2, name="qbw.txt")]


def on_windows(*records: ProcessRecord) -> list:  # type: ignore[type-arg]
    table: Sequence[ProcessRecord] = [*OTHERS, *records]
    return pc_findings(quickbooks_pc(lambda: table, platform="win32"))


def test_quickbooks_and_web_connector_running_is_fine() -> None:
    findings = on_windows(QB, WEB_CONNECTOR)
    assert [f.severity for f in findings] == [Severity.OK, Severity.OK]
    assert "process 4100" in findings[0].summary


def test_two_copies_of_quickbooks_are_a_warning() -> None:
    findings = on_windows(QB, QB32, WEB_CONNECTOR)
    warning = findings[0]
    assert warning.severity is Severity.WARNING
    assert "2 copies of QuickBooks Desktop are running (processes 4100, 4200)" in warning.summary
    assert "Task Manager" in warning.what_to_do


def test_web_connector_not_running_is_a_problem() -> None:
    findings = on_windows(QB)
    problem = findings[1]
    assert problem.severity is Severity.PROBLEM
    assert "Web Connector" in problem.summary
    assert problem.what_to_do


def test_quickbooks_closed_is_only_a_note() -> None:
    findings = on_windows(WEB_CONNECTOR)
    assert findings[0].severity is Severity.NOTE
    assert "not open" in findings[0].summary
    assert "allow access even if QuickBooks is not" in findings[0].what_to_do


def test_different_windows_users_are_a_warning() -> None:
    other_user = ProcessRecord(pid=5200, name="QBWebConnector.exe", username="OFFICE\\admin")
    findings = on_windows(QB, other_user)
    assert findings[-1].severity is Severity.WARNING
    assert "OFFICE\\anna" in findings[-1].summary and "OFFICE\\admin" in findings[-1].summary


def test_off_windows_the_local_checks_say_so() -> None:
    findings = pc_findings(quickbooks_pc(lambda: [QB, WEB_CONNECTOR], platform="linux"))
    assert len(findings) == 1
    assert findings[0].severity is Severity.NOTE
    assert "need Windows" in findings[0].summary and "Linux" in findings[0].summary


def test_doctor_on_a_fresh_pc(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["doctor"]) == 3
    out = capsys.readouterr().out
    assert "Run `connect quickbooks`" in out
    assert "Run `connect salesforce`" in out
    assert "Overall: Not set up: Connect QuickBooks and sign in to Salesforce" in out


def test_doctor_finds_the_dialog_and_the_second_quickbooks(
    connected: AppContext, conductor_sandbox: ConductorSandbox
) -> None:
    conductor_sandbox.add_fault("qb_dialog", times=None)
    findings, health = diagnose(
        connected, processes=lambda: [QB, QB32, WEB_CONNECTOR], platform="win32", schema=False
    )
    by_area = {(f.area, f.severity) for f in findings}
    assert ("This PC", Severity.WARNING) in by_area
    assert ("QuickBooks", Severity.PROBLEM) in by_area
    assert ("Salesforce", Severity.OK) in by_area
    assert ("Salesforce requests", Severity.OK) in by_area
    out = io.StringIO()
    render(findings, health, out)
    text = out.getvalue()
    assert "close any open dialog or pop-up window in QuickBooks" in text
    assert "Overall: Needs attention" in text


def test_doctor_all_clear(connected: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    connected.close()
    code = cli.main(["doctor"])
    out = capsys.readouterr().out
    assert "[ok  ] QuickBooks answered in" in out
    objects = len(required_fields())  # every workflow, the default field map
    assert f"[ok  ] Checked {objects} Salesforce objects" in out, out
    assert "Overall: Healthy" in out
    assert code == 0
