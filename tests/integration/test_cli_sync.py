"""The headless CLI against the sandboxes: sync, preview, history, review, exit codes."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.platform.runlock import RunLock
from app.sandbox.launcher import Sandboxes, start_sandboxes
from app.store import open_store
from app.store.settings import GO_LIVE_DATE
from tests.integration.conftest import SAMPLE_GO_LIVE


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[Sandboxes]:
    with start_sandboxes(seed=5) as running:
        yield running


def qbsf(sandboxes: Sandboxes, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **sandboxes.environment(), "QBSF_NO_BOOTSTRAP": "1"}
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_sync_preview_history_and_exit_codes(sandboxes: Sandboxes, tmp_path: Path) -> None:
    data = tmp_path / "cli"
    preview = qbsf(sandboxes, data, "preview", "--workflow", "items")
    assert preview.returncode == 0, preview.stderr
    assert "create or update" in preview.stdout and "Salesforce" in preview.stdout
    assert sandboxes.salesforce.records("Product2")[0].get("QuickBooks_Item_Id__c") is None

    first = qbsf(sandboxes, data, "sync")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Sync finished" in first.stdout
    second = qbsf(sandboxes, data, "sync")
    assert second.returncode == 0
    assert ": 0 records written" in second.stdout

    history = qbsf(sandboxes, data, "history")
    syncs, _, previews = history.stdout.partition("Previews (nothing written, not syncs): 1")
    assert "#3" in syncs and "#2" in syncs and "#1" not in syncs
    assert "preview #1" in previews
    export = tmp_path / "run2.csv"
    done = qbsf(sandboxes, data, "history", "2", "--csv", str(export))
    assert done.returncode == 0
    with export.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    invoices = [r for r in rows if r["workflow"] == "invoices"]
    assert len(invoices) == len(sandboxes.conductor.qb.all("invoice"))
    assert all(r["outcome"] == "created" and r["salesforce_id"] for r in invoices)

    with RunLock(data / "sync.lock", "tray"):
        busy = qbsf(sandboxes, data, "sync")
    assert busy.returncode == 4
    assert "Another sync is already running (started from tray" in busy.stderr

    # The sample's deals were won before today, the default go-live date: none is offered.
    before = qbsf(sandboxes, data, "review", "list")
    assert before.returncode == 0 and "No won opportunities" in before.stdout
    store = open_store(data / "sync.sqlite3")
    try:
        store.set(GO_LIVE_DATE, SAMPLE_GO_LIVE)
    finally:
        store.close()
    queue = qbsf(sandboxes, data, "review", "list")
    assert queue.returncode == 0 and "subtotal" in queue.stdout


def test_quickbooks_dialog_exits_needs_attention(sandboxes: Sandboxes, tmp_path: Path) -> None:
    sandboxes.conductor.add_fault("qb_dialog", times=None)
    try:
        result = qbsf(sandboxes, tmp_path / "d", "sync", "--workflow", "items")
    finally:
        sandboxes.conductor.clear_faults()
    assert result.returncode == 3
    assert "QuickBooks" in result.stdout


def test_not_connected_says_what_to_do(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBSF_CONDUCTOR")}
    env["QBSF_NO_BOOTSTRAP"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path), "sync"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 3
    assert "QuickBooks is not connected" in result.stderr
    assert "Traceback" not in result.stderr


def _sandbox_process(service: str, data_dir: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    command = [sys.executable, "-m", "app", "--data-dir", str(data_dir), "sandbox"]
    command += ["--seed", "5", "--invoices", "40", "--payments", "10", f"--only={service}"]
    env = {**os.environ, "QBSF_NO_BOOTSTRAP": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def test_each_sandbox_in_a_process_of_its_own_serves_one_sync(tmp_path: Path) -> None:
    # The Salesforce sample org matches the QuickBooks company of the same seed and sizes.
    started = [_sandbox_process(s, tmp_path / s) for s in ("conductor", "salesforce")]
    try:
        (_, conductor), (_, salesforce) = started
        assert {k.split("_")[0] for k in conductor} == {"conductor", "admin"}
        assert {k.split("_")[0] for k in salesforce} == {"salesforce", "ca"}
        env = {
            **os.environ,
            "QBSF_NO_BOOTSTRAP": "1",
            "QBSF_CONDUCTOR_BASE_URL": conductor["conductor_base_url"],
            "QBSF_CONDUCTOR_SECRET_KEY": conductor["conductor_secret_key"],
            "QBSF_CONDUCTOR_END_USER_ID": conductor["conductor_end_user_id"],
            "QBSF_SALESFORCE_INSTANCE_URL": salesforce["salesforce_instance_url"],
            "QBSF_SALESFORCE_ACCESS_TOKEN": salesforce["salesforce_access_token"],
            "QBSF_CA_BUNDLE": salesforce["ca_bundle"],
        }
        synced = subprocess.run(
            [sys.executable, "-m", "app", "--data-dir", str(tmp_path / "app"), "sync"],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert synced.returncode == 0, synced.stdout + synced.stderr
        assert "Sync finished" in synced.stdout
    finally:
        for process, _info in started:
            process.terminate()
            process.wait(timeout=10)
