"""build.spec, run with PyInstaller's building blocks replaced by recorders: what it would build."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from app import APP_ID, __version__
from app.selftest import KEYRING_BACKENDS

ROOT = Path(__file__).resolve().parents[2]


class Recorded:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        self.binaries: list[tuple[str, str, str]] = []
        self.datas: list[tuple[str, str, str]] = []
        self.pure: list[Any] = []
        self.scripts: list[Any] = []


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workpath = tmp_path_factory.mktemp("pyi-work")
    namespace: dict[str, Any] = {
        "Analysis": Recorded,
        "PYZ": Recorded,
        "EXE": Recorded,
        "COLLECT": Recorded,
        "SPECPATH": str(ROOT),
        "SPEC": str(ROOT / "build.spec"),
        "DISTPATH": str(workpath / "dist"),
        "workpath": str(workpath),
        "specnm": "build",
        "os": os,
    }
    saved_path = list(sys.path)
    try:
        code = compile((ROOT / "build.spec").read_text(encoding="utf-8"), "build.spec", "exec")
        exec(code, namespace)  # noqa: S102 - the project's own spec, as PyInstaller runs it
    finally:
        sys.path[:] = saved_path
    return namespace


def test_hidden_imports_carry_every_keyring_backend(spec: dict[str, Any]) -> None:
    hidden = set(spec["a"].kwargs["hiddenimports"])
    for backend in (
        "keyring.backends.Windows",
        "keyring.backends.SecretService",
        "keyring.backends.macOS",
        "app.platform.memory_keyring",
    ):
        assert backend in hidden
    assert set(KEYRING_BACKENDS) <= hidden


def test_modules_imported_by_name_are_hidden_imports(spec: dict[str, Any]) -> None:
    hidden = set(spec["a"].kwargs["hiddenimports"])
    from app.cli import COMMAND_MODULES

    assert {f"app.commands.{name}" for name in COMMAND_MODULES} <= hidden
    assert "app.selftest" in hidden
    assert "app.sandbox.conductor.derive_schema" not in hidden


def test_every_collected_data_file_exists(spec: dict[str, Any]) -> None:
    datas = spec["a"].kwargs["datas"]
    assert datas
    for source, _dest in datas:
        assert Path(source).exists(), source


def _bundled(spec: dict[str, Any]) -> set[str]:
    """Destination paths (posix) of everything the spec collects, folders expanded."""
    out = set()
    for source, dest in spec["a"].kwargs["datas"]:
        path = Path(source)
        if path.is_dir():
            out |= {
                (Path(dest) / f.relative_to(path)).as_posix()
                for f in path.rglob("*")
                if f.is_file()
            }
        else:
            out.add((Path(dest) / path.name).as_posix())
    return out


def test_the_data_files_the_code_reads_are_bundled(spec: dict[str, Any]) -> None:
    bundled = _bundled(spec)
    for needed in (
        "app/domain/default_mapping.toml",
        "app/sandbox/conductor/schema.json",
        "app/sandbox/salesforce/soql.lark",
        "app/sandbox/salesforce/authorize.html",
        "resources/icons/app.svg",
        "resources/icons/app.ico",
    ):
        assert needed in bundled


def test_every_package_data_file_in_the_checkout_is_bundled(spec: dict[str, Any]) -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["*"]
    in_checkout = {
        path.relative_to(ROOT).as_posix()
        for pattern in patterns
        for path in (ROOT / "app").rglob(pattern)
        if "__pycache__" not in path.parts
    }
    assert in_checkout
    assert in_checkout <= _bundled(spec)


def test_a_windowed_one_folder_exe_with_icon_and_version(spec: dict[str, Any]) -> None:
    exe = spec["exe"].kwargs
    assert exe["name"] == APP_ID
    assert exe["console"] is False
    assert exe["exclude_binaries"] is True  # one folder: COLLECT gathers the binaries
    assert Path(exe["icon"]).is_file()
    version_text = Path(exe["version"]).read_text(encoding="utf-8")
    numbers = tuple(int(n) for n in __version__.split(".")[:3])
    assert f"filevers={(*numbers, 0)[:4]}" in version_text
    assert repr(__version__) in version_text
    ast.parse(version_text, mode="eval")


def test_unused_qt_modules_are_excluded(spec: dict[str, Any]) -> None:
    excludes = set(spec["a"].kwargs["excludes"])
    for module in ("QtWebEngineCore", "QtQml", "QtQuick", "Qt3DCore", "QtMultimedia"):
        assert f"PySide6.{module}" in excludes
    for needed in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtNetwork"):
        assert needed not in excludes


def test_the_spec_is_what_the_ci_script_builds() -> None:
    script = (ROOT / ".ci" / "build-bundle").read_text(encoding="utf-8")
    assert "build.spec" in script and "--self-test" in script and "makensis" in script


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")
def test_the_ci_script_is_an_executable_shell_script() -> None:
    assert os.access(ROOT / ".ci" / "build-bundle", os.X_OK)
    result = subprocess.run(["bash", "-n", str(ROOT / ".ci" / "build-bundle")], check=False)
    assert result.returncode == 0


def test_a_console_companion_shares_the_folder(spec: dict[str, Any]) -> None:
    cli = spec["cli_exe"].kwargs
    assert cli["name"] == f"{APP_ID}-cli"
    assert cli["console"] is True
    assert cli["exclude_binaries"] is True
    assert cli["contents_directory"] == spec["exe"].kwargs["contents_directory"]
    assert spec["cli_exe"].args[:2] == spec["exe"].args[:2]  # the same code and entry point
    assert "command line" in Path(cli["version"]).read_text(encoding="utf-8")
    collected = spec["coll"].args
    assert spec["exe"] in collected and spec["cli_exe"] in collected
    assert spec["exe"].kwargs["disable_windowed_traceback"] is True
