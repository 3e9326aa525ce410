"""The reliability suite's figures: kills survived, faults injected, inputs tried, what went wrong.

Each test adds to one tally; the end of the session prints it (and writes it as JSON to the file
named by QBSF_RELIABILITY_FIGURES, for docs/reliability.md).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

FIGURES: Counter[str] = Counter()
ORDER = (
    "kills survived",
    "  of them after a QuickBooks write, before its answer",
    "faults injected",
    "inputs tried",
    "duplicates found",
    "records lost",
)


@pytest.fixture(scope="session")
def figures() -> Counter[str]:
    return FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    names = [n for n in ORDER if n in FIGURES] + sorted(set(FIGURES) - set(ORDER))
    terminalreporter.section("reliability figures")
    for name in names:
        terminalreporter.write_line(f"{name:<32} {FIGURES[name]}")
    target = os.environ.get("QBSF_RELIABILITY_FIGURES")
    if target:
        Path(target).write_text(json.dumps({n: FIGURES[n] for n in names}, indent=2) + "\n")
