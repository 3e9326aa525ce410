from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app import APP_NAME
from app.platform.appid import (
    APP_USER_MODEL_ID,
    REGISTRATION_KEY,
    register_display_name,
    set_app_user_model_id,
)
from app.platform.registry import MemoryRegistry


def test_the_id_is_what_windows_accepts() -> None:
    assert len(APP_USER_MODEL_ID) <= 128
    assert " " not in APP_USER_MODEL_ID
    assert APP_USER_MODEL_ID.count(".") >= 1


@pytest.mark.skipif(sys.platform == "win32", reason="the no-op is for other systems")
def test_elsewhere_it_is_a_no_op() -> None:
    assert set_app_user_model_id() is False


def test_the_display_name_and_icon_are_registered_once(tmp_path: Path) -> None:
    icon = tmp_path / "app.ico"
    writes: list[tuple[str, str]] = []

    class CountingRegistry(MemoryRegistry):
        def write(self, key: str, name: str, value: str) -> None:
            writes.append((name, value))
            super().write(key, name, value)

    registry = CountingRegistry()
    register_display_name(registry, icon=icon)
    assert registry.read(REGISTRATION_KEY, "DisplayName") == APP_NAME
    assert registry.read(REGISTRATION_KEY, "IconUri") == str(icon)
    register_display_name(registry, icon=icon)
    assert len(writes) == 2


@pytest.mark.skipif(sys.platform != "win32", reason="the AppUserModelID is Windows'")
def test_on_windows_the_process_takes_the_id(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes

    from app.platform import appid

    registry = MemoryRegistry()
    monkeypatch.setattr(appid, "current_user_registry", lambda: registry)
    assert set_app_user_model_id() is True
    current = ctypes.c_wchar_p()
    shell32 = ctypes.windll.shell32  # type: ignore[attr-defined]
    assert shell32.GetCurrentProcessExplicitAppUserModelID(ctypes.byref(current)) == 0
    assert current.value == APP_USER_MODEL_ID
    ctypes.windll.ole32.CoTaskMemFree(current)  # type: ignore[attr-defined]
    assert registry.read(REGISTRATION_KEY, "DisplayName") == APP_NAME
