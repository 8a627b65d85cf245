"""Render the application icon's PNGs (16–512 px) and the Windows ICO from the one SVG source.

    PYTHONPATH=. .venv/bin/python packaging/make_icons.py

Source: ``resources/icons/chapterwise.svg``. Writes ``resources/icons/hicolor/<n>x<n>/apps/<app id>.png``
(installed by ``chapterwise-gui --install-desktop``) and ``packaging/chapterwise.ico`` (the PyInstaller
executable's icon on Windows). The outputs are committed; run this again after editing the SVG.
The ICO holds PNG-compressed images, which every Windows since Vista reads.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from desktop_app import resources

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest an ICO entry can describe
ICO_PATH = Path(__file__).resolve().parent / "chapterwise.ico"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file (ICONDIR, one ICONDIRENTRY a size, then the PNG data) from PNGs by size."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, blobs = [], []
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO entry
        entries.append(struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset))
        blobs.append(png)
        offset += len(png)
    return header + b"".join(entries) + b"".join(blobs)


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(resources.path("icons", "chapterwise.svg")))
    if not renderer.isValid():
        print("The SVG icon cannot be read", file=sys.stderr)
        return 1
    pngs: dict[int, bytes] = {}
    for size in resources.ICON_SIZES:
        data = png_bytes(render(renderer, size))
        target = resources.path("icons", "hicolor", f"{size}x{size}", "apps", f"{resources.APP_ID}.png")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if size in ICO_SIZES:
            pngs[size] = data
        print(f"{target} ({len(data)} bytes)")
    ICO_PATH.write_bytes(ico_bytes(pngs))
    print(f"{ICO_PATH} ({len(pngs)} sizes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
