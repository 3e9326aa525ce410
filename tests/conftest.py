"""Shared fixtures: offscreen Qt, a fresh data folder and an in-memory keyring for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.platform.memory_keyring import MemoryKeyring


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the real user's data folder or keyring."""
    data_dir = tmp_path / "qbsf-data"
    monkeypatch.setenv("QBSF_DATA_DIR", str(data_dir))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    for name in list(os.environ):
        if name.startswith("QBSF_") and name != "QBSF_DATA_DIR":
            monkeypatch.delenv(name)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def data_dir() -> Path:
    return Path(os.environ["QBSF_DATA_DIR"])
