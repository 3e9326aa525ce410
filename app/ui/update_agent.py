"""The tray's side of updates: a daily check, the download in the background, install on quit.

The engine side (`app.update`) does the work on a worker thread; this keeps what the tray shows
(an `UpdateView`) and decides when: checks once a day unless the setting says not, downloads a
found version at once, and hands the staged version to the installer when the app quits. "Restart
to update" during a sync waits for the sync to finish first.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from PySide6.QtCore import QObject, QTimer, Signal

from app.context import AppContext
from app.engine.connections import trust_store
from app.store.settings import UPDATE_CHECK_AUTOMATICALLY, UPDATE_LAST_CHECK, UPDATE_SERVER_URL
from app.ui.workers import Background
from app.update.client import Offer, UpdateClient
from app.update.errors import UpdateError, plain_error
from app.update.folders import UpdateFolders
from app.update.installation import Installation, current_installation
from app.update.launcher import start_installer
from app.update.outcome import news_at_start
from app.update.staged import StagedUpdate, read_staged

log = logging.getLogger(__name__)

DAY_S = 24 * 60 * 60
#: How often the tray asks itself whether a day has passed since the last check.
TICK_MS = 60 * 60 * 1000
#: The first look waits until the app has settled after start-up.
FIRST_LOOK_MS = 2 * 60 * 1000
NOT_INSTALLED = "This copy runs from a source checkout; it is updated with git, not by itself."


class Phase(StrEnum):
    IDLE = "idle"
    CHECKING = "checking"
    UP_TO_DATE = "up_to_date"
    DOWNLOADING = "downloading"
    READY = "ready"
    FAILED = "failed"


@dataclass(frozen=True)
class UpdateView:
    phase: Phase = Phase.IDLE
    installed: str = ""
    offer: Offer | None = None
    done: int = 0
    expected: int = 0
    message: str = ""
    #: "Restart to update" was clicked during a sync: the restart follows the sync.
    restart_after_sync: bool = False

    @property
    def busy(self) -> bool:
        return self.phase in (Phase.CHECKING, Phase.DOWNLOADING)


class UpdateAgent(QObject):
    changed = Signal(object)  # UpdateView
    #: (title, text) for a tray notification.
    announce = Signal(str, str)

    def __init__(
        self,
        ctx: AppContext,
        background: Background,
        *,
        sync_running: Callable[[], bool],
        quit_app: Callable[[], None],
        installation: Installation | None = None,
        now: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.background = background
        self.installation = installation or current_installation()
        self.folders = UpdateFolders.in_data_dir(ctx.paths.data_dir)
        self._sync_running = sync_running
        self._quit_app = quit_app
        self._now = now
        self._restart = False
        self.view = UpdateView(installed=self.installation.version if self.installation else "")
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.maybe_check)

    # -- when ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Says what the last update did, then looks once a day."""
        if self.installation is None:
            return
        news = news_at_start(self.folders, self.installation)
        if news:
            self.announce.emit("Update", news)
        staged = read_staged(self.folders)
        if staged is not None and staged.version != self.installation.version:
            self._show(phase=Phase.READY, offer=self._staged_offer(staged))
        self.timer.start(TICK_MS)
        QTimer.singleShot(FIRST_LOOK_MS, self.maybe_check)

    def automatic(self) -> bool:
        return bool(self.ctx.store.get(UPDATE_CHECK_AUTOMATICALLY))

    def maybe_check(self) -> bool:
        """The daily look: True when a check started."""
        if self.installation is None or not self.automatic() or self.view.busy:
            return False
        if self.view.phase is Phase.READY:
            return False
        last = self.ctx.store.get(UPDATE_LAST_CHECK)
        now = self._now()
        # A clock set back counts as a day gone by.
        if 0 <= now - last < DAY_S:
            return False
        self.ctx.store.set(UPDATE_LAST_CHECK, now)
        return self.check_now(asked=False)

    # -- what -----------------------------------------------------------------------------------
    def _client(self) -> UpdateClient:
        assert self.installation is not None
        server = self.ctx.store.get(UPDATE_SERVER_URL) or self.installation.default_server
        return UpdateClient(
            self.installation, self.folders, server, verify=trust_store(self.ctx.paths.data_dir)
        )

    def check_now(self, *, asked: bool = True) -> bool:
        """Looks for a new version now; False when a check or download already runs."""
        if self.view.busy:
            return False
        if self.installation is None:
            self._show(phase=Phase.FAILED, message=NOT_INSTALLED)
            return False
        if self.view.phase is Phase.READY:
            self._show()
            return False
        client = self._client()
        self._show(phase=Phase.CHECKING, message="")
        self.background.start(
            lambda _report: client.check(),
            name="update-check",
            on_result=lambda offer: self._checked(client, offer, asked),
            on_error=lambda exc: self._failed(exc, client.server, asked),
        )
        return True

    def _checked(self, client: UpdateClient, offer: Offer | None, asked: bool) -> None:
        if offer is None:
            self._show(phase=Phase.UP_TO_DATE, offer=None)
            return
        self._show(phase=Phase.DOWNLOADING, offer=offer, done=0, expected=offer.size)
        self.announce.emit(
            f"Update available: version {offer.version}",
            _first_line(offer.notes) or "It is downloading in the background.",
        )
        self.background.start(
            lambda report: client.download(lambda done, expected: report((done, expected))),
            name="update-download",
            on_progress=self._progress,
            on_result=self._downloaded,
            on_error=lambda exc: self._failed(exc, client.server, True),
        )

    def _progress(self, counted: tuple[int, int]) -> None:
        done, expected = counted
        self._show(done=done, expected=expected)

    def _downloaded(self, staged: StagedUpdate | None) -> None:
        if staged is None:
            self._show(phase=Phase.UP_TO_DATE, offer=None)
            return
        self._show(phase=Phase.READY, done=self.view.expected)
        self.announce.emit(
            f"Version {staged.version} is ready",
            "It is installed when the app quits, or now with Restart to update.",
        )

    def _failed(self, exc: BaseException, server: str, asked: bool) -> None:
        error = exc if isinstance(exc, UpdateError) else plain_error(exc, server)
        log.warning("Update: %s", error.message)
        self._show(phase=Phase.FAILED, message=error.message)
        if asked:
            self.announce.emit("The update did not work", error.message)

    # -- installing ---------------------------------------------------------------------------
    def restart_to_update(self) -> None:
        if self.view.phase is not Phase.READY:
            return
        if self._sync_running():
            self._show(restart_after_sync=True)
            return
        self._restart = True
        self._quit_app()

    def sync_finished(self) -> None:
        if self.view.restart_after_sync:
            self._show(restart_after_sync=False)
            self.restart_to_update()

    def install_on_quit(self) -> subprocess.Popen[bytes] | None:
        """Hands a staged version to the installer, which waits for this process to end."""
        if self.installation is None or read_staged(self.folders) is None:
            return None
        try:
            return start_installer(
                self.ctx.paths.data_dir,
                self.installation,
                self.folders,
                wait_pid=os.getpid(),
                restart=self._restart,
            )
        except OSError as exc:
            log.warning("The update installer could not start: %s", exc)
            return None

    # -- plumbing -------------------------------------------------------------------------------
    def _show(self, **changes: object) -> None:
        self.view = replace(self.view, **changes)  # type: ignore[arg-type]
        self.changed.emit(self.view)

    def _staged_offer(self, staged: StagedUpdate) -> Offer:
        return Offer(staged.version, staged.from_version, "", 0)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
