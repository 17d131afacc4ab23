"""What a drag tells the eye: where an edge snapped, and where an edit was stopped or refused.

The timing controller reports both (``TimingResult.snapped`` and ``.limit``); these markers keep
them on screen: the snap target as a dashed line labelled with its kind while the drag lasts,
and the stopped edge as a red bar that fades after a moment (the reason stays in the status bar).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen

from wavescribe.core.editing.timing_controller import SnapTarget

SNAP_COLOR = QColor("#2ee6d6")  # an accent no cue, wave or playhead uses
REFUSED_COLOR = QColor("#ff2e2e")
REFUSED_FLASH_MS = 700


@dataclass(frozen=True, slots=True)
class RefusedMarker:
    """An edge of cue ``index`` stopped at ``ms`` (or did not move), and why."""

    index: int
    ms: int
    reason: str


class EditMarkers(QObject):
    """The snap marker of the drag in progress and the refused marker's brief flash."""

    def __init__(self, repaint: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.snap: SnapTarget | None = None
        self.refused: RefusedMarker | None = None
        self._repaint = repaint
        self._fade = QTimer(self)
        self._fade.setSingleShot(True)
        self._fade.setInterval(REFUSED_FLASH_MS)
        self._fade.timeout.connect(self.clear_refused)

    def set_snap(self, marker: SnapTarget | None) -> None:
        if marker != self.snap:
            self.snap = marker
            self._repaint()

    def flash_refused(self, marker: RefusedMarker) -> None:
        self.refused = marker
        self._fade.start()  # restarted while the drag keeps pushing against the limit
        self._repaint()

    def clear_refused(self) -> None:
        if self.refused is not None:
            self.refused = None
            self._repaint()

    def paint(self, p: QPainter, x_of: Callable[[float], float], top: float, h: float) -> None:
        """Draw both markers between ``top`` and ``h`` (pixel rows of the cue area)."""
        if self.refused is not None:
            x = round(x_of(self.refused.ms))
            p.fillRect(QRectF(x - 6, top, 12, h - top), QColor(255, 46, 46, 60))
            p.fillRect(QRectF(x - 1, top, 3, h - top), REFUSED_COLOR)
        if self.snap is not None:
            x = round(x_of(self.snap.ms))
            pen = QPen(SNAP_COLOR, 2, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(QLineF(x, top, x, h))
            label = self.snap.kind
            width = p.fontMetrics().horizontalAdvance(label) + 6
            box = QRectF(x + 3, top + 18, width, p.fontMetrics().height() + 2)
            p.fillRect(box, QColor(0, 0, 0, 170))
            p.setPen(SNAP_COLOR)
            p.drawText(QPointF(box.left() + 3, box.bottom() - 4), label)
