"""The tray's updates under pytest-qt: the daily check and its setting, the background download,
Restart to update waiting for a sync, and the menu, About and Settings entries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.store.settings import UPDATE_CHECK_AUTOMATICALLY, UPDATE_SERVER_URL
from app.ui.menu import MenuAction
from app.ui.shell import Shell
from app.ui.update_agent import DAY_S, Phase, UpdateAgent, UpdateView
from app.ui.update_window import UpdateWindow
from app.ui.windows.about import AboutWindow
from app.ui.windows.settings import SettingsWindow
from app.ui.workers import Background
from app.update.installation import INSTALL_DIR_ENV
from tests.update.conftest import NEWER, UpdateWorld

pytestmark = pytest.mark.ui


@pytest.fixture
def ctx(published: UpdateWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    monkeypatch.setenv("QBSF_CA_BUNDLE", str(published.ca_bundle))
    monkeypatch.setenv(INSTALL_DIR_ENV, str(published.install_dir))
    context = AppContext.create(published.data_dir, console_level=None)
    context.store.set(UPDATE_SERVER_URL, published.url)
    yield context
    context.close()


class Tray:
    """What the shell gives the agent: whether a sync runs, and quitting."""

    def __init__(self) -> None:
        self.syncing = False
        self.quits = 0

    def quit(self) -> None:
        self.quits += 1


def _agent(ctx: AppContext, published: UpdateWorld, tray: Tray, now: list[float]) -> UpdateAgent:
    return UpdateAgent(
        ctx,
        Background(),
        sync_running=lambda: tray.syncing,
        quit_app=tray.quit,
        installation=published.installation,
        now=lambda: now[0],
    )


def test_the_daily_check_is_off_when_the_setting_says_so(
    qtbot: QtBot, ctx: AppContext, published: UpdateWorld
) -> None:
    ctx.store.set(UPDATE_CHECK_AUTOMATICALLY, False)
    agent = _agent(ctx, published, Tray(), [10 * DAY_S])

    assert agent.maybe_check() is False
    assert published.requests.paths == []


def test_the_daily_check_looks_once_a_day_and_downloads_in_the_background(
    qtbot: QtBot, ctx: AppContext, published: UpdateWorld
) -> None:
    now = [10 * DAY_S]
    agent = _agent(ctx, published, Tray(), now)
    seen: list[UpdateView] = []
    agent.changed.connect(seen.append)

    assert agent.maybe_check() is True
    qtbot.waitUntil(lambda: agent.view.phase is Phase.READY, timeout=60_000)

    assert agent.view.offer is not None and agent.view.offer.version == NEWER
    downloading = [v for v in seen if v.phase is Phase.DOWNLOADING and v.done]
    assert downloading and downloading[-1].done == downloading[-1].expected
    asked = len(published.requests.paths)
    now[0] += DAY_S / 2
    assert agent.maybe_check() is False
    assert len(published.requests.paths) == asked


def test_restart_to_update_during_a_sync_waits_for_the_sync(
    qtbot: QtBot, ctx: AppContext, published: UpdateWorld
) -> None:
    tray = Tray()
    agent = _agent(ctx, published, tray, [0.0])
    agent.check_now()
    qtbot.waitUntil(lambda: agent.view.phase is Phase.READY, timeout=60_000)
    tray.syncing = True

    agent.restart_to_update()

    assert tray.quits == 0
    assert agent.view.restart_after_sync
    tray.syncing = False
    agent.sync_finished()
    assert tray.quits == 1
    installer = agent.install_on_quit()
    assert installer is not None
    try:
        assert "--restart" in installer.args
        assert published.installed_program() == "the app, version 1.0.0"
    finally:
        installer.kill()
        installer.wait()


def test_the_window_shows_what_is_new_and_restart_to_update(
    qtbot: QtBot, ctx: AppContext, published: UpdateWorld
) -> None:
    agent = _agent(ctx, published, Tray(), [0.0])
    window = UpdateWindow(agent)
    qtbot.addWidget(window)

    agent.check_now()
    qtbot.waitUntil(lambda: agent.view.phase is Phase.READY, timeout=60_000)

    assert window.title.text() == f"Version {NEWER} is ready to install"
    assert "Invoices sync twice as fast." in window.notes.toPlainText()
    assert window.restart.isVisibleTo(window) and window.restart.isEnabled()


def test_a_refused_update_is_shown_in_plain_words(
    qtbot: QtBot, ctx: AppContext, published: UpdateWorld
) -> None:
    archive = published.repo / "targets" / f"qbsf-{NEWER}.tar.gz"
    archive.write_bytes(b"not the signed archive" + archive.read_bytes()[22:])
    agent = _agent(ctx, published, Tray(), [0.0])
    told: list[tuple[str, str]] = []
    agent.announce.connect(lambda title, text: told.append((title, text)))

    agent.check_now()
    qtbot.waitUntil(lambda: agent.view.phase is Phase.FAILED, timeout=60_000)

    assert "does not match what the publisher signed" in agent.view.message
    assert told[-1][0] == "The update did not work"
    assert agent.install_on_quit() is None


def test_menu_about_and_settings_lead_to_updates(
    qtbot: QtBot, ctx: AppContext, published: UpdateWorld
) -> None:
    shell = Shell(ctx, use_tray=False, poll=False)
    about = shell.open_about()
    qtbot.addWidget(about)
    settings = shell.open_settings()
    qtbot.addWidget(settings)
    assert isinstance(about, AboutWindow) and isinstance(settings, SettingsWindow)

    about.findChild(object, "check_for_updates").click()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: shell.updates.view.phase is Phase.READY, timeout=60_000)

    entries = {entry.action: entry.label for entry in shell.entries()}
    assert entries[MenuAction.RESTART_TO_UPDATE] == f"Restart to update (version {NEWER})"
    assert isinstance(shell.windows["updates"], UpdateWindow)
    assert settings.findChild(object, "check_for_updates") is not None
    settings.updates.automatic.setChecked(False)
    settings.save()
    assert ctx.store.get(UPDATE_CHECK_AUTOMATICALLY) is False
    shell.quit()
