"""A CLI command run in a thread while the test plays the other side (browser, QuickBooks PC)."""

from __future__ import annotations

import re
import threading
import time

import pytest

from app import cli


class CliRun:
    def __init__(self, capsys: pytest.CaptureFixture[str], *argv: str) -> None:
        self._capsys = capsys
        self.out = ""
        self.err = ""
        self.code: int | None = None
        self._thread = threading.Thread(target=self._main, args=(list(argv),), daemon=True)
        self._thread.start()

    def _main(self, argv: list[str]) -> None:
        self.code = cli.main(argv)

    def _read(self) -> None:
        captured = self._capsys.readouterr()
        self.out += captured.out
        self.err += captured.err

    def wait_for(self, pattern: str, timeout: float = 15.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read()
            found = re.search(pattern, self.out)
            if found:
                return found
            if not self._thread.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"{pattern!r} never appeared.\nout:\n{self.out}\nerr:\n{self.err}")

    def finish(self, timeout: float = 30.0) -> int:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the command did not finish"
        self._read()
        assert self.code is not None
        return self.code
