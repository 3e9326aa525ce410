"""`qbsf --self-test`: proves a build (or a checkout) works end to end, with no account or screen.

It imports every module of the app, loads the keyring backends and Qt (offscreen) with the icons,
opens a store in a temporary folder, starts both sandboxes with a small company, runs a sync through
the engine exactly as `qbsf sync` does (the QBSF_* variables) and checks what arrived in the
Salesforce sandbox. Each step prints one line; the first failure stops the test with a plain message
and exit code 1. Nothing outside the temporary folder is touched (the keyring is an in-memory one).
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib
import logging
import os
import pkgutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from app import APP_NAME, __version__
from app.domain.workflows import ACCOUNT, INVOICE, PAYMENT, PRODUCT
from app.store.settings import SELF_TEST_PROBE

#: The keyring backends the build must carry (keyring finds them at run time, not by import).
KEYRING_BACKENDS = (
    "keyring.backends.Windows",
    "keyring.backends.SecretService",
    "keyring.backends.macOS",
    "app.platform.memory_keyring",
)

#: Whole-test limit: a hung step must fail CI, not stall it.
TIMEOUT_S = 240


class SelfTestError(Exception):
    """A check failed; the message says what, in plain words."""


@dataclass
class SelfTest:
    out: TextIO
    work_dir: Path
    facts: dict[str, Any] = field(default_factory=dict)
    _cleanups: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def steps(self) -> list[tuple[str, Callable[[], str]]]:
        return [
            ("app modules", self.import_modules),
            ("keyring backends", self.load_keyring_backends),
            ("Qt (offscreen) and icons", self.load_qt),
            ("store in a temporary folder", self.open_store),
            ("sandboxes", self.start_sandboxes),
            ("sync", self.sync),
            ("records in the Salesforce sandbox", self.check_salesforce),
            ("second sync writes nothing", self.sync_again),
        ]

    # -- steps ----------------------------------------------------------------------------------
    def import_modules(self) -> str:
        import app

        failures = []
        count = 0
        for module in pkgutil.walk_packages(app.__path__, "app.", onerror=failures.append):
            try:
                importlib.import_module(module.name)
            except Exception as exc:
                failures.append(f"{module.name} ({type(exc).__name__}: {exc})")
            count += 1
        if failures:
            raise SelfTestError("these modules cannot be imported: " + "; ".join(failures))
        return f"{count} imported"

    def load_keyring_backends(self) -> str:
        import keyring

        from app.platform.credentials import CredentialStore
        from app.platform.memory_keyring import MemoryKeyring

        for name in KEYRING_BACKENDS:
            try:
                importlib.import_module(name)
            except ImportError as exc:
                raise SelfTestError(f"the keyring backend {name} is missing: {exc}") from exc
        found = sorted({type(b).__module__ for b in keyring.backend.get_all_keyring()})
        previous = keyring.get_keyring()
        keyring.set_keyring(MemoryKeyring())
        self._cleanups.callback(keyring.set_keyring, previous)
        store = CredentialStore(service="qbsf-self-test")
        store.set("probe", "x" * 2500)
        if store.get("probe") != "x" * 2500:
            raise SelfTestError("a secret did not read back as it was saved")
        store.delete("probe")
        return f"{len(found)} available here"

    def load_qt(self) -> str:
        from PySide6.QtCore import QSize
        from PySide6.QtGui import QIcon, QImage, QImageReader
        from PySide6.QtWidgets import QApplication

        from app.ui.resources import resource_path

        app = QApplication.instance() or QApplication([sys.argv[0]])
        if QApplication.platformName() != "offscreen":
            raise SelfTestError(f"Qt started the {QApplication.platformName()!r} platform")
        formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
        missing = {"svg", "ico", "png"} - formats
        if missing:
            raise SelfTestError(f"Qt cannot read {', '.join(sorted(missing))} images")
        icons = sorted(resource_path("icons").glob("*.svg"))
        if not icons:
            raise SelfTestError(f"no icons in {resource_path('icons')}")
        for path in icons:
            if QIcon(str(path)).pixmap(QSize(32, 32)).isNull():
                raise SelfTestError(f"the icon {path.name} does not render")
        windows_icon = resource_path("icons", "app.ico")
        if windows_icon.is_file() and QImage(str(windows_icon)).isNull():
            raise SelfTestError("the Windows icon app.ico cannot be read")
        app.processEvents()
        return f"{len(icons)} icons render"

    def open_store(self) -> str:
        from app.context import AppContext

        ctx = AppContext.create(self.work_dir / "data", console_level=None)
        self._cleanups.callback(_close_log_files, self.work_dir)
        self._cleanups.callback(ctx.close)
        store = ctx.store
        store.set(SELF_TEST_PROBE, 1)
        if store.get(SELF_TEST_PROBE) != 1:
            raise SelfTestError("a setting did not read back from the store")
        self.facts["ctx"] = ctx
        return str(ctx.paths.database.name)

    def start_sandboxes(self) -> str:
        from app.sandbox.launcher import SandboxSize, start_sandboxes

        size = SandboxSize(
            customers=5, items=4, invoices=12, payments=6, opportunities=2, extra_accounts=2
        )
        sandboxes = start_sandboxes(seed=7, size=size)
        self._cleanups.callback(sandboxes.stop)
        self._cleanups.enter_context(_environment(sandboxes.environment()))
        self.facts["sandboxes"] = sandboxes
        urls = (sandboxes.conductor.base_url, sandboxes.salesforce.instance_url)
        return "Conductor {}, Salesforce {}".format(*urls)

    def sync(self) -> str:
        from app.engine.factory import open_engine
        from app.engine.result import RunStatus

        engine = open_engine(self.facts["ctx"])
        self.facts["engine"] = engine
        result = engine.run(trigger="self-test")
        if result.status is not RunStatus.SUCCEEDED:
            reason = (
                f" ({result.error.title}: {result.error.what_happened})" if result.error else ""
            )
            raise SelfTestError(f"{result.headline()}{reason}")
        if result.count("created") == 0:
            raise SelfTestError("the sync created nothing")
        return result.headline()

    def check_salesforce(self) -> str:
        sandboxes = self.facts["sandboxes"]
        qb, sf = sandboxes.conductor.qb, sandboxes.salesforce
        expected = {
            INVOICE.name: (INVOICE.quickbooks_id, qb.all("invoice")),
            PAYMENT.name: (PAYMENT.quickbooks_id, qb.all("receive_payment")),
            PRODUCT.name: (
                PRODUCT.quickbooks_id,
                qb.all("service_item") + qb.all("non_inventory_item"),
            ),
        }
        lines = []
        for sobject, (external_id, records) in expected.items():
            mirrored = [r[external_id] for r in sf.records(sobject) if r.get(external_id)]
            wanted = {r["id"] for r in records}
            if not wanted:
                raise SelfTestError(f"the QuickBooks sandbox has no records for {sobject}")
            if sorted(mirrored) != sorted(wanted):
                raise SelfTestError(
                    f"{sobject}: {len(wanted)} expected once each, found {len(mirrored)} "
                    f"({len(wanted - set(mirrored))} missing)"
                )
            lines.append(f"{len(mirrored)} {sobject}")
        linked = [a for a in sf.records(ACCOUNT.name) if a.get(ACCOUNT.quickbooks_id)]
        if not linked:
            raise SelfTestError("no Salesforce account was linked to a QuickBooks customer")
        lines.append(f"{len(linked)} linked accounts")
        return ", ".join(lines)

    def sync_again(self) -> str:
        result = self.facts["engine"].run(trigger="self-test")
        written = result.count("created") + result.count("updated")
        if written:
            raise SelfTestError(f"a sync with no changes wrote {written} records")
        return result.headline()

    def close(self) -> None:
        self._cleanups.close()


def run_self_test(out: TextIO | None = None, *, timeout_s: float = TIMEOUT_S) -> int:
    """Run every step; 0 when all pass, 1 at the first failure."""
    out = out or sys.stdout or open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    kind = "frozen build" if getattr(sys, "frozen", False) else "source"
    _say(out, f"Self-test of {APP_NAME} {__version__} ({kind}, Python {sys.version.split()[0]})")
    started = time.perf_counter()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if sys.stderr is not None:
        faulthandler.dump_traceback_later(timeout_s, exit=True, file=sys.stderr)
    try:
        with tempfile.TemporaryDirectory(
            prefix="qbsf-self-test-", ignore_cleanup_errors=True
        ) as tmp:
            test = SelfTest(out=out, work_dir=Path(tmp))
            try:
                for name, step in test.steps():
                    began = time.perf_counter()
                    try:
                        detail = step()
                    except Exception as exc:
                        message = str(exc) if isinstance(exc, SelfTestError) else _describe(exc)
                        _say(out, f"  FAILED  {name}: {message}")
                        _say(out, f"Self-test failed at '{name}': {message}")
                        return 1
                    _say(out, f"  ok      {name} ({time.perf_counter() - began:.1f} s): {detail}")
            finally:
                test.close()
    finally:
        faulthandler.cancel_dump_traceback_later()
    _say(out, f"Self-test passed in {time.perf_counter() - started:.1f} s.")
    return 0


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        text += f" (at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno})"
    return text


def _say(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _close_log_files(folder: Path) -> None:
    """Windows cannot delete the temporary folder while the log file in it is open."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        filename = getattr(handler, "baseFilename", None)
        if filename and Path(filename).is_relative_to(folder):
            root.removeHandler(handler)
            handler.close()
