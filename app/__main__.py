"""`python -m app`: the tray app, or a command (see `python -m app --help`); `--self-test` checks a
build end to end (see `app/selftest.py`)."""

import sys

from app._bootstrap import ensure_environment


def _default_log_dir() -> str:
    from app.platform.paths import resolve_paths

    return str(resolve_paths().log_dir)


def _quit_as_tray_command(argv: list[str]) -> list[str]:
    """`qbsf --quit [--data-dir DIR]` is `qbsf [--data-dir DIR] tray --quit` (the installer's)."""
    if "--quit" not in argv or "tray" in argv:
        return argv
    rest = [argument for argument in argv if argument != "--quit"]
    return [*rest, "tray", "--quit"]


def _main() -> int:
    sys.argv[1:] = _quit_as_tray_command(sys.argv[1:])
    if sys.argv[1:2] == ["--self-test"]:
        from app.selftest import run_self_test

        return run_self_test()
    from app.cli import main

    return main()


if __name__ == "__main__":
    ensure_environment("app")
    from app.platform.console import attach_parent_console, ensure_standard_streams, run_guarded
    from app.platform.tls import use_system_trust_store

    # A windowed build from a terminal writes there; with no terminal, to the log.
    if len(sys.argv) > 1:
        attach_parent_console()
    ensure_standard_streams()
    use_system_trust_store()
    raise SystemExit(run_guarded(_main, _default_log_dir))
