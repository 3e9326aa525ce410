"""Screenshots of the real windows against the sandboxes: `python -m app.ui.screenshots OUTDIR`.

Without a display it restarts itself under Xvfb (`xvfb-run`), with a window manager (openbox) and
a system tray (trayer) when they are installed, so the tray menu is shot from a real tray.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import keyring
import requests
from PySide6.QtCore import QObject, QUrl, Slot

from app.domain.workflows import ACCOUNT, PAYMENT

INNER = "QBSF_SCREENSHOTS_INNER"
SCREEN = "1280x800x24"
HIDDEN_FOR_SHOT = (PAYMENT.name, ACCOUNT.path(ACCOUNT.balance))
_INPUT = re.compile(r"<input[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m app.ui.screenshots OUTDIR", file=sys.stderr)
        return 2
    out = Path(argv[0]).resolve()
    if not os.environ.get(INNER):
        return _under_xvfb(out)
    helpers = _desktop_helpers()
    try:
        return Shooter(out).run()
    finally:
        for helper in helpers:
            helper.terminate()


def _under_xvfb(out: Path) -> int:
    if shutil.which("xvfb-run") is None:
        print("xvfb-run is needed (Debian package xvfb).", file=sys.stderr)
        return 1
    env = {**os.environ, INNER: "1", "QT_QPA_PLATFORM": "xcb"}
    command = [
        "xvfb-run",
        "-a",
        "-s",
        f"-screen 0 {SCREEN}",
        sys.executable,
        "-m",
        "app.ui.screenshots",
        str(out),
    ]
    return subprocess.run(command, env=env, check=False).returncode


def _desktop_helpers() -> list[subprocess.Popen[bytes]]:
    helpers = []
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if shutil.which("openbox"):
        helpers.append(subprocess.Popen(["openbox"], **quiet))  # type: ignore[call-overload]
        time.sleep(0.5)
    if shutil.which("trayer"):
        tray = ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request"]
        helpers.append(subprocess.Popen([*tray, "--height", "24"], **quiet))  # type: ignore[call-overload]
        time.sleep(0.5)
    return helpers


class Shooter:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.taken: list[Path] = []

    def run(self) -> int:
        from PySide6.QtGui import QDesktopServices

        from app.commands.demo import demo_environment
        from app.platform.memory_keyring import MemoryKeyring
        from app.sandbox.fault_switch import SandboxFaultSwitch
        from app.store.settings import SALESFORCE_SIGN_IN_PORT
        from app.ui.application import qt_application
        from app.ui.controller import Controller
        from app.ui.notifier import NoticeKind, notice_setting
        from app.ui.shell import Shell
        from app.ui.wizard.defaults import SetupDefaults

        self.out.mkdir(parents=True, exist_ok=True)
        self.app = qt_application()
        keyring.set_keyring(MemoryKeyring())
        with demo_environment(seed=7, keep=None) as demo:
            self.demo = demo
            demo.ctx.store.set(SALESFORCE_SIGN_IN_PORT, demo.sign_in_port)
            # Notification balloons would sit over the windows being shot.
            for kind in NoticeKind:
                demo.ctx.store.set(notice_setting(kind), False)
            defaults = SetupDefaults.from_sandboxes(demo.sandboxes.info(), demo.sign_in_port)
            self.browser = _Browser()
            for scheme in ("http", "https", "file"):
                QDesktopServices.setUrlHandler(scheme, self.browser, "open")
            controller = Controller(demo.ctx)
            self.shell = Shell(
                demo.ctx,
                controller=controller,
                defaults=defaults,
                quiet_s=0,
                poll=False,
                faults=SandboxFaultSwitch(demo.sandboxes),
            )
            self.shell.start()
            self.wizard()
            self.windows()
            self.states()
            self.shell.quit()
            self.wait(lambda: not controller.background.busy, 60)
            self.shell.dispose()
        for path in self.taken:
            print(path)
        return 0

    # -- helpers --------------------------------------------------------------------------------
    def wait(self, condition: Callable[[], bool], seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the app did not get there in time")
            self.app.processEvents()
            time.sleep(0.02)

    def settle(self, seconds: float = 0.4) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.02)

    def shoot(self, widget: object, name: str) -> None:
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtWidgets import QWidget

        assert isinstance(widget, QWidget)
        widget.show()
        widget.raise_()
        widget.activateWindow()
        self.settle()
        frame = widget.frameGeometry()
        screen = QGuiApplication.primaryScreen()
        image = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
        if image.isNull() or image.width() < 10:
            image = widget.grab()
        path = self.out / f"{name}.png"
        image.save(str(path))
        self.taken.append(path)

    # -- the wizard -----------------------------------------------------------------------------
    def wizard(self) -> None:
        from PySide6.QtWidgets import QWizard

        wizard = self.shell.windows["setup"]
        assert isinstance(wizard, QWizard)
        wizard.move(60, 40)
        pages = [
            "wizard-1-welcome",
            "wizard-2-quickbooks",
            "wizard-3-salesforce",
            "wizard-4-schema",
            "wizard-5-workflows",
            "wizard-6-match",
            "wizard-7-summary",
        ]
        for index, name in enumerate(pages):
            page = wizard.currentPage()
            if name == "wizard-3-salesforce":
                self.sign_in(wizard, page)
            if name == "wizard-4-schema":
                self.schema_missing(wizard, page)
            if name == "wizard-7-summary":
                self.wait(lambda page=page: not page.previewing, 120)
            if name == "wizard-6-match":
                self.wait(page.isComplete, 60)
                self._skip_one(page)
            self.wait(page.isComplete, 60)
            self.shoot(wizard, name)
            if name == "wizard-6-match":
                # Linked after all: a customer left unlinked would fail every later sync.
                self._skip_one(page, skip=False)
            if name == "wizard-3-salesforce":
                # The next page is shot once with parts missing, as a new org looks.
                self.demo.sandboxes.salesforce.set_config(missing=list(HIDDEN_FOR_SHOT))
            if index < len(pages) - 1:
                wizard.next()
                self.wait(lambda page=page: wizard.currentPage() is not page, 60)
        wizard.button(QWizard.WizardButton.FinishButton).click()
        self.wait(lambda: "setup" not in self.shell.windows, 30)
        self.wait(lambda: self.shell.controller.running is None, 120)

    def schema_missing(self, wizard: object, page: object) -> None:
        """Parts missing: as a user who may not add them, then one who may, deploying them."""
        from app.sandbox.salesforce.permissions import ADMINISTRATOR, STANDARD_USER

        salesforce = self.demo.sandboxes.salesforce
        for profile, name in (
            (STANDARD_USER, "wizard-4-schema-no-permission"),
            (ADMINISTRATOR, "wizard-4-schema-missing"),
        ):
            self.wait(lambda: not page.checking, 60)  # type: ignore[attr-defined]
            salesforce.set_config(user_profile=profile)
            page.start_check()  # type: ignore[attr-defined]
            self.wait(lambda: page.findings is not None and not page.checking, 60)  # type: ignore[attr-defined]
            self.shoot(wizard, name)
        page.start_deploy()  # type: ignore[attr-defined]
        self.wait(lambda: page.deploy_status is not None, 60)  # type: ignore[attr-defined]
        self.shoot(wizard, "wizard-4-schema-deploying")

    def sign_in(self, wizard: object, page: object) -> None:
        self.browser.follow = False
        page.start_sign_in()  # type: ignore[attr-defined]
        self.settle(2.2)
        self.shoot(wizard, "wizard-3-salesforce-waiting")
        self.browser.follow = True
        self.browser.sign_in(page.sign_in.url)  # type: ignore[attr-defined]

    def _skip_one(self, page: object, *, skip: bool = True) -> None:
        from PySide6.QtCore import Qt

        table = page.table  # type: ignore[attr-defined]
        if table.rowCount() > 1:
            state = Qt.CheckState.Unchecked if skip else Qt.CheckState.Checked
            table.item(1, 0).setCheckState(state)

    # -- the windows ----------------------------------------------------------------------------
    def windows(self) -> None:
        from app.ui.menu import MenuAction

        shell, sandboxes = self.shell, self.demo.sandboxes
        controller = shell.controller

        shell.trigger(MenuAction.PREVIEW)
        preview = shell.windows["preview"]
        preview.move(60, 60)
        self.wait(lambda: not preview.loading and controller.running is None, 120)  # type: ignore[attr-defined]
        self.shoot(preview, "preview")
        preview.close()

        # A first sync, slowed so it is caught halfway, with some payments refused by a rule.
        sandboxes.salesforce.set_config(
            validation_rules=[
                {
                    "object": PAYMENT.name,
                    "field": PAYMENT.amount,
                    "op": ">",
                    "value": 4000,
                    "message": "Payments over 4,000 need a finance approval in Salesforce",
                    "name": "Large_Payment_Approval",
                }
            ]
        )
        sandboxes.conductor.set_config(latency_ms=400)
        shell.trigger(MenuAction.SYNC_NOW)
        progress = shell.windows["progress"]
        progress.move(120, 120)
        self.wait(lambda: "invoices" in progress.rows, 120)  # type: ignore[attr-defined]
        self.shoot(progress, "progress")
        sandboxes.conductor.set_config(latency_ms=0)
        self.wait(lambda: controller.running is None, 300)
        self.shoot(progress, "progress-finished")
        sandboxes.salesforce.set_config(validation_rules=[])
        last = controller.facts.standing
        progress.close()

        history = shell.open_history(last.run_id if last else None)
        history.move(40, 40)
        self.wait(lambda: bool(history.items) and not history.loading, 60)
        history.problems_only.setChecked(True)
        self.shoot(history, "history")
        history.close()

        review = shell.open_review()
        review.move(40, 60)
        self.wait(lambda: not review.loading, 60)
        ready = [c.id for c in review.candidates if c.draft.preview.can_approve]
        if ready:
            review.select(ready[:1])
        self.shoot(review, "review")
        review.close()

        sandboxes.conductor.add_fault(kind="qb_dialog", times=None)
        shell.check_connection()
        self.wait(lambda: bool(shell.errors) and not controller.checking, 60)
        dialog = shell.errors[-1]
        dialog.move(200, 160)
        dialog.details_button.click()
        self.shoot(dialog, "error-dialog")
        dialog.close()
        self.tray_menu()
        sandboxes.conductor.clear_faults()

        settings = shell.open_settings()
        settings.move(200, 40)
        self.shoot(settings, "settings")
        settings.close()
        about = shell.open_about()
        about.move(300, 200)
        self.shoot(about, "about")
        about.close()
        self.updates()
        if shell.status_window is not None:
            self.shoot(shell.status_window, "status-window")

    def updates(self) -> None:
        """The update window as the agent shows it mid-download, then ready to install."""
        from app.ui.update_agent import Phase
        from app.update.client import Offer

        agent = self.shell.updates
        offer = Offer(
            version="0.2.0",
            installed="0.1.0",
            notes="Invoices sync twice as fast.\nThe tray says when QuickBooks is closed.\n"
            "Payments show the invoices they paid.",
            size=61_400_000,
        )
        agent.view = type(agent.view)(
            Phase.DOWNLOADING, "0.1.0", offer, done=23_100_000, expected=offer.size
        )
        window = self.shell.open_updates()
        window.show_view(agent.view)
        window.move(240, 120)
        self.shoot(window, "update-available")
        agent.view = type(agent.view)(
            Phase.READY, "0.1.0", offer, done=offer.size, expected=offer.size
        )
        window.show_view(agent.view)
        self.shoot(window, "restart-to-update")
        window.close()

    def tray_menu(self, name: str = "tray-menu", submenu: str = "") -> None:
        """The tray menu as it opens under the icon; `submenu`: that submenu opened beside it."""
        from PySide6.QtCore import QPoint, QRect
        from PySide6.QtWidgets import QMenu

        tray = self.shell.tray
        if tray is None:
            return
        icon = tray.icon.geometry()
        tray.rebuild()
        menu = tray.menu
        size = menu.sizeHint()
        top_left = QPoint(max(icon.right() - size.width(), 0), icon.bottom() + 2)
        menu.popup(top_left)
        self.settle(0.8)
        area = QRect(menu.geometry()).united(icon)
        opened = None
        if submenu:
            action = next(a for a in menu.actions() if a.text() == submenu)
            opened = action.menu()
            assert isinstance(opened, QMenu)
            menu.setActiveAction(action)
            place = menu.actionGeometry(action).topLeft() + menu.geometry().topLeft()
            opened.popup(QPoint(max(place.x() - opened.sizeHint().width(), 0), place.y()))
            self.settle(0.8)
            area = area.united(opened.geometry())
        self._grab(area.adjusted(-12, -6, 12, 12), name)
        if opened is not None:
            opened.hide()
        menu.hide()

    def _grab(self, area: object, name: str) -> None:
        from PySide6.QtCore import QRect
        from PySide6.QtGui import QGuiApplication

        assert isinstance(area, QRect)
        screen = QGuiApplication.primaryScreen()
        area = area.intersected(screen.geometry())
        image = screen.grabWindow(0, area.x(), area.y(), area.width(), area.height())
        path = self.out / f"{name}.png"
        image.save(str(path))
        self.taken.append(path)

    # -- what the tray says -------------------------------------------------------------------
    def states(self) -> None:
        """Each state and alert the tray shows, brought about with demo mode's Simulate menu."""
        from app.engine.standing import State
        from app.ui.controller import RunKind
        from app.ui.fault_switch import DEMO_MARKER
        from app.ui.menu import SIMULATE_MENU, MenuAction

        shell, controller = self.shell, self.shell.controller
        self.check()
        self.tray_menu("tray-partial")
        last = controller.facts.standing
        if last is not None and last.state is State.RECORDS_FAILED and last.run_id is not None:
            controller.start_run(RunKind.RETRY, retry_of=last.run_id, trigger="retry")
            self.wait(lambda: controller.running is None, 300)
        self._close_windows()

        self.simulate("qb_dialog")
        shell.trigger(MenuAction.SYNC_NOW)
        self.wait(lambda: controller.running is None, 300)
        progress = shell.windows["progress"]
        progress.move(60, 60)
        self.shoot(progress, "progress-stopped")
        self.tray_menu("tray-blocked")
        self.tray_menu("tray-simulate", submenu=SIMULATE_MENU)

        self.simulate("")
        self.check()
        self.tray_menu("tray-stopped")

        shell.trigger(MenuAction.TRY_AGAIN)
        self.wait(lambda: controller.running is not None or shell.errors, 60)
        self.wait(lambda: controller.running is None and not controller.checking, 300)
        self._close_windows()
        self.tray_menu("tray-recovered")

        self.simulate("sign_in_expired")
        self.check()
        self.tray_menu("tray-sign-in")

        about = shell.open_about()
        about.move(300, 200)
        assert about.windowTitle().endswith(DEMO_MARKER)
        self.shoot(about, "demo-marker")
        about.close()
        self.simulate("")

    def simulate(self, key: str) -> None:
        done: list[str] = []
        self.shell.simulated.connect(done.append)
        self.shell.simulate(key)
        self.wait(lambda: bool(done), 30)
        self.shell.simulated.disconnect(done.append)

    def check(self) -> None:
        controller = self.shell.controller
        self.wait(lambda: controller.running is None and not controller.checking, 120)
        controller.check_connection()
        self.wait(lambda: not controller.checking, 120)
        self._close_windows()

    def _close_windows(self) -> None:
        for dialog in list(self.shell.errors):
            dialog.close()
        for window in list(self.shell.windows.values()):
            window.close()
        self.settle(0.3)


class _Browser(QObject):
    """The browser for the shots: a Salesforce sign-in is finished over HTTP, as a person would."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []
        self.follow = True

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())
        if self.follow and "/services/oauth2/authorize" in url.toString():
            self.sign_in(url.toString())

    def sign_in(self, url: str) -> None:
        threading.Thread(target=_sign_in, args=(url,), daemon=True).start()


def _sign_in(url: str) -> None:
    with requests.Session() as web:
        page = web.get(url, timeout=30)
        fields = {}
        for tag in _INPUT.findall(page.text):
            attrs = dict(_ATTR.findall(tag))
            if "name" in attrs:
                fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
        fields["decision"] = "allow"
        base = url.split("/services/oauth2/authorize")[0]
        web.post(f"{base}/services/oauth2/authorize", data=fields, timeout=60)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
