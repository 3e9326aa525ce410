"""`python -m tests`: set up the project environment on first use, then run the whole suite."""

import os
import sys

from app._bootstrap import ensure_environment

if __name__ == "__main__":
    ensure_environment("tests")
    import pytest

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    code = pytest.main(sys.argv[1:])
    # pytest's "no tests ran" (5) must fail a CI run, not pass it quietly.
    raise SystemExit(1 if code == pytest.ExitCode.NO_TESTS_COLLECTED else int(code))
