"""The Windows AppUserModelID, so notifications and the taskbar carry the app's name, not Python's.

The process takes the ID explicitly, and the ID is registered for the current user with a display
name and icon (HKCU\\Software\\Classes\\AppUserModelId\\<ID>), which is where Windows looks up the
name a notification from an app without a packaged identity shows. The installer writes the same
registration; writing it here too covers a portable copy and a source checkout.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from app import APP_NAME
from app.platform.registry import Registry, current_user_registry

log = logging.getLogger(__name__)

#: CompanyName.ProductName, as Microsoft recommends; at most 128 characters and no spaces.
APP_USER_MODEL_ID = "Qbsf.QuickBooksSalesforceSync"
REGISTRATION_KEY = rf"Software\Classes\AppUserModelId\{APP_USER_MODEL_ID}"


def set_app_user_model_id(app_id: str = APP_USER_MODEL_ID) -> bool:
    """Give this process the ID and register its name; True when Windows accepted the ID."""
    if sys.platform != "win32":
        return False
    import ctypes

    try:
        result = ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(
            ctypes.c_wchar_p(app_id)
        )
    except (AttributeError, OSError) as exc:
        log.warning("Cannot set the AppUserModelID: %s", exc)
        return False
    if result != 0:
        log.warning("SetCurrentProcessExplicitAppUserModelID returned 0x%08X", result & 0xFFFFFFFF)
        return False
    registry = current_user_registry()
    if registry is not None:
        try:
            register_display_name(registry, icon=_exe_icon())
        except OSError as exc:
            log.warning("Cannot register the notification name: %s", exc)
    return True


def register_display_name(
    registry: Registry, *, icon: Path | None, key: str = REGISTRATION_KEY
) -> None:
    """Write the name (and icon) notifications show, only when they differ from what is there."""
    wanted = {"DisplayName": APP_NAME}
    if icon is not None:
        wanted["IconUri"] = str(icon)
    for name, value in wanted.items():
        if registry.read(key, name) != value:
            registry.write(key, name, value)


def _exe_icon() -> Path | None:
    if not getattr(sys, "frozen", False):
        return None
    bundle = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    icon = bundle / "resources" / "icons" / "app.ico"
    return icon if icon.is_file() else None
