"""Start at login: the HKCU Run key on Windows, an XDG autostart entry on Linux.

The entry holds the command that starts this copy of the app: the quoted exe of a frozen build, or
the Python interpreter with `-m app` for a source checkout. `repair_start_at_login()` runs at every
start: when the entry is on but points somewhere else (the install folder was moved, or an upgrade
went to a new folder), it is rewritten for the running copy. A source checkout only repairs an entry
whose program is gone, so trying a checkout never takes over the installed app's entry.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from app import APP_ID, APP_NAME
from app.platform.registry import Registry, WindowsRegistry, current_user_registry

log = logging.getLogger(__name__)

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
#: Where Task Manager's Startup apps (and Settings > Apps > Startup) keep each Run value's on/off
#: state: a 12-byte REG_BINARY, first byte even (02, 06) when on, odd (03) when the user turned it
#: off, followed by the FILETIME of that change. Windows does not document it; an entry that is
#: missing means "on".
STARTUP_APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
#: The Run value's name; the installer writes and removes the same one.
RUN_VALUE = APP_NAME
DESKTOP_FILE = f"{APP_ID}.desktop"

Command = tuple[str, ...]


class AutostartError(Exception):
    """Start at login could not be changed; the message is meant for the user."""


class StartupEntry(Protocol):
    def registered(self) -> Command | None:
        """The command that starts at login, or None when start at login is off."""
        ...

    def write(self, command: Command) -> None: ...

    def remove(self) -> None: ...

    def same(self, a: Command, b: Command) -> bool: ...


class WindowsRunEntry:
    def __init__(self, registry: Registry, value_name: str = RUN_VALUE) -> None:
        self.registry = registry
        self.value_name = value_name

    def registered(self) -> Command | None:
        value = self.registry.read(RUN_KEY, self.value_name)
        if not value or not value.strip():
            return None
        return split_windows_command(value)

    def write(self, command: Command) -> None:
        self.registry.write(RUN_KEY, self.value_name, windows_command_line(command))

    def remove(self) -> None:
        self.registry.delete(RUN_KEY, self.value_name)

    def approved(self) -> bool:
        """False when the user turned the entry off in Task Manager's Startup apps."""
        return approved_by_windows(self.registry.read_binary(STARTUP_APPROVED_KEY, self.value_name))

    def same(self, a: Command, b: Command) -> bool:
        # Windows paths compare without regard to case; arguments are compared as written.
        return len(a) == len(b) and a[0].casefold() == b[0].casefold() and a[1:] == b[1:]


class XdgAutostartEntry:
    def __init__(self, config_home: Path) -> None:
        self.path = config_home / "autostart" / DESKTOP_FILE

    def registered(self) -> Command | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("Cannot read the autostart entry %s: %s", self.path, exc)
            return None
        entry = parse_desktop_entry(text)
        if entry.get("Hidden", "").lower() == "true":
            return None
        if entry.get("X-GNOME-Autostart-enabled", "true").lower() == "false":
            return None
        exec_line = entry.get("Exec", "")
        try:
            command = split_desktop_exec(exec_line)
        except ValueError:
            return None
        return command or None

    def write(self, command: Command) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staging = self.path.with_suffix(".desktop.tmp")
        staging.write_text(desktop_entry(command), encoding="utf-8")
        staging.replace(self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def same(self, a: Command, b: Command) -> bool:
        return a == b


class Autostart:
    def __init__(
        self,
        entry: StartupEntry,
        command: Command,
        *,
        claims_entry: bool,
        exists: Callable[[str], bool] = os.path.exists,
    ) -> None:
        self.entry = entry
        self.command = command
        self.claims_entry = claims_entry
        self._exists = exists

    def is_enabled(self) -> bool:
        return self.entry.registered() is not None

    def enable(self) -> None:
        self.entry.write(self.command)

    def disable(self) -> None:
        self.entry.remove()

    def repair(self) -> bool:
        """Point an enabled entry at this copy; True when it was rewritten."""
        registered = self.entry.registered()
        if registered is None or self.entry.same(registered, self.command):
            return False
        if not self.claims_entry and self._exists(registered[0]):
            return False
        self.entry.write(self.command)
        return True


def approved_by_windows(flags: bytes | None) -> bool:
    return not flags or not flags[0] & 1


def windows_command_line(command: Sequence[str]) -> str:
    """The exe always in quotes, so a path with spaces cannot start a different program."""
    executable, *arguments = command
    line = f'"{executable}"'
    if arguments:
        line += " " + subprocess.list2cmdline(arguments)
    return line


def split_windows_command(value: str) -> Command:
    value = value.strip()
    if value.startswith('"'):
        end = value.find('"', 1)
        if end < 0:
            return (value[1:],)
        executable, rest = value[1:end], value[end + 1 :]
    else:
        executable, _, rest = value.partition(" ")
    return (executable, *rest.split())


_DESKTOP_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def desktop_exec(command: Sequence[str]) -> str:
    """An Exec= value per the Desktop Entry spec: quoting, then `%%`, then the string escapes."""
    quoted = []
    for argument in command:
        if not argument or _DESKTOP_RESERVED & set(argument):
            escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in argument)
            argument = f'"{escaped}"'
        quoted.append(argument.replace("%", "%%"))
    line = " ".join(quoted)
    return line.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def split_desktop_exec(value: str) -> Command:
    """The arguments of an Exec= value (ValueError when a quote is left open)."""
    line = _unescape_desktop_string(value)
    arguments: list[str] = []
    current: list[str] = []
    started = quoted = False
    chars = iter(line)
    for ch in chars:
        if quoted:
            if ch == "\\":
                following = next(chars, "")
                current.append(following if following in '"`$\\' else ch + following)
            elif ch == '"':
                quoted = False
            else:
                current.append(ch)
        elif ch in " \t":
            if started:
                arguments.append("".join(current))
                current, started = [], False
        elif ch == '"':
            quoted = started = True
        else:
            current.append(ch)
            started = True
    if quoted:
        raise ValueError("unterminated quote in Exec")
    if started:
        arguments.append("".join(current))
    return tuple(argument.replace("%%", "%") for argument in arguments)


def _unescape_desktop_string(value: str) -> str:
    replacements = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    out = []
    chars = iter(value)
    for ch in chars:
        if ch == "\\":
            following = next(chars, "")
            out.append(replacements.get(following, "\\" + following))
        else:
            out.append(ch)
    return "".join(out)


def desktop_entry(command: Sequence[str]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        "Comment=Keeps QuickBooks Desktop and Salesforce in step\n"
        f"Exec={desktop_exec(command)}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def parse_desktop_entry(text: str) -> dict[str, str]:
    """The keys of the [Desktop Entry] group (other groups and comments ignored)."""
    values: dict[str, str] = {}
    in_group = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            in_group = line == "[Desktop Entry]"
            continue
        if in_group and "=" in line:
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), value.strip())
    return values


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def current_command() -> Command:
    """What starts this copy of the app without a console window."""
    if is_frozen():
        return (sys.executable,)
    python = Path(sys.executable)
    if sys.platform == "win32":
        windowless = python.with_name("pythonw.exe")
        if windowless.is_file():
            python = windowless
    return (str(python), "-m", "app")


def xdg_config_home() -> Path:
    configured = os.environ.get("XDG_CONFIG_HOME", "")
    # The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    if configured and Path(configured).is_absolute():
        return Path(configured)
    return Path.home() / ".config"


def start_at_login_supported() -> bool:
    return sys.platform == "win32" or sys.platform.startswith("linux")


def default_autostart() -> Autostart:
    entry: StartupEntry
    if sys.platform == "win32":
        entry = WindowsRunEntry(WindowsRegistry())
    elif sys.platform.startswith("linux"):
        entry = XdgAutostartEntry(xdg_config_home())
    else:
        raise AutostartError("Starting at login is not available on this system.")
    return Autostart(entry, current_command(), claims_entry=is_frozen())


def set_start_at_login(enabled: bool) -> None:
    """Turn start at login on or off for this copy of the app (AutostartError when it cannot)."""
    autostart = default_autostart()
    try:
        if enabled:
            autostart.enable()
        else:
            autostart.disable()
    except OSError as exc:
        raise AutostartError(
            f"The start-at-login setting could not be {'saved' if enabled else 'removed'}: "
            f"{exc.strerror or exc}."
        ) from exc


def is_start_at_login() -> bool:
    if not start_at_login_supported():
        return False
    try:
        return default_autostart().is_enabled()
    except OSError as exc:
        log.warning("Cannot read the start-at-login setting: %s", exc)
        return False


def start_at_login_turned_off_by_windows(registry: Registry | None = None) -> bool:
    """True when start at login is on here but the user turned it off in Task Manager."""
    registry = registry or current_user_registry()
    if registry is None:
        return False
    entry = WindowsRunEntry(registry)
    try:
        return entry.registered() is not None and not entry.approved()
    except OSError as exc:
        log.warning("Cannot read the start-up state Windows keeps: %s", exc)
        return False


TURNED_OFF_BY_WINDOWS = (
    "Windows has turned off starting this app at sign-in (Task Manager > Startup apps, or "
    "Settings > Apps > Startup). Turn it on there to have it start when you sign in."
)


def repair_start_at_login() -> None:
    """Called at every start; never fails the start (a problem is logged)."""
    if not start_at_login_supported():
        return
    try:
        autostart = default_autostart()
        if autostart.repair():
            log.info("Start at login now points at %s", autostart.command[0])
    except OSError as exc:
        log.warning("Cannot check the start-at-login entry: %s", exc)
