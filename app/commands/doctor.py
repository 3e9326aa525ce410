"""`doctor`: checks this PC and both connections; each finding in plain words with what to do.

`diagnose()` is UI-free, so the tray's "Check connection" can show the same findings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TextIO

from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.domain.errors import UserError
from app.engine.health import (
    Health,
    Part,
    Probe,
    Status,
    api_reserve_reached,
    check_configured,
    status_for,
)
from app.platform.credentials import CredentialStore, keyring_round_trip
from app.platform.processes import (
    QUICKBOOKS_NAMES,
    ProcessLister,
    ProcessRecord,
    QuickBooksPc,
    quickbooks_pc,
    running_processes,
)


class Severity(StrEnum):
    OK = "ok"
    NOTE = "note"
    WARNING = "warning"
    PROBLEM = "problem"


_MARKS = {
    Severity.OK: "ok  ",
    Severity.NOTE: "note",
    Severity.WARNING: "warn",
    Severity.PROBLEM: "FAIL",
}


@dataclass(frozen=True)
class Finding:
    area: str
    severity: Severity
    summary: str
    what_to_do: str = ""


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "doctor", help="check this PC, QuickBooks and Salesforce, and say what to fix"
    )
    parser.add_argument(
        "--skip-schema-check", action="store_true", help="do not describe the Salesforce objects"
    )
    parser.add_argument(
        "--check-keyring",
        action="store_true",
        help="also save, read back and remove a 5,000-character test secret in the password "
        "store (Windows Credential Manager)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    findings, health = diagnose(ctx, schema=not args.skip_schema_check)
    if getattr(args, "check_keyring", False):
        findings.append(keyring_finding(ctx.credentials))
    render(findings, health, sys.stdout)
    problem = any(f.severity is Severity.PROBLEM for f in findings)
    if health.status in (Status.HEALTHY, Status.SYNCING) and not problem:
        return ExitCode.OK
    return ExitCode.NEEDS_ATTENTION


def diagnose(
    ctx: AppContext,
    *,
    processes: ProcessLister = running_processes,
    platform: str = sys.platform,
    schema: bool = True,
    own_pid: int | None = None,
) -> tuple[list[Finding], Health]:
    health = check_configured(
        ctx.store,
        ctx.credentials,
        ctx.paths.data_dir,
        mapping_file=ctx.paths.mapping_file,
        schema=schema,
    )
    findings = pc_findings(quickbooks_pc(processes, platform, own_pid)) + health_findings(health)
    return findings, health


# -- this PC ----------------------------------------------------------------------------------
def pc_findings(pc: QuickBooksPc) -> list[Finding]:
    area = "This PC"
    if not pc.supported:
        system = {"linux": "Linux", "darwin": "macOS"}.get(pc.platform, pc.platform)
        return [
            Finding(
                area,
                Severity.NOTE,
                f"The checks of QuickBooks on this PC need Windows; this computer runs {system}, "
                "so they were skipped.",
                "Run `doctor` on the Windows PC that runs QuickBooks Desktop to check it too.",
            )
        ]
    findings = [_quickbooks_processes(pc), _web_connector(pc)]
    findings += _other_sessions(pc)
    findings += _users(pc)
    findings += _sessions(pc)
    findings += _elevation(pc)
    return findings


def _users(pc: QuickBooksPc) -> list[Finding]:
    area = "This PC"
    unreadable = [p for p in (*pc.quickbooks, *pc.web_connector) if "username" in p.denied]
    if unreadable:
        return [
            Finding(
                area,
                Severity.WARNING,
                f"Windows would not say which user runs {_programs(unreadable)}, so whether "
                "QuickBooks and the Web Connector run as the same Windows user is unknown.",
                "Open Task Manager > Details and check the User name column: QBW.exe and "
                "QBWebConnector.exe must show the same user. Running `doctor` as that user "
                "lets it check this itself.",
            )
        ]
    qb_users, wc_users = pc.quickbooks_users, pc.web_connector_users
    if qb_users and wc_users and not qb_users & wc_users:
        return [
            Finding(
                area,
                Severity.WARNING,
                f"QuickBooks runs as Windows user {_names(qb_users)}, but QuickBooks Web "
                f"Connector runs as {_names(wc_users)}.",
                "Run both as the same Windows user: close both, sign in to Windows as the user "
                "who owns the QuickBooks setup, and start them again.",
            )
        ]
    return []


def _other_sessions(pc: QuickBooksPc) -> list[Finding]:
    elsewhere = [p for p in pc.elsewhere if p.name.lower() in QUICKBOOKS_NAMES]
    if not elsewhere:
        return []
    users = {p.username for p in elsewhere if p.username}
    who = f" ({_names(users)})" if users else ""
    return [
        Finding(
            "This PC",
            Severity.NOTE,
            f"QuickBooks is also open in {len(elsewhere)} other Windows session(s){who}: other "
            "people signed in to this PC. They are not counted here.",
        )
    ]


def _sessions(pc: QuickBooksPc) -> list[Finding]:
    qb = {p.session for p in pc.quickbooks if p.session is not None}
    wc = {p.session for p in pc.web_connector if p.session is not None}
    if not qb or not wc or qb & wc:
        return []
    return [
        Finding(
            "This PC",
            Severity.PROBLEM,
            "QuickBooks and the Web Connector run in different Windows sessions (different "
            "sign-ins to this PC), and the Web Connector only reaches QuickBooks in its own.",
            "Close QuickBooks Web Connector, then start it again from the Start menu while "
            "signed in as the person whose QuickBooks is open.",
        )
    ]


def _elevation(pc: QuickBooksPc) -> list[Finding]:
    area = "This PC"
    programs = [*pc.quickbooks, *pc.web_connector]
    unknown = [p for p in programs if "elevated" in p.denied]
    if unknown:
        app_elevated = pc.app is not None and pc.app.elevated
        likely = (
            "" if app_elevated else " (Windows hides this when a program runs as administrator)"
        )
        return [
            Finding(
                area,
                Severity.WARNING,
                f"Whether {_programs(unknown)} runs as administrator is unknown{likely}. "
                "QuickBooks and the Web Connector only talk to each other when both run the "
                "same way.",
                'If either was started with "Run as administrator" (or its shortcut is set to '
                "always do so under Properties > Compatibility), close it and start it again "
                "normally from the Start menu, so both run without administrator rights.",
            )
        ]
    qb = {p.elevated for p in pc.quickbooks if p.elevated is not None}
    wc = {p.elevated for p in pc.web_connector if p.elevated is not None}
    if not qb or not wc or qb == wc:
        return []
    if True in qb:
        restart, other = "QuickBooks", "the Web Connector"
    else:
        restart, other = "QuickBooks Web Connector", "QuickBooks"
    return [
        Finding(
            area,
            Severity.PROBLEM,
            f"{restart} runs as administrator but {other} does not, so they cannot talk to "
            "each other and every QuickBooks request waits until it times out.",
            f'Close {restart} and start it again normally from the Start menu (not with "Run '
            'as administrator"; if its shortcut is set to always run as administrator, untick '
            "that under Properties > Compatibility). Then both run the same way.",
        )
    ]


def _programs(records: Iterable[ProcessRecord]) -> str:
    names = []
    for record in records:
        label = (
            "QuickBooks" if record.name.lower() in QUICKBOOKS_NAMES else "QuickBooks Web Connector"
        )
        if label not in names:
            names.append(label)
    return " and ".join(names)


def _quickbooks_processes(pc: QuickBooksPc) -> Finding:
    area = "This PC"
    count = len(pc.quickbooks)
    if count == 0:
        return Finding(
            area,
            Severity.NOTE,
            "QuickBooks Desktop is not open on this PC.",
            'That is fine if you answered "Yes, always; allow access even if QuickBooks is not '
            'running" when connecting. Otherwise open QuickBooks and the company file.',
        )
    if count == 1:
        only = pc.quickbooks[0]
        return Finding(
            area, Severity.OK, f"QuickBooks Desktop is running ({only.name}, process {only.pid})."
        )
    pids = ", ".join(str(p.pid) for p in pc.quickbooks)
    return Finding(
        area,
        Severity.WARNING,
        f"{count} copies of QuickBooks Desktop are running (processes {pids}).",
        "Close all QuickBooks windows except the one with the company file. A second copy can "
        "hold the company file or get the Web Connector's requests instead; if one does not "
        "close, end QBW.exe in Task Manager.",
    )


def _web_connector(pc: QuickBooksPc) -> Finding:
    area = "This PC"
    if pc.web_connector:
        return Finding(area, Severity.OK, "QuickBooks Web Connector is running.")
    if pc.web_connector_installed:
        return Finding(
            area,
            Severity.PROBLEM,
            "QuickBooks Web Connector is installed but not running, so QuickBooks cannot be "
            "reached.",
            "Start it (Start menu > QuickBooks > Web Connector), leave it open, and tick "
            "Auto-Run next to this app.",
        )
    return Finding(
        area,
        Severity.PROBLEM,
        "QuickBooks Web Connector was not found on this PC.",
        "If this is the PC that runs QuickBooks, finish the QuickBooks setup: `connect "
        "quickbooks` gives a link whose page walks through the Web Connector. If QuickBooks "
        "runs on another PC, run `doctor` there.",
    )


def _names(users: Iterable[str]) -> str:
    return " and ".join(sorted(users))


def keyring_finding(credentials: CredentialStore, length: int = 5000) -> Finding:
    problem = keyring_round_trip(credentials, length)
    if problem is None:
        return Finding(
            "Password store",
            Severity.OK,
            f"Saved, read back and removed a {length:,}-character test secret.",
        )
    return Finding(
        "Password store",
        Severity.PROBLEM,
        problem,
        "Check that Windows Credential Manager (or your system keyring) is working, then try "
        "again.",
    )


# -- the connections --------------------------------------------------------------------------
def health_findings(health: Health) -> list[Finding]:
    inputs = health.inputs
    if inputs is None:
        return [Finding("Overall", _severity(health.status), health.line)]
    findings: list[Finding] = []
    if inputs.local_error is not None:
        findings.append(_from_error("This PC", inputs.local_error, Status.ERROR))
    if not inputs.quickbooks_set_up:
        findings.append(
            Finding(
                "QuickBooks",
                Severity.PROBLEM,
                "QuickBooks is not connected.",
                "Run `connect quickbooks`.",
            )
        )
    findings += _probe("QuickBooks", inputs.quickbooks)
    if not inputs.salesforce_set_up:
        findings.append(
            Finding(
                "Salesforce",
                Severity.PROBLEM,
                "Salesforce is not signed in.",
                "Run `connect salesforce`.",
            )
        )
    findings += _probe("Salesforce", inputs.salesforce)
    findings += _probe("Salesforce objects", inputs.schema)
    if inputs.api is not None and inputs.api.max:
        if api_reserve_reached(inputs.api, inputs.api_reserve):
            problem = next(p for p in health.problems if p.part is Part.API)
            findings.append(_from_error("Salesforce requests", problem.error, problem.status))
        else:
            findings.append(
                Finding(
                    "Salesforce requests",
                    Severity.OK,
                    f"{inputs.api.used:,} of {inputs.api.max:,} daily requests used; "
                    f"{inputs.api.remaining:,} left.",
                )
            )
    return findings


def _probe(area: str, probe: Probe | None) -> list[Finding]:
    if probe is None:
        return []
    if probe.ok or probe.error is None:
        return [Finding(area, Severity.OK, probe.detail or "Passed.")]
    return [_from_error(area, probe.error, status_for(probe.error))]


def _from_error(area: str, error: UserError, status: Status) -> Finding:
    return Finding(
        area, _severity(status), f"{error.title}. {error.what_happened}", error.what_to_do
    )


def _severity(status: Status) -> Severity:
    if status is Status.HEALTHY:
        return Severity.OK
    if status is Status.OFFLINE:
        return Severity.WARNING
    if status is Status.SYNCING:
        return Severity.NOTE
    return Severity.PROBLEM


# -- output -----------------------------------------------------------------------------------
def render(findings: list[Finding], health: Health, out: TextIO) -> None:
    area = None
    for finding in findings:
        if finding.area != area:
            area = finding.area
            out.write(f"\n{area}\n")
        out.write(f"  [{_MARKS[finding.severity]}] {finding.summary}\n")
        if finding.what_to_do and finding.severity is not Severity.OK:
            out.write(f"         What to do: {finding.what_to_do}\n")
    out.write(f"\nOverall: {health.status.label}: {health.line}\n")
