"""The transcript as a table: start, end, duration, characters per second and text of each cue.

Rows arrive one by one while a job runs (``append``) and are replaced by the finished transcript
(``set_segments``); clicking a row selects that cue (``segment_selected``), which the waveform
editor will follow.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from wavescribe.core.humanize import format_ms
from wavescribe.core.subtitle_rules import SubtitleRules, cps
from wavescribe.core.transcript import Segment

_Index = QModelIndex | QPersistentModelIndex
CPS_WARN = SubtitleRules().max_cps  # faster cues are tinted


def chars_per_second(segment: Segment) -> float:
    """Reading speed as the subtitle rules count it (a line break reads as a space)."""
    return cps(segment.text, segment.duration)


def display_cell(seg: Segment, col: int) -> str:
    """What a segment table shows in column ``col`` (start, end, duration, cps, text)."""
    if col == TranscriptModel.START:
        return format_ms(seg.start)
    if col == TranscriptModel.END:
        return format_ms(seg.end)
    if col == TranscriptModel.DURATION:
        return f"{seg.duration / 1000:.2f}"
    if col == TranscriptModel.CPS:
        speed = chars_per_second(seg)
        return "∞" if speed == float("inf") else f"{speed:.1f}"
    return seg.text.replace("\n", " ⏎ ")


class TranscriptModel(QAbstractTableModel):
    COLUMNS = ("Start", "End", "Duration", "CPS", "Text")
    START, END, DURATION, CPS, TEXT = range(5)
    SegmentRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._segments: list[Segment] = []
        self.max_cps = CPS_WARN

    @property
    def segments(self) -> list[Segment]:
        return list(self._segments)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._segments)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return str(section + 1)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        seg, col = self._segments[index.row()], index.column()
        if role == self.SegmentRole:
            return seg
        if role == Qt.ItemDataRole.DisplayRole:
            return display_cell(seg, col)
        if role == Qt.ItemDataRole.ToolTipRole and col == self.TEXT:
            return seg.text
        if role == Qt.ItemDataRole.TextAlignmentRole and col != self.TEXT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        fast = col == self.CPS and chars_per_second(seg) > self.max_cps
        if role == Qt.ItemDataRole.ForegroundRole and fast:
            return QBrush(QColor("#d9480f"))
        return None

    def set_segments(self, segments: list[Segment]) -> None:
        self.beginResetModel()
        self._segments = list(segments)
        self.endResetModel()

    def append(self, segment: Segment) -> None:
        row = len(self._segments)
        self.beginInsertRows(QModelIndex(), row, row)
        self._segments.append(segment)
        self.endInsertRows()


class TranscriptView(QTableView):
    """Read-only for now; editing arrives with the waveform editor."""

    segment_selected = Signal(int)  # row, or -1 when nothing is selected

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transcriptView")
        self.transcript_model = TranscriptModel(self)
        self.setModel(self.transcript_model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        for col in range(TranscriptModel.TEXT):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TranscriptModel.TEXT, QHeaderView.ResizeMode.Stretch)
        self.selectionModel().selectionChanged.connect(self._on_selection)

    def show_segments(self, segments: list[Segment]) -> None:
        self.transcript_model.set_segments(segments)

    def append_segment(self, segment: Segment) -> None:
        """Add a freshly decoded cue and keep the newest in view unless the user scrolled away."""
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        self.transcript_model.append(segment)
        if at_bottom:
            self.scrollToBottom()

    def selected_row(self) -> int:
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _on_selection(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self.segment_selected.emit(self.selected_row())
