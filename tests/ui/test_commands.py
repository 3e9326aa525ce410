"""`python -m app demo` works in a bare terminal; the tray says what to do without a desktop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.engine.standing import FIX_COMMANDS, Fix

ROOT = Path(__file__).resolve().parents[2]


def run_app(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"} and not k.startswith("QBSF_")
    }
    env["QBSF_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


NO_DISPLAY_PLATFORM = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="only Linux sessions can lack a display"
)


@pytest.mark.parametrize(
    "args", [pytest.param(("demo",), marks=NO_DISPLAY_PLATFORM), ("demo", "--headless")]
)
def test_demo_without_a_display_syncs_in_the_terminal(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    done = run_app(*args, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Sync finished" in done.stdout
    assert "Invoices" in done.stdout and "created" in done.stdout
    assert "wait for approval" in done.stdout
    assert not (tmp_path / "data" / "sync.sqlite3").exists(), "the demo kept to its own folder"
    # It ends with the tray's words for the two spellings to choose, and the commands that choose.
    customers = next(line for line in done.stdout.splitlines() if "Customers" in line)
    assert customers.endswith(", 2 warnings"), customers
    assert "In step:     2 changes wait for your decision: Show them\n" in done.stdout
    assert f"What to do:  {FIX_COMMANDS[Fix.DECIDE]}\n" in done.stdout
    assert "`match conflicts`" in done.stdout and "`match resolve ID --keep" in done.stdout
    assert "`--keep DIR`" in done.stdout


def test_demo_keep_creates_a_new_folder_and_reuses_it(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    first = run_app("demo", "--headless", "--keep", str(kept), tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Invoices                         300 created" in first.stdout
    for state in ("conductor.sqlite3", "salesforce.sqlite3"):
        assert (kept / "sandboxes" / state).is_file(), state
    assert (kept / "app" / "sync.sqlite3").is_file()
    assert f"--data-dir {kept / 'app'}" in first.stdout
    assert f"--state-dir {kept / 'sandboxes'}" in first.stdout

    again = run_app("demo", "--headless", "--keep", str(kept), tmp_path=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Sync finished: 0 records written." in again.stdout, "both sandboxes kept the first"
    assert "2 changes wait for your decision" in again.stdout


@NO_DISPLAY_PLATFORM
def test_tray_without_a_display_explains_instead_of_crashing(tmp_path: Path) -> None:
    done = run_app(tmp_path=tmp_path)
    assert done.returncode == 2
    assert "needs a desktop" in done.stderr
    assert "python -m app demo" in done.stderr
