"""The words of the Salesforce check step: what is missing, who can add it, how."""

from __future__ import annotations

import html
from pathlib import Path

from app.domain.workflows import WORKFLOWS, WorkflowId
from app.salesforce.metadata_deploy import WHO_CAN, DeployStatus
from app.salesforce.metadata_package import PERMISSION_SET
from app.salesforce.schema_check import SchemaReport


def missing_lines(report: SchemaReport) -> list[str]:
    lines = []
    for sobject, fields in sorted(report.missing.items()):
        lines.append(f"{sobject}: {', '.join(fields) if fields else 'the whole object'}")
    for sobject, fields in sorted(report.not_external.items()):
        lines.append(f"{sobject}: {', '.join(fields)} must be an External ID field")
    return lines


def report_html(report: SchemaReport) -> str:
    rows = []
    for line in missing_lines(report):
        name, _, what = line.partition(": ")
        rows.append(f"<li><b>{html.escape(name)}</b>: {html.escape(what)}</li>")
    return f"<p>Salesforce is missing what this app needs:</p><ul>{''.join(rows)}</ul>"


def can_deploy_html() -> str:
    return (
        "<p>Your Salesforce user may add them. <b>Add them for me</b> sends the app's package to "
        "Salesforce; nothing else in Salesforce changes.</p>"
    )


def cannot_deploy_html() -> str:
    return (
        f"<p>Only {WHO_CAN} can add them: your Salesforce user may not change the "
        "organisation's setup. <b>Copy instructions</b> copies the steps for them; once they "
        "have added the package, click <b>Check again</b>.</p>"
    )


def carry_on_html(ready: dict[WorkflowId, bool]) -> str:
    can = [WORKFLOWS[w].title for w, ok in ready.items() if ok]
    cannot = [WORKFLOWS[w].title for w, ok in ready.items() if not ok]
    if not can:
        return "<p>Nothing can sync until they are added.</p>"
    return (
        f"<p>Meanwhile you can carry on with what Salesforce already has: "
        f"<b>{html.escape(', '.join(can))}</b>. Turned off until the fields are added: "
        f"{html.escape(', '.join(cannot))}.</p>"
    )


def deploy_result_html(status: DeployStatus) -> str:
    sentence = html.escape(status.plain())
    if status.succeeded:
        return f"<p>{sentence}</p>"
    rows = "".join(f"<li>{html.escape(failure.plain())}</li>" for failure in status.failures)
    listed = f"<ul>{rows}</ul>" if rows else ""
    return f"<p>{sentence}</p>{listed}<p>Nothing is lost: fix what is named, or ask {WHO_CAN}.</p>"


def instructions(report: SchemaReport, folder: Path, zip_file: Path) -> str:
    """Plain steps for an administrator, copied to the clipboard."""
    missing = "\n".join(f"  - {line}" for line in missing_lines(report))
    return (
        "Adding QuickBooks Salesforce Sync's fields to Salesforce\n\n"
        f"The app needs these objects and fields in Salesforce:\n{missing}\n\n"
        "They come with the app as a Salesforce metadata package:\n"
        f"  the zip file: {zip_file}\n"
        f"  the same, as a folder: {folder}\n\n"
        f"What {WHO_CAN} does, once:\n"
        "  1. Open Workbench (https://workbench.developerforce.com) and log in to the "
        "organisation.\n"
        "  2. Choose Migration > Deploy, choose the zip file, tick Single Package and Rollback "
        "On Error, and deploy.\n"
        "     (With the Salesforce CLI instead: sf project deploy start --metadata-dir followed "
        "by the folder above.)\n"
        f"  3. Assign the permission set QuickBooks Sync ({PERMISSION_SET}) to the user who "
        "signs in to the app: Setup > Users > the user > Permission Set Assignments.\n"
        "  4. Tell the bookkeeper to click Check again in the app's setup.\n"
    )
