"""`python -m app`: the tray app, or a command (see `python -m app --help`)."""

from app._bootstrap import ensure_environment

if __name__ == "__main__":
    ensure_environment("app")
    from app.cli import main

    raise SystemExit(main())
