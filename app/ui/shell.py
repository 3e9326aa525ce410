"""The running tray app: tray (or status window), notifier, poller and the windows, wired together.

Every menu action, notification click and error button ends in `trigger` or `open_target` here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QDialog, QSystemTrayIcon, QWidget

from app.context import AppContext
from app.domain.user_error import ErrorAction, UserError
from app.engine.health import Health, Status
from app.engine.result import RunResult, RunStatus
from app.engine.standing import Fix, State
from app.store.settings import SYNC_EVERY_MINUTES
from app.ui.controller import Controller, RunKind
from app.ui.errors import user_error_for
from app.ui.fault_switch import DEMO_MARKER, DemoMarker, FaultSwitch
from app.ui.menu import MenuAction, MenuEntry, menu_entries, simulate_entry
from app.ui.notifier import (
    STARTUP_QUIET_S,
    Notice,
    NoticeKind,
    Notifier,
    notice_for_problem,
    notice_for_run,
    setup_finished_notice,
)
from app.ui.opener import help_url, open_folder, open_url
from app.ui.poller import FAST_S, HealthPoller
from app.ui.preferences import notification_enabled
from app.ui.status import StatusView, marked, present
from app.ui.status_window import StatusWindow
from app.ui.targets import Place, Target
from app.ui.tray import Tray
from app.ui.update_agent import UpdateAgent
from app.ui.update_menu import update_entry
from app.ui.update_window import UpdateWindow
from app.ui.windows.about import AboutWindow
from app.ui.windows.books import BooksWindow
from app.ui.windows.error_dialog import ErrorDialog
from app.ui.windows.history import HistoryWindow
from app.ui.windows.matches import MatchesWindow
from app.ui.windows.preview import PreviewWindow
from app.ui.windows.progress import ProgressWindow
from app.ui.windows.review import ReviewWindow
from app.ui.windows.settings import SettingsWindow
from app.ui.wizard.context import SetupContext
from app.ui.wizard.defaults import SetupDefaults
from app.ui.wizard.wizard import SetupWizard

log = logging.getLogger(__name__)

#: Windows 11 puts a new tray icon in the overflow behind the "^" by the clock.
FIRST_RUN_TIP_TITLE = "QuickBooks Salesforce Sync is running"
FIRST_RUN_TIP = (
    "Its icon is in the notification area by the clock; if you do not see it, click the ^ "
    "arrow there. To keep it in sight, drag it onto the taskbar, or turn it on in Settings > "
    "Personalization > Taskbar > Other system tray icons."
)
#: In the data folder once the tip has been shown, so it is shown on the first start only.
FIRST_RUN_TIP_MARK = "first-run-tip-shown"
#: Kept for the app's lifetime: hidden, the progress window still follows the run, so "Show
#: progress" reopens it with every workflow's row so far.
KEPT_WINDOWS = frozenset({"progress"})


class Shell(QObject):
    quit_requested = Signal()
    #: Demo mode: a simulated problem was switched on (its key) or all cleared ("").
    simulated = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        *,
        controller: Controller | None = None,
        defaults: SetupDefaults | None = None,
        use_tray: bool | None = None,
        quiet_s: float = STARTUP_QUIET_S,
        poll: bool = True,
        poll_fast_s: float = FAST_S,
        open_browser: Callable[[str], bool] = open_url,
        faults: FaultSwitch | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        #: Demo mode only: simulated problems, and the "(demo)" marker on windows and tooltip.
        self.faults = faults
        self.simulating: set[str] = set()
        self.marker = DemoMarker(self) if faults is not None else None
        self.controller = controller or Controller(ctx, parent=self)
        self.defaults = defaults
        self.open_browser = open_browser
        self.windows: dict[str, QWidget] = {}
        self.errors: list[ErrorDialog] = []
        #: Closed windows, let go of on the event loop's next turn: never inside their own signals.
        self._closed: list[QWidget] = []
        self.notifier = Notifier(
            self._draw_notice,
            lambda kind: notification_enabled(ctx.store, kind),
            quiet_s=quiet_s,
            parent=self,
        )
        self.notifier.open_target.connect(self.open_target)
        self.poller = HealthPoller(self._poll, fast_s=poll_fast_s, parent=self)
        self._poll_enabled = poll
        self._check_asked = False
        #: Try again was clicked: a passing check starts the sync again.
        self._sync_after_check = False
        self._quiet_run = False
        self._review_counted = False
        self._quitting = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._timed_sync)
        self.updates = UpdateAgent(
            ctx,
            self.controller.background,
            sync_running=lambda: self.controller.running is not None,
            quit_app=self.quit,
            parent=self,
        )
        self.updates.changed.connect(self._facts_changed)
        self.updates.announce.connect(self._announce_update)

        tray_ok = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self.tray: Tray | None = None
        self.status_window: StatusWindow | None = None
        if tray_ok:
            self.tray = Tray(self.entries, self.trigger, self.notifier.clicked, parent=self)
        else:
            self.status_window = StatusWindow(self.entries, self.trigger, self.notifier.clicked)
            self.status_window.closed.connect(self.quit)
            self._mark(self.status_window)

        c = self.controller
        c.facts_changed.connect(self._facts_changed)
        c.checked.connect(self._checked)
        c.check_started.connect(self._facts_changed)
        c.run_started.connect(self._run_started)
        c.run_finished.connect(self._run_finished)
        c.run_failed.connect(self._run_failed)
        self._facts_changed()

    # -- start and stop -------------------------------------------------------------------------
    def start(self) -> None:
        if self.tray is not None:
            self.tray.show()
            self._first_run_tip()
        if self.status_window is not None:
            self.status_window.show()
        if self._poll_enabled:
            self.poller.start()
        self._schedule_timed_sync()
        self.updates.start()
        if not self.controller.facts.set_up:
            self.open_wizard()

    def _first_run_tip(self) -> None:
        assert self.tray is not None
        mark = self.ctx.paths.data_dir / FIRST_RUN_TIP_MARK
        if mark.exists():
            return
        self.tray.icon.showMessage(FIRST_RUN_TIP_TITLE, FIRST_RUN_TIP)
        try:
            mark.touch()
        except OSError as exc:
            log.warning("Cannot note that the first-run tip was shown: %s", exc)

    def quit(self) -> None:
        if self._quitting:
            return
        self._quitting = True
        self.poller.stop()
        self.timer.stop()
        self.controller.cancel_run()
        for window in list(self.windows.values()):
            window.close()
        for dialog in list(self.errors):
            dialog.close()
        if self.tray is not None:
            self.tray.hide()
        if self.status_window is not None:
            self.status_window.close()
        self.updates.install_on_quit()
        self.quit_requested.emit()

    def dispose(self) -> None:
        """After quit: deletes every window now, on the GUI thread, not when the collector frees
        the shell's cycle, which may be on a worker thread (a widget deleted from there crashed)."""
        widgets: list[QWidget | None] = [
            *self._closed,
            *self.windows.values(),
            *self.errors,
            self.status_window,
            self.tray.menu if self.tray is not None else None,
        ]
        self._closed, self.windows, self.errors, self.status_window = [], {}, [], None
        for widget in widgets:
            if widget is not None and shiboken6.isValid(widget):
                shiboken6.delete(widget)

    def handle_arguments(self, arguments: list[str]) -> None:
        """A second start forwarded its arguments: come forward, or open what it asked for."""
        if "quit" in arguments:
            # Quit cancels a running sync, which stops at its next batch boundary.
            self.quit()
        elif "setup" in arguments:
            self.open_wizard()
        elif "sync" in arguments:
            self.trigger(MenuAction.SYNC_NOW)
        elif self.status_window is not None:
            self._raise(self.status_window)
        elif self.tray is not None:
            self.tray.icon.showMessage("Already running", "The app is in the tray.")

    # -- status ---------------------------------------------------------------------------------
    def entries(self) -> list[MenuEntry]:
        c = self.controller
        entries = menu_entries(c.facts, present(c.facts), checking=c.checking)
        if self.faults is not None:
            # Just above Quit's separator.
            last = max(i for i, e in enumerate(entries) if e.separator)
            entries.insert(last, simulate_entry(self.faults.simulations(), self.simulating))
        update = update_entry(self.updates.view)
        if update is not None:
            entries.insert(max(i for i, e in enumerate(entries) if e.separator), update)
        return entries

    def _view(self) -> StatusView:
        view = present(self.controller.facts)
        return marked(view, DEMO_MARKER) if self.faults is not None else view

    def _mark(self, window: QWidget) -> None:
        if self.marker is not None:
            self.marker.watch(window)

    def _facts_changed(self, *_: Any) -> None:
        view = self._view()
        if self.tray is not None:
            self.tray.show_status(view)
        if self.status_window is not None:
            self.status_window.show_status(view)

    def _draw_notice(self, notice: Notice) -> None:
        if self.tray is not None:
            self.tray.show_notice(notice)
        if self.status_window is not None:
            self.status_window.show_notice(notice)

    def _checked(self, health: Health) -> None:
        ok = health.status in (Status.HEALTHY, Status.SYNCING)
        if self._poll_enabled:
            self.poller.checked(ok)
        if ok and not self._review_counted:
            self._review_counted = True
            self.controller.refresh_review_count()
        again, self._sync_after_check = self._sync_after_check, False
        if ok:
            self.notifier.forget(NoticeKind.QUICKBOOKS_BLOCKED)
            self.notifier.forget(NoticeKind.SIGN_IN_EXPIRED)
            self._close_solved_errors()
            if again:
                self.controller.start_run(RunKind.SYNC)
        elif health.error is not None:
            self.notifier.notify(notice_for_problem(health.error))
            self._update_open_errors(health.error)
            progress = self.windows.get("progress")
            if again and isinstance(progress, ProgressWindow):
                progress.still_blocked(health.error)
            elif self._check_asked or again:
                self.show_error(health.error)
        self._check_asked = False
        self._facts_changed()

    def _close_solved_errors(self) -> None:
        """A passing check solved every connection or sign-in problem an open dialog shows."""
        for dialog in list(self.errors):
            if dialog.error.retryable or dialog.error.action is ErrorAction.RECONNECT_SALESFORCE:
                dialog.solved()

    def _update_open_errors(self, error: UserError) -> None:
        """An open dialog about a connection shows the problem as it is now."""
        for dialog in self.errors:
            if dialog.error.code != error.code and dialog.error.retryable:
                dialog.show_error(error)

    # -- menu -----------------------------------------------------------------------------------
    def trigger(self, action: MenuAction, key: str = "") -> None:
        handlers: dict[MenuAction, Callable[[], Any]] = {
            MenuAction.SYNC_NOW: self.sync_now,
            MenuAction.TRY_AGAIN: self.try_again,
            MenuAction.SIGN_IN_AGAIN: self.sign_in_again,
            MenuAction.SHOW_FAILED: self.show_failed,
            MenuAction.SHOW_PROGRESS: self.show_progress,
            MenuAction.REVIEW: self.open_review,
            MenuAction.PREVIEW: self.open_preview,
            MenuAction.HISTORY: self.open_history,
            MenuAction.BOOKS: self.open_books,
            MenuAction.MATCHES: self.open_matches,
            MenuAction.CHECK: self.check_connection,
            MenuAction.SETTINGS: self.open_settings,
            MenuAction.SETUP: self.open_wizard,
            MenuAction.LOGS: self.open_logs,
            MenuAction.ABOUT: self.open_about,
            MenuAction.UPDATES: self.open_updates,
            MenuAction.RESTART_TO_UPDATE: self.updates.restart_to_update,
            MenuAction.QUIT: self.quit,
            MenuAction.SIMULATE: lambda: self.simulate(key),
            MenuAction.CLEAR_SIMULATED: lambda: self.simulate(""),
        }
        handlers[action]()

    # -- demo mode ------------------------------------------------------------------------------
    def simulate(self, key: str) -> None:
        """Switches a simulated problem on, or every one off for an empty key (the sandboxes'
        admin APIs, off the GUI thread)."""
        switch = self.faults
        if switch is None:
            return

        def done(_result: object) -> None:
            if key:
                self.simulating.add(key)
            else:
                self.simulating.clear()
            self._facts_changed()
            self.simulated.emit(key)

        self.controller.background.start(
            lambda _report: switch.simulate(key) if key else switch.clear(),
            name="simulate-problem",
            on_result=done,
            on_error=lambda exc: self.show_error(user_error_for(exc)),
        )

    def check_connection(self) -> None:
        """Asked for by the person: a problem found is shown at once, with Retry."""
        if self.controller.check_connection():
            self._check_asked = True

    def sync_now(self) -> None:
        if not self.controller.start_run(RunKind.SYNC):
            self.show_progress()

    def try_again(self) -> None:
        """Checks the connection and, once it passes, syncs again (see `_checked`)."""
        if self.controller.running is not None:
            self.show_progress()
            return
        self._sync_after_check = True
        if not self.controller.check_connection():
            self._sync_after_check = self.controller.checking

    def sign_in_again(self) -> SetupWizard | None:
        """Only the Salesforce sign-in step, never showing the refused sign-in as connected."""
        return self.open_wizard("salesforce", only=True)

    def show_failed(self) -> HistoryWindow:
        standing = self.controller.facts.standing
        window = self.open_history(standing.run_id if standing else None)
        window.problems_only.setChecked(True)
        return window

    def open_target(self, target: Target) -> None:
        if target.place is Place.ERROR and target.error is not None:
            self.show_error(target.error, retry=self._retry_for(target.error))
        elif target.place is Place.HISTORY:
            self.open_history(target.run_id)
        elif target.place is Place.REVIEW:
            self.open_review()
        elif target.place is Place.SETUP:
            self.open_wizard(target.page)
        elif target.place is Place.SETTINGS:
            self.open_settings()
        elif target.place is Place.PROGRESS:
            self.show_progress()
        elif target.place is Place.MENU:
            self.show_menu()

    def show_menu(self) -> None:
        if self.tray is not None:
            self.tray.menu.popup(QCursor.pos())
        elif self.status_window is not None:
            self._raise(self.status_window)

    # -- windows --------------------------------------------------------------------------------
    def _window(self, name: str, make: Callable[[], QWidget]) -> QWidget:
        window = self.windows.get(name)
        if window is None:
            window = self.windows[name] = make()
            if name not in KEPT_WINDOWS and isinstance(window, QDialog):
                window.finished.connect(self._window_finished)
            self._mark(window)
        self._raise(window)
        return window

    def _window_finished(self, _result: int = 0) -> None:
        for name, window in list(self.windows.items()):
            if name not in KEPT_WINDOWS and name != "setup" and not window.isVisible():
                self._let_go(self.windows.pop(name))

    def _let_go(self, window: QWidget) -> None:
        """Called from the window's own signal: it is only freed once that signal has returned."""
        if not self._closed:
            QTimer.singleShot(0, self, self._release_closed)
        self._closed.append(window)

    def _release_closed(self) -> None:
        closed, self._closed = self._closed, []
        for window in closed:
            # Now, on the GUI thread: one left to the collector may be freed on a worker thread.
            if shiboken6.isValid(window):
                shiboken6.delete(window)

    @staticmethod
    def _raise(window: QWidget) -> None:
        window.show()
        window.raise_()
        window.activateWindow()

    def show_progress(self) -> ProgressWindow:
        window = self._window(
            "progress",
            lambda: ProgressWindow(
                self.controller,
                open_history=self.open_history,
                show_error=self.show_error,
                try_again=self.try_again,
                sign_in=self.sign_in_again,
            ),
        )
        assert isinstance(window, ProgressWindow)
        return window

    def open_preview(self) -> PreviewWindow:
        window = self._window(
            "preview",
            lambda: PreviewWindow(
                self.controller, sync_now=self.sync_now, show_error=self.show_error
            ),
        )
        assert isinstance(window, PreviewWindow)
        if not window.loading:
            window.refresh()
        return window

    def open_review(self) -> ReviewWindow:
        window = self._window(
            "review", lambda: ReviewWindow(self.controller, show_error=self.show_error)
        )
        assert isinstance(window, ReviewWindow)
        window.refresh()
        return window

    def open_history(self, run_id: int | None = None) -> HistoryWindow:
        window = self._window(
            "history", lambda: HistoryWindow(self.controller, show_error=self.show_error)
        )
        assert isinstance(window, HistoryWindow)
        window.refresh(run_id)
        return window

    def open_books(self) -> BooksWindow:
        window = self._window(
            "books", lambda: BooksWindow(self.controller, show_error=self.show_error)
        )
        assert isinstance(window, BooksWindow)
        if not window.loading:
            window.refresh()
        return window

    def open_matches(self) -> MatchesWindow:
        window = self._window(
            "matches", lambda: MatchesWindow(self.controller, show_error=self.show_error)
        )
        assert isinstance(window, MatchesWindow)
        window.refresh()
        return window

    def open_settings(self) -> SettingsWindow:
        window = self._window(
            "settings",
            lambda: SettingsWindow(
                self.ctx, saved=self._settings_saved, check_for_updates=self.check_for_updates
            ),
        )
        assert isinstance(window, SettingsWindow)
        return window

    def open_about(self) -> AboutWindow:
        window = self._window(
            "about", lambda: AboutWindow(self.ctx, check_for_updates=self.check_for_updates)
        )
        assert isinstance(window, AboutWindow)
        return window

    def open_updates(self) -> UpdateWindow:
        window = self._window("updates", lambda: UpdateWindow(self.updates))
        assert isinstance(window, UpdateWindow)
        return window

    def check_for_updates(self) -> UpdateWindow:
        self.updates.check_now()
        return self.open_updates()

    def _announce_update(self, title: str, text: str) -> None:
        if self.tray is not None:
            self.tray.icon.showMessage(title, text)

    def open_wizard(self, page: str | None = None, *, only: bool = False) -> SetupWizard | None:
        current = self.windows.get("setup")
        if current is not None:
            self._raise(current)
            return current if isinstance(current, SetupWizard) else None
        if self.controller.running is not None and self.controller.running is not RunKind.PREVIEW:
            self.show_progress()
            return None
        defaults = self.defaults or SetupDefaults.from_store(self.ctx.store)
        setup = SetupContext(
            self.ctx, self.controller, defaults, self.open_browser, renew_sign_in=self._signed_out
        )
        wizard = SetupWizard(setup, start=page, only=page if only else None)
        wizard.finished.connect(self._wizard_closed)
        self.windows["setup"] = wizard
        self._mark(wizard)
        self._raise(wizard)
        return wizard

    @property
    def _signed_out(self) -> bool:
        problem = self.controller.facts.problem
        return problem is not None and problem.action is ErrorAction.RECONNECT_SALESFORCE

    def _wizard_closed(self, result: int = 0) -> None:
        wizard = self.windows.pop("setup", None)
        if wizard is not None:
            self._let_go(wizard)
        self.controller.refresh()
        facts = self.controller.facts
        never_synced = facts.standing is None or facts.standing.state is State.NEVER_SYNCED
        if result == QDialog.DialogCode.Accepted.value and facts.set_up and never_synced:
            self.notifier.tell(setup_finished_notice())
        if self.controller.facts.set_up and self._poll_enabled:
            self.poller.start()

    def open_logs(self) -> None:
        open_folder(self.ctx.paths.log_dir)

    def show_error(self, error: UserError, retry: Callable[[], None] | None = None) -> ErrorDialog:
        for open_dialog in self.errors:
            if open_dialog.error.code == error.code:
                self._raise(open_dialog)
                return open_dialog
        dialog = ErrorDialog(error, self, retry=retry or self._retry_for(error))
        dialog.finished.connect(self._error_finished)
        self.errors.append(dialog)
        self._mark(dialog)
        self._raise(dialog)
        return dialog

    def _error_finished(self, _result: int = 0) -> None:
        for dialog in [d for d in self.errors if not d.isVisible()]:
            self.errors.remove(dialog)
            self._let_go(dialog)

    def _retry_for(self, error: UserError) -> Callable[[], None] | None:
        """Try again syncs again after a stopped sync; otherwise it checks the connection."""
        if not error.retryable:
            return None
        standing = self.controller.facts.standing
        if standing is not None and standing.fix is Fix.SYNC and standing.run_id is not None:
            return self.try_again
        return self.check_connection

    # -- ErrorActions ---------------------------------------------------------------------------
    def open_quickbooks_help(self, error: UserError) -> None:
        self.open_browser(help_url(error.code))

    def reconnect_salesforce(self) -> None:
        self.sign_in_again()

    def open_setup(self) -> None:
        self.open_wizard()

    # -- runs -----------------------------------------------------------------------------------
    def _run_started(self, kind: str) -> None:
        self.poller.stop()
        quiet, self._quiet_run = self._quiet_run, False
        if kind in (RunKind.SYNC, RunKind.RETRY, RunKind.APPROVE) and not quiet:
            self.show_progress()

    def _run_finished(self, kind: str, result: RunResult) -> None:
        self.updates.sync_finished()
        if self._poll_enabled:
            self.poller.checked(result.error is None)
        if kind != RunKind.PREVIEW:
            self.notifier.notify(notice_for_run(result))
            if result.status is not RunStatus.CANCELLED and kind != RunKind.APPROVE:
                self.controller.refresh_review_count()

    def _run_failed(self, kind: str, error: UserError) -> None:
        self.updates.sync_finished()
        if self._poll_enabled:
            self.poller.checked(False)
        self.notifier.notify(notice_for_problem(error))

    # -- polling and timed sync -----------------------------------------------------------------
    def _poll(self) -> None:
        c = self.controller
        if not c.facts.set_up or c.running is not None or c.checking:
            self.poller.checked(True)
            return
        c.check_connection(schema=False)

    def _settings_saved(self) -> None:
        self.controller.settings_changed()
        self._schedule_timed_sync()

    def _schedule_timed_sync(self) -> None:
        minutes = self.ctx.store.get(SYNC_EVERY_MINUTES)
        if minutes > 0:
            self.timer.start(minutes * 60_000)
        else:
            self.timer.stop()

    def _timed_sync(self) -> None:
        view = self._view()
        if view.status is Status.HEALTHY and self.controller.running is None:
            self._quiet_run = True
            if not self.controller.start_run(RunKind.SYNC, trigger="timer"):
                self._quiet_run = False
