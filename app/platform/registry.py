"""String values under HKEY_CURRENT_USER: the Windows registry, or a dictionary for tests.

Only what the app writes for itself lives here (start at login, the notification name), so the
interface is three calls on per-user string values, plus reading one binary value (the
start-up state Task Manager keeps).
"""

from __future__ import annotations

import sys
from typing import Protocol


class Registry(Protocol):
    def read(self, key: str, name: str) -> str | None:
        """The string value `name` under HKCU\\`key`, or None when it (or the key) is missing."""
        ...

    def write(self, key: str, name: str, value: str) -> None:
        """Set `name` to `value`, creating the key when needed."""
        ...

    def delete(self, key: str, name: str) -> None:
        """Remove `name`; a value or key that is already gone is not an error."""
        ...

    def read_binary(self, key: str, name: str) -> bytes | None:
        """The REG_BINARY value `name` under HKCU\\`key`, or None when missing or not binary."""
        ...


class MemoryRegistry:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}
        self.binaries: dict[tuple[str, str], bytes] = {}

    def read_binary(self, key: str, name: str) -> bytes | None:
        return self.binaries.get((key.casefold(), name.casefold()))

    def write_binary(self, key: str, name: str, value: bytes) -> None:
        self.binaries[(key.casefold(), name.casefold())] = value

    def read(self, key: str, name: str) -> str | None:
        return self.values.get((key.casefold(), name.casefold()))

    def write(self, key: str, name: str, value: str) -> None:
        self.values[(key.casefold(), name.casefold())] = value

    def delete(self, key: str, name: str) -> None:
        self.values.pop((key.casefold(), name.casefold()), None)


class WindowsRegistry:
    def read_binary(self, key: str, name: str) -> bytes | None:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as handle:
                value, kind = winreg.QueryValueEx(handle, name)
        except FileNotFoundError:
            return None
        return bytes(value) if kind == winreg.REG_BINARY else None

    def read(self, key: str, name: str) -> str | None:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as handle:
                value, kind = winreg.QueryValueEx(handle, name)
        except FileNotFoundError:
            return None
        if kind not in (winreg.REG_SZ, winreg.REG_EXPAND_SZ):
            return None
        return str(value)

    def write(self, key: str, name: str, value: str) -> None:
        import winreg

        with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as handle:
            winreg.SetValueEx(handle, name, 0, winreg.REG_SZ, value)

    def delete(self, key: str, name: str) -> None:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as handle:
                winreg.DeleteValue(handle, name)
        except FileNotFoundError:
            return


def current_user_registry() -> Registry | None:
    """The real per-user registry on Windows; None elsewhere."""
    return WindowsRegistry() if sys.platform == "win32" else None
