"""`python -m app demo` works in a bare terminal; the tray says what to do without a desktop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@NO_DISPLAY_PLATFORM
def test_tray_without_a_display_explains_instead_of_crashing(tmp_path: Path) -> None:
    done = run_app(tmp_path=tmp_path)
    assert done.returncode == 2
    assert "needs a desktop" in done.stderr
    assert "python -m app demo" in done.stderr
