"""`qbsf reconcile --dismiss`: a payment flagged as a possible duplicate is marked correct from a
terminal, with no connection needed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.store import PaymentFlag, open_store


def qbsf(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "QBSF_NO_BOOTSTRAP": "1"},
        timeout=120,
    )


def test_dismiss_marks_a_flagged_payment_correct(tmp_path: Path) -> None:
    with open_store(tmp_path / "sync.sqlite3") as store:
        store.flag_payments(
            [PaymentFlag("80000-2", "80000-1", "Acme", "80000-2", 50000, "2025-06-03", "twice?")]
        )
    unknown = qbsf(tmp_path, "reconcile", "--dismiss", "nope")
    assert unknown.returncode == 2
    assert "No payment nope is flagged as a possible duplicate." in unknown.stderr

    dismissed = qbsf(tmp_path, "reconcile", "--dismiss", "80000-2")
    assert dismissed.returncode == 0, dismissed.stderr
    assert "Payment 80000-2 is marked correct" in dismissed.stdout
    with open_store(tmp_path / "sync.sqlite3") as store:
        assert store.payment_flags() == []
        [kept] = store.payment_flags(open_only=False)
        assert kept.dismissed_at and kept.dismissed_by
