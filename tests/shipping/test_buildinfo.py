from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.shipping.support import load_buildinfo

buildinfo = load_buildinfo()


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqico.so", True),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        # Windows wheels: no Qt/ level.
        ("PySide6\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6\\plugins\\platforms\\qoffscreen.dll", True),
        ("PySide6\\plugins\\styles\\qmodernwindowsstyle.dll", True),
        ("PySide6\\plugins\\imageformats\\qsvg.dll", True),
        ("PySide6\\plugins\\imageformats\\qgif.dll", False),
        ("PySide6\\plugins\\tls\\qschannelbackend.dll", False),
        ("PySide6\\translations\\qtbase_fr.qm", False),
        ("PySide6\\Qt6Core.dll", True),
        ("PySide6/Qt/lib/libQt6Gui.so.6", True),
        ("app/domain/default_mapping.toml", True),
    ],
)
def test_only_the_qt_plugins_the_app_loads_are_kept(dest: str, kept: bool) -> None:
    assert buildinfo.keep_in_bundle(dest) is kept


@pytest.mark.parametrize(
    ("version", "numbers"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2.3.4", (1, 2, 3, 4)),
        ("2.0rc1", (2, 0, 0, 0)),
        ("3", (3, 0, 0, 0)),
    ],
)
def test_windows_version_numbers(version: str, numbers: tuple[int, ...]) -> None:
    assert buildinfo.version_tuple(version) == numbers


def test_the_version_resource_names_the_product() -> None:
    text = buildinfo.version_resource("1.2.3", product="P", description="D", exe_name="qbsf.exe")
    assert "filevers=(1, 2, 3, 0)" in text
    for field in ("'ProductName', 'P'", "'FileDescription', 'D'", "'OriginalFilename', 'qbsf.exe'"):
        assert field in text


def test_an_ico_holds_every_size(tmp_path: Path) -> None:
    ico = tmp_path / "app.ico"
    buildinfo.draw_icon(Path(__file__).resolve().parents[2] / "resources/icons/app.svg", ico)
    data = ico.read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(buildinfo.ICON_SIZES))
    sides = [data[6 + 16 * i] or 256 for i in range(count)]
    assert sides == list(buildinfo.ICON_SIZES)
    first_offset = struct.unpack_from("<I", data, 6 + 12)[0]
    assert data[first_offset : first_offset + 8] == b"\x89PNG\r\n\x1a\n"
