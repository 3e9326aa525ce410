"""Builds the Windows `.ico` beside each icon SVG: `python -m app.ui.icon_build`.

Qt renders every size from the SVG; Qt's own ICO writer keeps one image per file, so the frames
(PNG, as Windows Vista and later read them) are packed into the ICO container here.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from app.ui.resources import resource_path

SIZES = (16, 20, 24, 32, 40, 48, 64, 256)


def render_png(svg: Path, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(frames: list[tuple[int, bytes]]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(frames))
    offset = len(header) + 16 * len(frames)
    entries, payload = b"", b""
    for size, png in frames:
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        payload += png
        offset += len(png)
    return header + entries + payload


def build(folder: Path) -> list[Path]:
    written = []
    for svg in sorted(folder.glob("*.svg")):
        target = svg.with_suffix(".ico")
        target.write_bytes(ico_bytes([(size, render_png(svg, size)) for size in SIZES]))
        written.append(target)
    return written


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for path in build(resource_path("icons")):
        print(path)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
