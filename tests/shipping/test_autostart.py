from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app import APP_NAME
from app.platform import autostart
from app.platform.autostart import (
    RUN_KEY,
    Autostart,
    WindowsRunEntry,
    XdgAutostartEntry,
    desktop_exec,
    split_desktop_exec,
    split_windows_command,
    windows_command_line,
)
from app.platform.registry import MemoryRegistry

INSTALLED = r"C:\Users\Ann Lee\AppData\Local\Programs\QuickBooks Salesforce Sync\qbsf.exe"
MOVED = r"D:\Apps\QuickBooks Salesforce Sync\qbsf.exe"


def windows(registry: MemoryRegistry, exe: str, *, frozen: bool = True) -> Autostart:
    return Autostart(
        WindowsRunEntry(registry), (exe,), claims_entry=frozen, exists=lambda _path: False
    )


# --- Windows: the HKCU Run key, through the in-memory registry ---------------------------------


def test_windows_enable_writes_the_quoted_exe_path_under_the_run_key() -> None:
    registry = MemoryRegistry()
    app = windows(registry, INSTALLED)
    assert not app.is_enabled()
    app.enable()
    assert registry.read(RUN_KEY, APP_NAME) == f'"{INSTALLED}"'
    assert app.is_enabled()


def test_windows_disable_removes_the_value_and_is_quiet_when_already_off() -> None:
    registry = MemoryRegistry()
    app = windows(registry, INSTALLED)
    app.enable()
    app.disable()
    assert registry.read(RUN_KEY, APP_NAME) is None
    assert not app.is_enabled()
    app.disable()


def test_windows_moved_exe_is_repaired_at_start() -> None:
    registry = MemoryRegistry()
    windows(registry, INSTALLED).enable()
    moved = windows(registry, MOVED)
    assert moved.repair() is True
    assert registry.read(RUN_KEY, APP_NAME) == f'"{MOVED}"'
    assert moved.repair() is False


def test_windows_repair_leaves_start_at_login_off_when_it_is_off() -> None:
    registry = MemoryRegistry()
    assert windows(registry, MOVED).repair() is False
    assert registry.read(RUN_KEY, APP_NAME) is None


def test_windows_repair_ignores_a_difference_in_case_only() -> None:
    registry = MemoryRegistry()
    registry.write(RUN_KEY, APP_NAME, f'"{INSTALLED.upper()}"')
    assert windows(registry, INSTALLED).repair() is False
    assert registry.read(RUN_KEY, APP_NAME) == f'"{INSTALLED.upper()}"'


def test_windows_an_unquoted_path_with_spaces_is_rewritten_quoted() -> None:
    registry = MemoryRegistry()
    registry.write(RUN_KEY, APP_NAME, INSTALLED)
    assert windows(registry, INSTALLED).repair() is True
    assert registry.read(RUN_KEY, APP_NAME) == f'"{INSTALLED}"'


def test_windows_a_source_run_never_takes_over_a_working_installed_entry(tmp_path: Path) -> None:
    installed = tmp_path / "Programs" / "QuickBooks Salesforce Sync" / "qbsf.exe"
    installed.parent.mkdir(parents=True)
    installed.write_bytes(b"MZ")
    registry = MemoryRegistry()
    registry.write(RUN_KEY, APP_NAME, f'"{installed}"')
    source = Autostart(
        WindowsRunEntry(registry), (r"C:\Python311\pythonw.exe", "-m", "app"), claims_entry=False
    )
    assert source.repair() is False
    assert registry.read(RUN_KEY, APP_NAME) == f'"{installed}"'
    installed.unlink()
    assert source.repair() is True
    assert registry.read(RUN_KEY, APP_NAME) == r'"C:\Python311\pythonw.exe" -m app'


@pytest.mark.parametrize(
    ("command", "line"),
    [
        ((INSTALLED,), f'"{INSTALLED}"'),
        ((r"C:\Py 3\pythonw.exe", "-m", "app"), r'"C:\Py 3\pythonw.exe" -m app'),
        ((r"C:\qbsf\qbsf.exe",), r'"C:\qbsf\qbsf.exe"'),
    ],
)
def test_windows_command_lines_round_trip(command: tuple[str, ...], line: str) -> None:
    assert windows_command_line(command) == line
    assert split_windows_command(line) == command


# --- Linux: a real XDG autostart file in a temporary XDG_CONFIG_HOME ---------------------------


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "config home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def test_xdg_config_home_is_honoured_and_a_relative_one_ignored(
    config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert autostart.xdg_config_home() == config_home
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    assert autostart.xdg_config_home() == Path.home() / ".config"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is Linux's")
def test_xdg_enable_disable_through_the_public_functions(config_home: Path) -> None:
    entry = config_home / "autostart" / "qbsf.desktop"
    assert not autostart.is_start_at_login()
    autostart.set_start_at_login(True)
    assert entry.is_file()
    text = entry.read_text(encoding="utf-8")
    assert "[Desktop Entry]" in text and "Type=Application" in text and f"Name={APP_NAME}" in text
    assert autostart.is_start_at_login()
    assert XdgAutostartEntry(config_home).registered() == autostart.current_command()
    autostart.repair_start_at_login()
    assert entry.read_text(encoding="utf-8") == text
    autostart.set_start_at_login(False)
    assert not entry.exists()
    assert not autostart.is_start_at_login()
    autostart.set_start_at_login(False)


def test_xdg_moved_program_is_repaired(config_home: Path, tmp_path: Path) -> None:
    old = tmp_path / "old place" / "qbsf"
    new = tmp_path / "new place" / "qbsf"
    Autostart(XdgAutostartEntry(config_home), (str(old),), claims_entry=True).enable()
    moved = Autostart(XdgAutostartEntry(config_home), (str(new),), claims_entry=True)
    assert moved.repair() is True
    assert XdgAutostartEntry(config_home).registered() == (str(new),)
    assert moved.repair() is False


def test_xdg_an_entry_hidden_by_the_desktop_counts_as_off(config_home: Path) -> None:
    entry = XdgAutostartEntry(config_home)
    entry.write(("/opt/qbsf/qbsf",))
    entry.path.write_text(entry.path.read_text() + "Hidden=true\n", encoding="utf-8")
    assert entry.registered() is None
    assert Autostart(entry, ("/opt/qbsf/qbsf",), claims_entry=True).repair() is False


@pytest.mark.parametrize(
    "command",
    [
        ("/opt/qbsf/qbsf",),
        ("/home/ann lee/Apps/QuickBooks Salesforce Sync/qbsf",),
        ("/usr/bin/python3", "-m", "app"),
        ('/tmp/we"ird $HOME `x` 100% back\\slash/qbsf', "--data-dir", "it's here"),
    ],
)
def test_desktop_exec_quoting_round_trips(command: tuple[str, ...], tmp_path: Path) -> None:
    assert split_desktop_exec(desktop_exec(command)) == command
    entry = XdgAutostartEntry(tmp_path)
    entry.write(command)
    assert entry.registered() == command


def test_desktop_exec_follows_the_spec_for_spaces_percent_and_backslash() -> None:
    assert desktop_exec(("/a b/qbsf",)) == '"/a b/qbsf"'
    assert desktop_exec(("/opt/100%/qbsf",)) == "/opt/100%%/qbsf"
    # A literal backslash inside quotes is four backslashes in the file.
    assert desktop_exec(("/a\\b",)) == '"/a\\\\\\\\b"'
