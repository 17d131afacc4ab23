"""Render the app icon (resources/icons/wavescribe.svg) to the raster files installers want.

Windows wants a multi-size .ico for the executable and the installer, Linux desktops a PNG beside
the .desktop file. Qt's SVG renderer draws each size (offscreen, no display needed); the .ico
holds one PNG per size, the layout Windows has read since Vista.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "wavescribe.svg"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(size: int) -> bytes:
    """The icon drawn at ``size`` x ``size`` pixels, as PNG bytes."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise RuntimeError(f"{SVG}: not a valid SVG")
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    renderer.render(painter)
    painter.end()
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(buf.data().data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file of PNG images: ICONDIR, one ICONDIRENTRY per size, then the images."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def render_icons(out: Path) -> dict[str, Path]:
    """Write wavescribe.png (256 px) and wavescribe.ico into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    pngs = {size: render_png(size) for size in ICO_SIZES}
    files = {"png": out / "wavescribe.png", "ico": out / "wavescribe.ico"}
    files["png"].write_bytes(pngs[256])
    files["ico"].write_bytes(ico_bytes(pngs))
    return files


if __name__ == "__main__":
    for kind, path in render_icons(ROOT / "build" / "icons").items():
        print(f"{kind}: {path} ({path.stat().st_size} bytes)")
