from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import selftest
from app.selftest import SelfTest, SelfTestError, run_self_test

ROOT = Path(__file__).resolve().parents[2]


def test_the_self_test_passes_from_a_checkout() -> None:
    env = {**os.environ, "QBSF_NO_BOOTSTRAP": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "app", "--self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Self-test passed" in result.stdout
    for step in ("app modules", "keyring backends", "Qt (offscreen)", "sync", "Salesforce sandbox"):
        assert step in result.stdout


def test_a_failed_check_stops_with_a_plain_message_and_exit_code_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_records(self: SelfTest) -> str:
        raise SelfTestError("QuickBooks_Invoice__c: 12 expected once each, found 0 (12 missing)")

    monkeypatch.setattr(SelfTest, "check_salesforce", no_records)
    out = io.StringIO()
    assert run_self_test(out) == 1
    text = out.getvalue()
    assert "FAILED  records in the Salesforce sandbox: QuickBooks_Invoice__c" in text
    assert "Self-test failed at 'records in the Salesforce sandbox'" in text
    assert "second sync" not in text
    assert "Traceback" not in text


def test_an_unexpected_error_is_named_with_where_it_happened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: SelfTest) -> str:
        raise RuntimeError("store exploded")

    monkeypatch.setattr(SelfTest, "open_store", broken)
    out = io.StringIO()
    assert run_self_test(out) == 1
    assert (
        "FAILED  store in a temporary folder: RuntimeError: store exploded (at " in out.getvalue()
    )


def test_the_sandbox_environment_is_put_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SelfTest, "sync", lambda self: "skipped")
    monkeypatch.setattr(SelfTest, "check_salesforce", lambda self: "skipped")
    monkeypatch.setattr(SelfTest, "sync_again", lambda self: "skipped")
    before = {k: v for k, v in os.environ.items() if k.startswith("QBSF_")}
    assert run_self_test(io.StringIO()) == 0
    assert {k: v for k, v in os.environ.items() if k.startswith("QBSF_")} == before


def test_the_listed_keyring_backends_exist() -> None:
    import importlib

    for name in selftest.KEYRING_BACKENDS:
        importlib.import_module(name)
