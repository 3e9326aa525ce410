"""What `build.spec` needs besides PyInstaller: the Windows version resource, the Qt plugin list,
and an .ico drawn from the SVG logo while the project has no .ico of its own.

To draw the icon: `python installer/buildinfo.py icon resources/icons/app.svg out.ico`.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

PUBLISHER = "QBSF"

#: The Qt plugins the app loads; every other plugin (and Qt's translations) stays out of the build.
#: PNG is built into QtGui. Networking is Python's (requests, httpx), so no Qt TLS backend.
QT_PLUGINS: dict[str, frozenset[str]] = {
    # offscreen for --self-test and tests, xcb for a Linux desktop, windows and cocoa for those.
    "platforms": frozenset({"offscreen", "minimal", "xcb", "windows", "cocoa"}),
    "imageformats": frozenset({"svg", "ico"}),
    "iconengines": frozenset({"svgicon"}),
    # Windows 11's look (modernwindowsstyle) and Windows 10's (windowsvistastyle).
    "styles": frozenset({"modernwindowsstyle", "windowsvistastyle"}),
}

ICON_SIZES = (16, 20, 24, 32, 40, 48, 64, 256)


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """ "1.2.3rc1" -> (1, 2, 3, 0): Windows wants four numbers; a pre-release suffix is dropped."""
    match = re.match(r"\d+(?:\.\d+)*", version)
    numbers = [int(n) for n in match.group(0).split(".")[:4]] if match else []
    padded = (*numbers, 0, 0, 0, 0)
    return (padded[0], padded[1], padded[2], padded[3])


def version_resource(version: str, *, product: str, description: str, exe_name: str) -> str:
    """The text PyInstaller's EXE(version=...) reads: a VSVersionInfo expression."""
    numbers = version_tuple(version)
    strings = {
        "CompanyName": PUBLISHER,
        "FileDescription": description,
        "FileVersion": version,
        "InternalName": Path(exe_name).stem,
        "LegalCopyright": f"(c) {PUBLISHER}",
        "OriginalFilename": exe_name,
        "ProductName": product,
        "ProductVersion": version,
    }
    table = ",\n".join(
        f"          StringStruct({key!r}, {value!r})" for key, value in strings.items()
    )
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers},
    prodvers={numbers},
    mask=0x3F,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0),
  ),
  kids=[
    StringFileInfo(
      [
        StringTable(
          '040904B0',
          [
{table},
          ],
        )
      ]
    ),
    VarFileInfo([VarStruct('Translation', [1033, 1200])]),
  ],
)
"""


def qt_plugin(dest: str) -> tuple[str, str] | None:
    """(type, name) for a bundled Qt plugin path such as PySide6/Qt/plugins/platforms/libqxcb.so."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if len(parts) < 4 or parts[0] != "PySide6":
        return None
    # Linux and macOS wheels keep Qt under PySide6/Qt/; Windows wheels directly under PySide6/.
    tail = parts[2:] if parts[1] == "Qt" else parts[1:]
    if len(tail) != 3 or tail[0] != "plugins":
        return None
    stem = tail[2].split(".")[0].removeprefix("lib").removeprefix("q")
    return tail[1], stem


def is_qt_translation(dest: str) -> bool:
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    return len(parts) >= 2 and parts[0] == "PySide6" and "translations" in parts[1:3]


def keep_in_bundle(dest: str) -> bool:
    """False for the Qt plugins the app does not load and for Qt's translations."""
    if is_qt_translation(dest):
        return False
    plugin = qt_plugin(dest)
    if plugin is None:
        return True
    kind, name = plugin
    return name in QT_PLUGINS.get(kind, frozenset())


def trim(entries: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [entry for entry in entries if keep_in_bundle(entry[0])]


def restrict_qt_plugins() -> None:
    """Make PyInstaller's Qt hooks collect only the plugins in QT_PLUGINS.

    Filtering the finished Analysis is not enough: by then the shared libraries an unwanted plugin
    links to (GTK for the gtk3 theme, Wayland, EGL) are already collected. So the hooks' plugin
    lookup is narrowed before they run.
    """
    from PyInstaller.utils.hooks.qt import QtLibraryInfo

    collect = QtLibraryInfo.collect_plugins
    if getattr(collect, "_qbsf_restricted", False):
        return

    def collect_wanted(self: QtLibraryInfo, plugin_type: str) -> list[tuple[str, str]]:
        found = collect(self, plugin_type)
        return [(src, dst) for src, dst in found if keep_in_bundle(f"{dst}/{Path(src).name}")]

    collect_wanted._qbsf_restricted = True  # type: ignore[attr-defined]
    QtLibraryInfo.collect_plugins = collect_wanted  # type: ignore[method-assign]


def ico_from_pngs(images: list[tuple[int, bytes]]) -> bytes:
    """An .ico holding one PNG per size (the format Windows has read since Vista)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    directory, payload = b"", b""
    for size, png in images:
        side = 0 if size >= 256 else size
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        payload += png
        offset += len(png)
    return header + directory + payload


def draw_icon(svg: Path, ico: Path) -> None:
    """Draw `svg` into a multi-size `ico`, in a child process.

    Drawing needs a QGuiApplication, and a process can have only one; the spec (and a test run,
    whose widgets need a QApplication) must not be left holding one.
    """
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, __file__, "icon", str(svg), str(ico)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [f"exit code {result.returncode}"]
        raise ValueError(f"drawing {svg} failed: {lines[-1]}")


def _render_icon(svg: Path, ico: Path, sizes: Iterable[int] = ICON_SIZES) -> None:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["draw_icon"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    images = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        images.append((size, bytes(data.data())))
    ico.parent.mkdir(parents=True, exist_ok=True)
    ico.write_bytes(ico_from_pngs(images))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "icon":
        sys.exit("usage: buildinfo.py icon SVG ICO")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _render_icon(Path(sys.argv[2]), Path(sys.argv[3]))
