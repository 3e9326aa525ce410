"""Files shipped beside the code (icons, the Salesforce package), found in a checkout or a build.

A PyInstaller build unpacks data files under `sys._MEIPASS`; the spec copies `resources/` there.
"""

from __future__ import annotations

import sys
from pathlib import Path

_CHECKOUT_ROOT = Path(__file__).resolve().parents[2]


def resource_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle else _CHECKOUT_ROOT


def resource_path(*parts: str) -> Path:
    """`resource_path("icons", "app.svg")` is `resources/icons/app.svg` wherever the app runs."""
    return resource_root().joinpath("resources", *parts)
