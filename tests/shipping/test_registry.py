from __future__ import annotations

import contextlib
import sys
import uuid
from collections.abc import Iterator

import pytest

from app.platform.registry import MemoryRegistry, Registry, WindowsRegistry


@pytest.fixture(params=["memory", "windows"])
def registry_and_key(request: pytest.FixtureRequest) -> Iterator[tuple[Registry, str]]:
    if request.param == "memory":
        yield MemoryRegistry(), r"Software\qbsf-tests"
        return
    if sys.platform != "win32":
        pytest.skip("the real registry is Windows'")
    import winreg

    key = rf"Software\qbsf-tests-{uuid.uuid4().hex}"
    try:
        yield WindowsRegistry(), key
    finally:
        with contextlib.suppress(FileNotFoundError):
            winreg.DeleteKey(winreg.HKEY_CURRENT_USER, key)


def test_write_read_delete(registry_and_key: tuple[Registry, str]) -> None:
    registry, key = registry_and_key
    assert registry.read(key, "Value") is None
    registry.write(key, "Value", r'"C:\Program Files\A B\qbsf.exe"')
    assert registry.read(key, "Value") == r'"C:\Program Files\A B\qbsf.exe"'
    registry.write(key, "Value", "second")
    assert registry.read(key, "Value") == "second"
    registry.delete(key, "Value")
    assert registry.read(key, "Value") is None
    registry.delete(key, "Value")
    registry.delete(key + r"\missing", "Value")


def test_names_are_not_case_sensitive(registry_and_key: tuple[Registry, str]) -> None:
    registry, key = registry_and_key
    registry.write(key, "QuickBooks Salesforce Sync", "x")
    assert registry.read(key.upper(), "quickbooks salesforce sync") == "x"
