"""Installing: N -> N+1 once the program has ended, after any sync; failures leave N working."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from app.platform.paths import resolve_paths
from app.platform.runlock import RunLock
from app.store import open_store
from app.store.settings import UPDATE_SERVER_URL
from app.update.apply import Waiting, install_staged
from app.update.outcome import Outcome, State, news_at_start, read_outcome
from tests.update.conftest import INSTALLED, NEWER, UpdateWorld, tree_digest

POLLS = 600


def _qbsf(world: UpdateWorld, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(world.data_dir), *arguments],
        env=world.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _wait_for(world: UpdateWorld, *states: State) -> Outcome:
    for _ in range(POLLS):
        outcome = read_outcome(world.folders)
        if outcome is not None and outcome.state in states:
            return outcome
        time.sleep(0.05)
    raise AssertionError(f"the installer never reached {states}: {read_outcome(world.folders)}")


def _lock_path(world: UpdateWorld) -> Path:
    return resolve_paths(world.data_dir).run_lock


def _installer(world: UpdateWorld) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "app", "--data-dir", str(world.data_dir), "update"]
    options = [
        "--install-staged",
        "--install-dir",
        str(world.install_dir),
        "--poll-seconds",
        "0.05",
    ]
    return subprocess.Popen([*command, *options], env=world.env())


def test_update_installs_when_the_command_ends_and_the_next_start_reports_it(
    published: UpdateWorld,
) -> None:
    store = open_store(resolve_paths(published.data_dir).ensure().database)
    store.set(UPDATE_SERVER_URL, published.url)
    store.close()

    check = _qbsf(published, "update", "--check")
    assert check.returncode == 8, check.stderr
    assert f"Version {NEWER} is available (this is {INSTALLED})" in check.stdout
    assert "Invoices sync twice as fast." in check.stdout

    update = _qbsf(published, "update")
    assert update.returncode == 0, update.stderr
    assert f"Version {NEWER} is downloaded and verified" in update.stdout
    _wait_for(published, State.INSTALLED)

    assert published.installed_program() == f"the app, version {NEWER}"
    next_start = _qbsf(published, "update", "--check")
    assert next_start.returncode == 0, next_start.stderr
    assert f"Updated to version {NEWER} (from {INSTALLED})." in next_start.stdout
    assert f"Up to date: version {NEWER} is the newest." in next_start.stdout
    assert not published.installation.backup.exists()
    assert not published.installation.staging.exists()
    # Told once.
    assert "Updated to" not in _qbsf(published, "update", "--check").stdout


def test_a_refused_update_exits_9_with_the_reason_and_changes_nothing(
    published: UpdateWorld,
) -> None:
    archive = published.repo / "targets" / f"qbsf-{NEWER}.tar.gz"
    archive.write_bytes(archive.read_bytes()[:-10] + b"0123456789")
    before = tree_digest(published.install_dir)
    store = open_store(resolve_paths(published.data_dir).ensure().database)
    store.set(UPDATE_SERVER_URL, published.url)
    store.close()

    update = _qbsf(published, "update")

    assert update.returncode == 9
    assert "does not match what the publisher signed" in update.stderr
    assert tree_digest(published.install_dir) == before
    assert read_outcome(published.folders) is None


def test_an_update_offered_during_a_sync_waits_for_the_sync(published: UpdateWorld) -> None:
    assert published.client().download() is not None
    sync = RunLock(_lock_path(published), trigger="tray").acquire()
    try:
        installer = _installer(published)
        _wait_for(published, State.WAITING_FOR_SYNC)
        assert published.installed_program() == f"the app, version {INSTALLED}"
    finally:
        sync.release()
    assert installer.wait(timeout=60) == 0
    assert read_outcome(published.folders).state is State.INSTALLED  # type: ignore[union-attr]
    assert published.installed_program() == f"the app, version {NEWER}"


def test_an_interrupted_install_leaves_n_working_and_the_next_start_says_so(
    published: UpdateWorld,
) -> None:
    assert published.client().download() is not None
    before = tree_digest(published.install_dir)
    sync = RunLock(_lock_path(published), trigger="tray").acquire()
    try:
        installer = _installer(published)
        _wait_for(published, State.WAITING_FOR_SYNC)
        installer.kill()
        installer.wait(timeout=30)
    finally:
        sync.release()

    assert tree_digest(published.install_dir) == before
    news = news_at_start(published.folders, published.installation)
    assert news is not None
    assert f"The update to version {NEWER} did not finish" in news
    assert f"Version {INSTALLED} is still installed and working" in news


def test_a_failed_install_leaves_n_working_and_the_next_start_says_so(
    published: UpdateWorld,
) -> None:
    staged = published.client().download()
    assert staged is not None
    before = tree_digest(published.install_dir)
    (staged.path / "program.txt").unlink()  # a cleanup tool took a file from the staged copy

    outcome = install_staged(
        published.installation,
        published.folders,
        _lock_path(published),
        waiting=Waiting(poll_s=0.01),
    )

    assert outcome is not None and outcome.state is State.FAILED
    assert tree_digest(published.install_dir) == before
    assert not published.installation.staging.exists()
    news = news_at_start(published.folders, published.installation)
    assert news is not None
    assert f"The update to version {NEWER} could not be installed" in news
    assert "no longer complete" in news
    assert f"Version {INSTALLED} is still installed and working." in news
