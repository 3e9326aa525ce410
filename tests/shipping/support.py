"""installer/buildinfo.py is a build-time script, not part of the `app` package: load it by path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_buildinfo() -> ModuleType:
    if "buildinfo" in sys.modules:
        return sys.modules["buildinfo"]
    spec = importlib.util.spec_from_file_location("buildinfo", ROOT / "installer" / "buildinfo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["buildinfo"] = module
    spec.loader.exec_module(module)
    return module
