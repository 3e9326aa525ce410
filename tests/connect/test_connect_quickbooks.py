"""Connecting QuickBooks through the Conductor sandbox, its auth-flow page and its faults."""

from __future__ import annotations

import io
import re
import threading
import time
from pathlib import Path

import pytest
import requests

from app.context import AppContext
from app.engine.health import Status, status_for
from app.platform.credentials import Secret
from app.quickbooks.errors import QuickBooksError
from app.quickbooks.setup import ConductorSetup, HealthCheck
from app.sandbox.conductor import ConductorSandbox
from app.store.settings import CONDUCTOR_BASE_URL, CONDUCTOR_END_USER_ID, CONDUCTOR_PUBLISHABLE_KEY
from tests.connect.cli_run import CliRun

_FORM_ACTION = re.compile(r'<form method="post"')


def finish_setup_at_the_quickbooks_pc(auth_flow_url: str) -> requests.Response:
    """What the person at the QuickBooks PC does, played on the sandbox's auth-flow page."""
    page = requests.get(auth_flow_url, timeout=10)
    assert page.status_code == 200
    assert "Yes, always; allow access even if QuickBooks is not" in page.text
    assert _FORM_ACTION.search(page.text)
    return requests.post(auth_flow_url, timeout=10)


def test_setup_through_the_auth_flow_page(conductor_sandbox: ConductorSandbox) -> None:
    sb = conductor_sandbox
    with ConductorSetup(sb.secret_key, sb.base_url) as setup:
        user = setup.create_end_user("Maple Street Bakery", "books@maple.example")
        assert user.source_id.startswith("qbsf-maple-street-bakery-")
        assert user.id in {u.id for u in setup.end_users()}
        first = setup.check(user.id)
        assert not first.ok and first.error is not None
        assert status_for(first.error) is Status.NOT_SET_UP
        session = setup.start_auth_session(user.id, sb.publishable_key)

        seen: list[HealthCheck] = []
        result: dict[str, HealthCheck] = {}
        waiting = threading.Thread(
            target=lambda: result.update(
                last=setup.wait_until_connected(
                    user.id, on_check=seen.append, timeout_s=20, first_poll_s=0.05
                )
            )
        )
        waiting.start()
        time.sleep(0.2)
        done = finish_setup_at_the_quickbooks_pc(session.auth_flow_url)
        waiting.join(20)
    assert "connected" in done.text
    assert result["last"].ok and result["last"].duration_ms is not None
    assert len(seen) >= 2 and not seen[0].ok


def test_cli_connect_quickbooks_end_to_end(
    conductor_sandbox: ConductorSandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
) -> None:
    sb = conductor_sandbox
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{sb.secret_key}\n"))
    run = CliRun(
        capsys,
        "connect",
        "quickbooks",
        "--secret-key-stdin",
        "--base-url",
        sb.base_url,
        "--publishable-key",
        sb.publishable_key,
        "--company-name",
        "Harbor Tools",
        "--email",
        "office@harbor.example",
        "--poll-seconds",
        "0.05",
        "--wait-timeout",
        "20",
    )
    url = run.wait_for(r"(http://\S+/setup/\S+)").group(1)
    assert "single-user mode" in run.out
    assert "Yes, always; allow access even if QuickBooks is not" in run.out
    finish_setup_at_the_quickbooks_pc(url)
    assert run.finish() == 0, run.out + run.err
    assert "QuickBooks is connected" in run.out

    ctx = AppContext.create(data_dir, console_level=None)
    try:
        assert ctx.credentials.get(Secret.CONDUCTOR_SECRET_KEY) == sb.secret_key
        end_user = ctx.store.get(CONDUCTOR_END_USER_ID)
        assert end_user and end_user.startswith("end_usr_")
        assert ctx.store.get(CONDUCTOR_BASE_URL) == sb.base_url
        assert ctx.store.get(CONDUCTOR_PUBLISHABLE_KEY) == sb.publishable_key
        stored = ctx.paths.database.read_bytes() + ctx.paths.log_file.read_bytes()
        wal = Path(f"{ctx.paths.database}-wal")
        if wal.exists():
            stored += wal.read_bytes()
        assert sb.secret_key.encode() not in stored
    finally:
        ctx.close()


def test_cli_reuses_an_end_user_and_reports_without_waiting(
    conductor_sandbox: ConductorSandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app import cli

    sb = conductor_sandbox
    monkeypatch.setenv("QBSF_CONDUCTOR_SECRET_KEY", sb.secret_key)
    sb.add_fault("qb_dialog", times=None)
    code = cli.main(
        [
            "connect",
            "quickbooks",
            "--base-url",
            sb.base_url,
            "--end-user",
            sb.end_user_id,
            "--no-wait",
        ]
    )
    out = capsys.readouterr().out
    assert code == 3
    assert "close any open dialog or pop-up window in QuickBooks" in out
    assert "/setup/" not in out  # set up already: no new link


def test_a_wrong_secret_key_is_said_plainly(conductor_sandbox: ConductorSandbox) -> None:
    setup = ConductorSetup("sk_test_wrong_key_123456", conductor_sandbox.base_url)
    with setup, pytest.raises(QuickBooksError) as caught:
        setup.end_users()
    assert caught.value.user_error.title == "Conductor key not accepted"


@pytest.mark.parametrize(
    ("fault", "status", "words"),
    [
        ("qb_dialog", Status.NEEDS_ATTENTION, "close any open dialog or pop-up window"),
        ("qb_not_running", Status.NEEDS_ATTENTION, "open QuickBooks Desktop on that computer"),
        ("web_connector_offline", Status.NEEDS_ATTENTION, "open QuickBooks Web Connector"),
        ("not_set_up", Status.NOT_SET_UP, "Open the setup link on the computer that runs"),
    ],
)
def test_connection_faults_show_their_plain_message(
    conductor_sandbox: ConductorSandbox, fault: str, status: Status, words: str
) -> None:
    sb = conductor_sandbox
    sb.add_fault(fault, times=None)
    with ConductorSetup(sb.secret_key, sb.base_url) as setup:
        check = setup.check(sb.end_user_id)
    assert not check.ok and check.error is not None
    shown = f"{check.error.what_happened} {check.error.what_to_do}"
    assert words in shown
    assert status_for(check.error) is status


def test_waiting_stops_when_asked(conductor_sandbox: ConductorSandbox) -> None:
    sb = conductor_sandbox
    sb.add_fault("qb_dialog", times=None)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    with ConductorSetup(sb.secret_key, sb.base_url) as setup:
        last = setup.wait_until_connected(sb.end_user_id, stop=stop, first_poll_s=0.1)
    assert time.monotonic() - started < 5
    assert not last.ok and last.error is not None


def test_cli_disconnect_quickbooks_keeps_the_end_user(
    conductor_sandbox: ConductorSandbox,
    capsys: pytest.CaptureFixture[str],
    ctx: AppContext,
) -> None:
    from app import cli
    from app.quickbooks.setup import save_connection

    sb = conductor_sandbox
    save_connection(
        ctx.store,
        ctx.credentials,
        secret_key=sb.secret_key,
        end_user_id=sb.end_user_id,
        base_url=sb.base_url,
    )
    ctx.close()
    assert cli.main(["disconnect", "quickbooks"]) == 0
    assert "needs no new setup" in capsys.readouterr().out
    assert ctx.credentials.get(Secret.CONDUCTOR_SECRET_KEY) is None
    assert not ctx.store.is_set(CONDUCTOR_END_USER_ID)
    with ConductorSetup(sb.secret_key, sb.base_url) as setup:
        assert setup.end_user(sb.end_user_id).id == sb.end_user_id
