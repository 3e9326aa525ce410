"""The run report: who and when, every record linked both ways, before -> after, warnings and the
reconciliation; exported as CSV and as a PDF (rendered to PNG by pdftoppm, read by pdftotext)."""

from __future__ import annotations

import csv
import getpass
import shutil
import subprocess
from pathlib import Path

import pytest

from app.engine.report import RECORD_COLUMNS, build, write_csv
from app.reports.pdf import write_pdf
from tests.integration.conftest import World

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="poppler-utils (pdftoppm, pdftotext) is not installed",
)


def _csv_sections(path: Path) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {"run": []}
    current = "run"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            if row in (["Records"], ["Reconciliation"]):
                current = row[0]
                sections[current] = []
            elif row:
                sections[current].append(row)
    return sections


@needs_poppler
def test_report_links_records_both_ways_shows_changes_and_exports(
    synced: World, tmp_path: Path, qapp: object
) -> None:
    """`qapp`: the suite's one QApplication, which the PDF writer uses as the tray's."""
    world = synced
    invoice = next(i for i in world.qb.all("invoice") if not i["isPaid"])
    world.qb.edit_invoice(invoice["id"], dueDate="2031-01-31")
    account = next(
        a
        for a in world.sf_records("Account")
        if a.get("Sync_To_QuickBooks__c") and a.get("QuickBooks_Customer_Id__c")
    )
    world.engine.salesforce.update("Account", [{"Id": account["Id"], "Phone": "555-010-2030"}])
    result = world.engine.run(trigger="cli")

    report = build(world.store, result.run_id)
    assert report is not None
    assert report.ran_by == f"{getpass.getuser()}, from the command line"
    by_qb = {(r.workflow, r.quickbooks_id): r for r in report.records}
    edited = by_qb[("invoices", invoice["id"])]
    assert edited.record == invoice["refNumber"] and edited.salesforce_id
    assert any(
        c.field == "Due_Date__c" and c.before == invoice["dueDate"] and c.after == "2031-01-31"
        for c in edited.changes
    )
    customer = by_qb[("customers", account["QuickBooks_Customer_Id__c"])]
    assert customer.salesforce_id == account["Id"]
    assert any(c.field == "phone" and c.after == "555-010-2030" for c in customer.changes)
    assert report.reconciliation is not None and report.reconciliation.clean

    csv_path = tmp_path / "run.csv"
    write_csv(report, csv_path)
    sections = _csv_sections(csv_path)
    facts = {row[0]: row[1] for row in sections["run"][1:]}
    assert facts["Run"] == f"#{result.run_id}" and facts["Result"] == "succeeded"
    assert tuple(sections["Records"][0]) == RECORD_COLUMNS
    rows = [dict(zip(RECORD_COLUMNS, r, strict=True)) for r in sections["Records"][1:]]
    due = next(
        r for r in rows if r["quickbooks_id"] == invoice["id"] and r["field"] == "Due_Date__c"
    )
    assert (due["record"], due["before"], due["after"]) == (
        invoice["refNumber"],
        invoice["dueDate"],
        "2031-01-31",
    )
    assert due["salesforce_id"] == edited.salesforce_id
    assert "agree to the cent" in sections["Reconciliation"][0][0]

    pdf_path = tmp_path / "run.pdf"
    write_pdf(report, pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf_path),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    [png] = list(tmp_path.glob("page*.png"))
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 2000
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert f"Sync run #{result.run_id}" in text
    assert "Reconciliation" in text and "The books agree." in text
    assert invoice["refNumber"] in text and invoice["id"] in text
    assert "2031-01-31" in text and "555-010-2030" in text
    assert "page 1 of" in text
