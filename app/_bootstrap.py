"""First-use setup for a source checkout, using only the standard library.

`python -m app ...` and `python -m tests ...` run inside the project's own virtual environment
(`.venv` beside `pyproject.toml`), created on first use from the committed lock file and refreshed
when the lock file changes. An installed copy (no `pyproject.toml` beside it) is left alone.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILE = ROOT / "requirements.lock"
VENV_DIR = Path(os.environ.get("QBSF_VENV", ROOT / ".venv"))
STAMP = VENV_DIR / ".qbsf-lock-sha256"


def _venv_python() -> Path:
    if os.name == "nt":
        return VENV_DIR / "Scripts" / "python.exe"
    return VENV_DIR / "bin" / "python"


def _lock_digest() -> str:
    return hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()


def _in_project_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV_DIR.resolve()


def _is_source_checkout() -> bool:
    return (ROOT / "pyproject.toml").is_file() and LOCK_FILE.is_file()


def _install() -> None:
    python = _venv_python()
    if not python.exists():
        print(f"First use: creating the environment in {VENV_DIR} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV_DIR)
    print("Installing the pinned dependencies (one time, a few minutes) ...", file=sys.stderr)
    quiet = ["--quiet", "--disable-pip-version-check"]
    subprocess.check_call([str(python), "-m", "pip", "install", *quiet, "-r", str(LOCK_FILE)])
    subprocess.check_call(
        [
            str(python),
            "-m",
            "pip",
            "install",
            *quiet,
            "--no-deps",
            "--no-build-isolation",
            "-e",
            str(ROOT),
        ]
    )
    STAMP.write_text(_lock_digest(), encoding="ascii")


def ensure_environment(module: str) -> None:
    """Make sure `python -m <module>` runs in the project environment; re-run it there if not."""
    if not _is_source_checkout() or os.environ.get("QBSF_NO_BOOTSTRAP"):
        return
    current = STAMP.is_file() and STAMP.read_text(encoding="ascii").strip() == _lock_digest()
    if _in_project_venv() and current:
        return
    if not current:
        try:
            _install()
        except (subprocess.CalledProcessError, OSError) as exc:
            sys.exit(f"Setting up the environment failed: {exc}. Check the network and retry.")
    command = [str(_venv_python()), "-m", module, *sys.argv[1:]]
    # Windows has no true exec; run the child and pass its exit code on.
    if os.name == "nt":
        sys.exit(subprocess.call(command))
    os.execv(command[0], command)  # noqa: S606
