"""Suspect cues (what the decoder doubted, ``Segment.suspect``): how they look, how to reach them.

One amber for the list and the waveform, so a flag reads the same in both; navigation wraps
around the document like "next error" in an IDE.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from wavescribe.core.transcript import Segment

SUSPECT = QColor("#ff9f1a")  # the band on the waveform and the list's marker
SUSPECT_ROW = QColor(255, 159, 26, 45)  # a suspect row's background in the list
_icon: QIcon | None = None


def suspect_icon() -> QIcon:
    """A small amber warning badge for the list (made once, after the QApplication exists)."""
    global _icon
    if _icon is None:
        pix = QPixmap(14, 14)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(SUSPECT)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(1, 1, 12, 12)
        p.setPen(QColor("#15181d"))
        font = p.font()
        font.setBold(True)
        font.setPixelSize(11)
        p.setFont(font)
        p.drawText(pix.rect(), Qt.AlignmentFlag.AlignCenter, "!")
        p.end()
        _icon = QIcon(pix)
    return _icon


def find_suspect(segments: Sequence[Segment], after: int, step: int) -> tuple[int, bool] | None:
    """The next (``step`` 1) or previous (-1) suspect cue from row ``after``, wrapping around.

    Returns (row, wrapped) or None when no cue is suspect; ``after`` -1 starts before the first
    cue going forward and after the last going back.
    """
    n = len(segments)
    if n == 0:
        return None
    origin = after if 0 <= after < n else (-1 if step > 0 else n)
    for k in range(1, n + 1):
        row = origin + k * step
        if segments[row % n].suspect is not None:
            return row % n, not 0 <= row < n
    return None
