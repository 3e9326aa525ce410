"""`python -m app`: the tray app, or a command (see `python -m app --help`); `--self-test` checks a
build end to end (see `app/selftest.py`)."""

import sys

from app._bootstrap import ensure_environment


def _attach_console() -> None:
    """A windowed Windows build has no stdout; from a terminal, write to that terminal."""
    if sys.platform != "win32" or sys.stdout is not None or len(sys.argv) < 2:
        return
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
        sys.stderr = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115


if __name__ == "__main__":
    ensure_environment("app")
    _attach_console()
    if sys.argv[1:2] == ["--self-test"]:
        from app.selftest import run_self_test

        raise SystemExit(run_self_test())
    from app.cli import main

    raise SystemExit(main())
