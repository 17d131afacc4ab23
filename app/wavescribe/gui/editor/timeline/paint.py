"""Drawing the timeline's layers: the wave with its ruler, and the cues over it.

Functions of what is shown (peaks, viewport, cue times), not of the widget, so the widget keeps
only the decisions (what is visible, what is cached) and these stay readable on their own.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap

from wavescribe.core.audio.peaks import FULL_SCALE, PeakPyramid
from wavescribe.core.transcript import Segment
from wavescribe.gui.editor.timeline.geometry import Viewport, ruler_label, tick_step

RULER_PX = 18

WAVE = QColor("#4c8bf5")
BACK = QColor("#15181d")
CUE = QColor(255, 200, 60, 50)
CUE_SELECTED = QColor(255, 200, 60, 110)
CUE_EDGE = QColor("#ffc83c")
PLAYHEAD = QColor("#ff4d4d")


def render_wave(pyramid: PeakPyramid | None, vp: Viewport, w: int, h: int) -> QPixmap:
    """The wave below a time ruler, ``w`` x ``h`` pixels, one min/max column per pixel."""
    image = np.full((h, w), BACK.rgba(), np.uint32)
    if pyramid is not None and w > 0 and h > RULER_PX:
        # One column per pixel, filled with numpy: no Python loop over columns.
        mins, maxs = pyramid.slice(vp.start_ms, vp.end_ms, w)
        mid, half = (RULER_PX + h) / 2, (h - RULER_PX) / 2 - 2
        top = np.floor(mid - maxs.astype("f4") * (half / FULL_SCALE)).astype(np.int32)
        bottom = np.ceil(mid - mins.astype("f4") * (half / FULL_SCALE)).astype(np.int32)
        rows = np.arange(h, dtype=np.int32)[:, None]
        image[(rows >= top) & (rows <= bottom)] = WAVE.rgba()
    qimage = QImage(image.data, w, h, 4 * w, QImage.Format.Format_ARGB32)
    pix = QPixmap.fromImage(qimage)  # copies: ``image`` may go
    p = QPainter(pix)
    paint_ruler(p, vp, w)
    p.end()
    return pix


def paint_ruler(p: QPainter, vp: Viewport, w: int) -> None:
    step = tick_step(vp.ms_per_px)
    p.setPen(QColor("#9aa4b2"))
    first = int(vp.start_ms // step * step)
    for ms in range(first, int(vp.end_ms) + step, step):
        x = vp.x_of(ms)
        if x < -step / vp.ms_per_px or x > w:
            continue
        p.drawLine(QLineF(x, RULER_PX - 6, x, RULER_PX))
        p.drawText(QPointF(x + 3, RULER_PX - 6), ruler_label(ms, step))
    p.drawLine(0, RULER_PX, w, RULER_PX)


def paint_narrow(p: QPainter, x0s: np.ndarray, x1s: np.ndarray, w: int, h: int) -> None:
    """Cues a few pixels wide (a zoomed-out view) as runs of covered pixels."""
    if not len(x0s) or w <= 0:
        return
    a = np.clip(np.floor(x0s).astype(np.int64), 0, w)
    b = np.clip(np.maximum(np.ceil(x1s).astype(np.int64), a + 1), 0, w)
    cover = np.zeros(w + 1, np.int32)
    np.add.at(cover, a, 1)
    np.add.at(cover, b, -1)
    on = np.concatenate(([0], (np.cumsum(cover[:-1]) > 0).astype(np.int8), [0]))
    flips = np.flatnonzero(np.diff(on))
    for lo, hi in zip(flips[0::2].tolist(), flips[1::2].tolist(), strict=True):
        p.fillRect(QRectF(lo, RULER_PX, hi - lo, h - RULER_PX), CUE)


def paint_cue(
    p: QPainter, seg: Segment, x0: float, x1: float, h: int, *, selected: bool, vp: Viewport | None
) -> None:
    """One cue as a region with its edges and text; its word ticks too when ``vp`` is given."""
    rect = QRectF(x0, RULER_PX, max(x1 - x0, 1.0), h - RULER_PX)
    p.fillRect(rect, CUE_SELECTED if selected else CUE)
    if x1 - x0 < 4:
        return
    p.setPen(QPen(CUE_EDGE, 1))
    p.drawLine(QLineF(x0, RULER_PX, x0, h))
    p.drawLine(QLineF(x1, RULER_PX, x1, h))
    if x1 - x0 > 30:
        p.setPen(Qt.GlobalColor.white)
        text = p.fontMetrics().elidedText(
            seg.text.replace("\n", " "), Qt.TextElideMode.ElideRight, int(x1 - x0 - 6)
        )
        p.drawText(QPointF(x0 + 3, RULER_PX + 14), text)
    if vp is not None:
        p.setPen(QColor(255, 255, 255, 120))
        metrics = p.fontMetrics()
        free_x = -1e9  # labels never overprint: a word whose label does not fit keeps its tick
        for i, word in enumerate(seg.words):
            wx = vp.x_of(word.start)
            p.drawLine(QLineF(wx, h - 14, wx, h))
            label = word.text.strip()
            room = (vp.x_of(seg.words[i + 1].start) if i + 1 < len(seg.words) else x1) - wx - 3
            if wx >= free_x and metrics.horizontalAdvance(label) <= room:
                p.drawText(QPointF(wx + 2, h - 3), label)
                free_x = wx + 2 + metrics.horizontalAdvance(label)
