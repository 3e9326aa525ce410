"""`qbsf reconcile` and `qbsf report` from a terminal, against the sandboxes."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.sandbox.launcher import Sandboxes, start_sandboxes


def qbsf(sandboxes: Sandboxes, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **sandboxes.environment(), "QBSF_NO_BOOTSTRAP": "1"}
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_reconcile_fix_and_report_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "cli"
    with start_sandboxes(seed=5) as sandboxes:
        assert qbsf(sandboxes, data, "sync").returncode == 0
        clean = qbsf(sandboxes, data, "reconcile", "--from", "2025-06-01", "--to", "2025-06-30")
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert "they agree to the cent" in clean.stdout
        assert "Payments dated 2025-06-01 to 2025-06-30: QuickBooks has" in clean.stdout

        qb = sandboxes.conductor.qb
        added = qb.add_invoice(qb.all("customer")[0]["id"], refNumber="LATE-7")
        differs = qbsf(sandboxes, data, "reconcile", "--csv", str(tmp_path / "rec.csv"))
        assert differs.returncode == 5, differs.stdout + differs.stderr
        assert "1 missing in Salesforce, listed below." in differs.stdout
        assert "invoice LATE-7" in differs.stdout
        with (tmp_path / "rec.csv").open(encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
        assert any(added["id"] in row and "missing in Salesforce" in row for row in rows)

        fixed = qbsf(sandboxes, data, "reconcile", "--fix")
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        assert "Re-synced the records above in run #2" in fixed.stdout
        assert fixed.stdout.rstrip().endswith("they agree to the cent.")

        shown = qbsf(sandboxes, data, "report")
        assert shown.returncode == 0 and "Sync run #2" in shown.stdout
        assert "the reconciliation's Fix" in shown.stdout
        pdf, table = tmp_path / "run2.pdf", tmp_path / "run2.csv"
        exported = qbsf(sandboxes, data, "report", "2", "--csv", str(table), "--pdf", str(pdf))
        assert exported.returncode == 0, exported.stderr
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "Sync run #2" in text and "LATE-7" in text
        assert "LATE-7" in table.read_text(encoding="utf-8-sig")

        missing = qbsf(sandboxes, data, "report", "99")
        assert missing.returncode == 2 and "There is no run #99." in missing.stderr
