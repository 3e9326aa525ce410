"""installer/qbsf.nsi: names in step with the app, per-user install, and it compiles."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import APP_ID, APP_NAME
from app.platform import appid, autostart
from app.platform.credentials import CredentialStore, Secret, _part_name
from tests.shipping.support import load_buildinfo

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installer" / "qbsf.nsi"


@pytest.fixture(scope="module")
def defines() -> dict[str, str]:
    text = SCRIPT.read_text(encoding="utf-8")
    found = dict(re.findall(r'^!define (\w+) "(.*)"$', text, flags=re.MULTILINE))

    def expand(value: str) -> str:
        return re.sub(r"\$\{(\w+)\}", lambda m: found.get(m.group(1), m.group(0)), value)

    return {name: expand(expand(value)) for name, value in found.items()}


def test_the_installer_uses_the_apps_names_and_keys(defines: dict[str, str]) -> None:
    assert defines["PRODUCT"] == APP_NAME
    assert defines["EXE"] == f"{APP_ID}.exe"
    assert defines["RUN_KEY"] == autostart.RUN_KEY
    assert defines["RUN_VALUE"] == autostart.RUN_VALUE
    assert defines["APP_USER_MODEL_ID"] == appid.APP_USER_MODEL_ID
    assert defines["AUMID_KEY"] == appid.REGISTRATION_KEY
    assert defines["USER_DATA"] == rf"$LOCALAPPDATA\{APP_ID}"
    assert defines["KEYRING_SERVICE"] == CredentialStore().service


def test_removing_user_data_removes_every_secret_the_app_saves() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    removed = set(re.findall(r'!insertmacro DELETE_SECRET "([^"]+)"', text))
    assert removed == {str(secret) for secret in Secret}
    assert _part_name("x", 1) == "x#part1"  # the pattern DELETE_SECRET follows
    assert '"${NAME}#part$R5@${KEYRING_SERVICE}"' in text


def test_per_user_install_with_quoted_autostart_and_kept_data() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    assert "RequestExecutionLevel user" in text
    assert 'InstallDir "$LOCALAPPDATA\\Programs\\${PRODUCT}"' in text
    assert """WriteRegStr HKCU "${RUN_KEY}" "${RUN_VALUE}" '"$INSTDIR\\${EXE}"'""" in text
    assert "MUI_FINISHPAGE_RUN" in text
    # Removing the data is a choice left off by default.
    assert re.search(r'^Section /o "un\.Remove my', text, flags=re.MULTILINE)
    assert 'DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"' in text
    assert "HKLM" not in text


needs_makensis = pytest.mark.skipif(
    shutil.which("makensis") is None, reason="makensis (Debian: nsis) is missing"
)


def compile_installer(tmp_path: Path, *defines: str) -> tuple[subprocess.CompletedProcess, Path]:
    bundle = tmp_path / "qbsf"
    icons = bundle / "_internal" / "resources" / "icons"
    icons.mkdir(parents=True)
    (bundle / "qbsf.exe").write_bytes(b"MZ not really")
    load_buildinfo().draw_icon(ROOT / "resources" / "icons" / "app.svg", icons / "app.ico")
    setup = tmp_path / "qbsf-1.2.3-setup.exe"
    result = subprocess.run(
        [
            "makensis",
            "-V2",
            "-DCOMPRESSOR=zlib",
            "-DVERSION=1.2.3",
            "-DVERSION_QUAD=1.2.3.0",
            f"-DBUNDLE_DIR={bundle}",
            f"-DOUTFILE={setup}",
            *defines,
            str(SCRIPT),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result, setup


@needs_makensis
def test_the_script_compiles_against_a_built_folder(tmp_path: Path) -> None:
    result, setup = compile_installer(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in result.stdout.lower(), result.stdout
    assert setup.read_bytes()[:2] == b"MZ"


@needs_makensis
@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in signer is a shell script")
def test_a_sign_command_signs_the_installer_and_the_uninstaller(tmp_path: Path) -> None:
    log = tmp_path / "signed.log"
    signer = tmp_path / "sign"
    signer.write_text(f'#!/bin/sh\necho "$1" >> "{log}"\n', encoding="utf-8")
    signer.chmod(0o755)
    result, setup = compile_installer(tmp_path, f"-DSIGN_COMMAND={signer}")
    assert result.returncode == 0, result.stdout + result.stderr
    signed = log.read_text(encoding="utf-8").split()
    assert len(signed) == 2  # the uninstaller (a temporary file), then the installer
    assert signed[-1] == str(setup)


@needs_makensis
def test_the_script_refuses_to_compile_without_a_version(tmp_path: Path) -> None:
    result = subprocess.run(
        ["makensis", f"-DBUNDLE_DIR={tmp_path}", str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "/DVERSION" in result.stdout + result.stderr


def test_system_tools_are_called_by_full_path_and_quit_comes_before_force() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    calls = re.findall(r"nsExec::\w+ (?:/TIMEOUT=\S+ )?'([^']*)'", text)
    assert calls
    for call in calls:
        program = call.split('"')[1]
        assert program.startswith(("$SYSDIR\\", "$INSTDIR\\")), call
    polite = text.index('"$INSTDIR\\${CLI_EXE}" --quit')
    forced = text.index('"$SYSDIR\\taskkill.exe" /F')
    assert polite < forced
    assert "taskkill /IM" not in text  # WM_CLOSE alone: a tray app ignores it


def test_shortcuts_carry_the_app_user_model_id() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    assert '!insertmacro SET_SHORTCUT_APP_ID "$SMPROGRAMS\\${PRODUCT}.lnk"' in text
    assert '!insertmacro SET_SHORTCUT_APP_ID "$DESKTOP\\${PRODUCT}.lnk"' in text
    assert "${PKEY_AppUserModel_ID}" in text and "${VT_LPWSTR}" in text


def test_a_silent_uninstall_removes_data_only_when_asked() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    on_init = text[text.index("Function un.onInit") :]
    assert '${GetOptions} $R0 "/REMOVEDATA" $R1' in on_init
    assert "!insertmacro SelectSection ${UNSEC_DATA}" in on_init
    assert 'Delete "$INSTDIR\\${CLI_EXE}"' in text
