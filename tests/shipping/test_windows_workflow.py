"""The Windows pipeline proves what Linux cannot: each Win32 check is a step of windows.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"


@pytest.fixture(scope="module")
def steps() -> dict[str, str]:
    workflow: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    job = workflow["jobs"]["build"]
    assert job["runs-on"] == "windows-latest"
    return {step["name"]: step.get("run", "") for step in job["steps"] if "name" in step}


def step(steps: dict[str, str], starts: str) -> str:
    found = [run for name, run in steps.items() if name.startswith(starts)]
    assert len(found) == 1, f"one step named {starts!r}…, found {len(found)}"
    return found[0]


def test_every_check_has_its_step_in_order(steps: dict[str, str]) -> None:
    order = [
        "Tests",
        "Build the bundle",
        "Run the frozen app",
        "Find signtool",
        "Sign qbsf.exe and qbsf-cli.exe",
        "Compile the installer",
        "Silent install",
        "Check the installed files",
        "Installed --self-test",
        "Tray on the Windows Qt plugin",
        "Upgrade while the tray runs",
        "Credential Manager round trip",
        "qbsf-cli doctor and sync",
        "Silent uninstall",
        "Upload the installer",
    ]
    names = list(steps)
    positions = [next(i for i, n in enumerate(names) if n.startswith(o)) for o in order]
    assert positions == sorted(positions)


def test_signing_is_driven_by_secrets_and_skipped_out_loud(steps: dict[str, str]) -> None:
    find = step(steps, "Find signtool")
    assert "Signing skipped" in find and "/tr " in find and "/fd sha256" in find
    assert "Signing skipped" in step(steps, "Sign qbsf.exe")
    assert "/DSIGN_COMMAND=" in step(steps, "Compile the installer")
    workflow = WORKFLOW.read_text(encoding="utf-8")
    assert "${{ secrets.SIGNING_CERTIFICATE }}" in workflow


def test_installed_checks(steps: dict[str, str]) -> None:
    checks = step(steps, "Check the installed files")
    for needed in (
        "qbsf-cli.exe",
        r"CurrentVersion\Uninstall\qbsf",
        r"CurrentVersion\Run",
        r"AppUserModelId\Qbsf.QuickBooksSalesforceSync",
        'ExtendedProperty("System.AppUserModel.ID")',
    ):
        assert needed in checks
    assert "--self-test" in step(steps, "Installed --self-test")


def test_tray_single_instance_quit_and_upgrade(steps: dict[str, str]) -> None:
    tray = step(steps, "Tray on the Windows Qt plugin")
    assert "--quit" in tray and "a second start" in tray and "WaitForExit" in tray
    upgrade = step(steps, "Upgrade while the tray runs")
    assert "HasExited" in upgrade and "start at login was not kept" in upgrade


def test_no_console_runs_and_uninstall(steps: dict[str, str]) -> None:
    assert "--check-keyring" in step(steps, "Credential Manager round trip")
    no_console = step(steps, "qbsf-cli doctor and sync")
    assert "WaitForExit(300000)" in no_console and '"sync"' in no_console
    assert '"doctor"' in no_console and "ExitCode" in no_console
    uninstall = step(steps, "Silent uninstall")
    assert "_?=" in uninstall and "/REMOVEDATA" in uninstall
    assert "removed the user's data" in uninstall
