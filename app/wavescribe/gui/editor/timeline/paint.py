"""Drawing the timeline's layers: the wave with its ruler, and the cues over it.

Functions of what is shown (peaks, viewport, cue times), not of the widget, so the widget keeps
only the decisions (what is visible, what is cached) and these stay readable on their own.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QPixmap

from wavescribe.core.audio.peaks import FULL_SCALE, PeakPyramid
from wavescribe.core.transcript import Segment
from wavescribe.gui.editor.suspects import SUSPECT
from wavescribe.gui.editor.timeline.geometry import Viewport, ruler_label, tick_step

RULER_PX = 18

WAVE = QColor("#4c8bf5")
BACK = QColor("#15181d")
CUE = QColor(255, 200, 60, 50)
CUE_SELECTED = QColor(255, 200, 60, 110)
CUE_EDGE = QColor("#ffc83c")
PLAYHEAD = QColor("#ff4d4d")
SUSPECT_BAND_PX = 5  # the amber band along the top of a suspect cue
SUSPECT_HATCH = QColor(255, 159, 26, 90)
SPEAKER_BAND_PX = 4  # the band in the speaker's colour along the bottom of a cue
SPAN = QColor(90, 160, 255, 60)  # a time span selected with Shift+drag
SPAN_EDGE = QColor("#5aa0ff")


def render_wave(
    pyramid: PeakPyramid | None, vp: Viewport, w: int, h: int, gain: float = 1.0
) -> QPixmap:
    """The wave below a time ruler, ``w`` x ``h`` pixels, one min/max column per pixel.

    ``gain`` scales the drawing only (clipped at full height), for quiet recordings.
    """
    image = np.full((h, w), BACK.rgba(), np.uint32)
    if pyramid is not None and w > 0 and h > RULER_PX:
        # One column per pixel, filled with numpy: no Python loop over columns.
        mins, maxs = pyramid.slice(vp.start_ms, vp.end_ms, w)
        mid, half = (RULER_PX + h) / 2, (h - RULER_PX) / 2 - 2
        if gain != 1.0:
            mins = np.clip(mins.astype("f4") * gain, -FULL_SCALE, FULL_SCALE)
            maxs = np.clip(maxs.astype("f4") * gain, -FULL_SCALE, FULL_SCALE)
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
    """One cue as a region with its edges and text; its word ticks too when ``vp`` is given.

    A suspect cue is hatched in amber under an amber band, drawn last so nothing covers it.
    """
    rect = QRectF(x0, RULER_PX, max(x1 - x0, 1.0), h - RULER_PX)
    p.fillRect(rect, CUE_SELECTED if selected else CUE)
    if seg.suspect is not None:
        p.fillRect(rect, QBrush(SUSPECT_HATCH, Qt.BrushStyle.BDiagPattern))
    _paint_cue_detail(p, seg, x0, x1, h, vp)
    if seg.suspect is not None:
        paint_suspect_band(p, x0, x1)


def paint_suspect_band(p: QPainter, x0: float, x1: float) -> None:
    """The amber band over a suspect cue, at least 3 px wide so it shows at any zoom."""
    width = max(x1 - x0, 3.0)
    p.fillRect(QRectF(x0, RULER_PX, width, SUSPECT_BAND_PX), SUSPECT)


def paint_speaker_band(p: QPainter, x0: float, x1: float, h: int, colour: str) -> None:
    """A thin band in the speaker's colour along the bottom of a cue (at least 3 px wide)."""
    width = max(x1 - x0, 3.0)
    p.fillRect(QRectF(x0, h - SPEAKER_BAND_PX, width, SPEAKER_BAND_PX), QColor(colour))


def paint_span(p: QPainter, x0: float, x1: float, h: int) -> None:
    """A selected time span: a translucent blue region with edges, over the cues."""
    a, b = sorted((x0, x1))
    p.fillRect(QRectF(a, RULER_PX, max(b - a, 1.0), h - RULER_PX), SPAN)
    p.setPen(QPen(SPAN_EDGE, 1, Qt.PenStyle.DashLine))
    p.drawLine(QLineF(a, RULER_PX, a, h))
    p.drawLine(QLineF(b, RULER_PX, b, h))


def _paint_cue_detail(
    p: QPainter, seg: Segment, x0: float, x1: float, h: int, vp: Viewport | None
) -> None:
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
        below_band = SUSPECT_BAND_PX if seg.suspect is not None else 0
        p.drawText(QPointF(x0 + 3, RULER_PX + 14 + below_band), text)
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
