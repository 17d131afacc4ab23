"""The segment list: an editable table over the document, every edit through the undo stack.

Start, end and text are edited in place; duration and characters per second follow; a cue that
breaks a subtitle rule is tinted and says why in its tooltip (``core.rule_check`` decides); a
cue the decoder doubted (``Segment.suspect``) gets an amber badge and row, the reason as tooltip.
The model never changes a segment itself: ``setData`` builds a core command and pushes it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from wavescribe.core.editing.commands import SetText, SetTimes
from wavescribe.core.editing.document import HistoryEvent
from wavescribe.core.editing.rule_check import RuleViolation, check_all, check_at
from wavescribe.core.humanize import format_ms
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.gui.editor.speakers import set_speaker_by_name, speaker_cell
from wavescribe.gui.editor.suspects import SUSPECT_ROW, suspect_icon
from wavescribe.gui.editor.transcript_view import display_cell
from wavescribe.gui.editor.undo import EditStack

_Index = QModelIndex | QPersistentModelIndex
_TIME = re.compile(r"^\s*(?:(\d+):)?(?:(\d+):)?(\d+(?:[.,]\d{1,3})?)\s*$")
WARN = QColor("#d9480f")
CURRENT = QColor(255, 200, 60, 70)


def parse_time(text: str) -> int | None:
    """``h:mm:ss.mmm``, ``mm:ss.mmm`` or seconds (``,`` allowed as in SRT) to ms; None if not."""
    m = _TIME.match(text)
    if m is None:
        return None
    a, b, sec = m.groups()
    hours, minutes = (int(a), int(b)) if b is not None else (0, int(a or 0))
    return round((hours * 3600 + minutes * 60 + float(sec.replace(",", "."))) * 1000)


class SegmentModel(QAbstractTableModel):
    COLUMNS = ("Start", "End", "Duration", "CPS", "Text", "Speaker")
    START, END, DURATION, CPS, TEXT, SPEAKER = range(6)

    def __init__(
        self, stack: EditStack, rules: SubtitleRules | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.stack = stack
        self.doc = stack.doc
        self.rules = rules or SubtitleRules()
        self._warnings: dict[int, list[RuleViolation]] = {}
        self._rows = len(self.doc)
        self.current = -1  # the cue under the playhead, highlighted while playing
        self._recheck()
        stack.changed.connect(self._on_change)

    # --- reading -----------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.doc)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.COLUMNS[section] if orientation == Qt.Orientation.Horizontal else section + 1

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() in (self.START, self.END, self.TEXT, self.SPEAKER):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def set_rules(self, rules: SubtitleRules) -> None:
        """Re-check every cue against ``rules`` and repaint the list (warnings, CPS colour)."""
        self.rules = rules
        self._recheck()
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(self._rows - 1, self.TEXT))

    def warnings(self, row: int) -> list[RuleViolation]:
        return self._warnings.get(row, [])

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.doc):
            return None
        seg, col = self.doc[index.row()], index.column()
        if col == self.SPEAKER:
            return speaker_cell(self.doc.transcript, seg, role)
        if role == Qt.ItemDataRole.EditRole:
            return {self.START: format_ms(seg.start), self.END: format_ms(seg.end)}.get(
                col, seg.text
            )
        if role == Qt.ItemDataRole.DisplayRole:
            return display_cell(seg, col)  # same columns as the read-only TranscriptModel
        warned = self._warnings.get(index.row())
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [v.message for v in warned or []]
            if seg.suspect is not None:
                lines.insert(0, f"Suspect: {seg.suspect}")
            return "\n".join([seg.text, *lines] if col == self.TEXT else lines) or None
        if role == Qt.ItemDataRole.ForegroundRole and warned and col != self.TEXT:
            return QBrush(WARN)
        if role == Qt.ItemDataRole.DecorationRole and col == self.START and seg.suspect:
            return suspect_icon()
        if role == Qt.ItemDataRole.BackgroundRole:
            if index.row() == self.current:
                return QBrush(CURRENT)
            if seg.suspect is not None:
                return QBrush(SUSPECT_ROW)
        if role == Qt.ItemDataRole.TextAlignmentRole and col != self.TEXT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def set_current(self, row: int) -> None:
        """Highlight the cue being played (-1: none)."""
        if row == self.current:
            return
        old, self.current = self.current, row
        for r in (old, row):
            if 0 <= r < self._rows:
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(self.COLUMNS) - 1))

    # --- editing -----------------------------------------------------------------------------
    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row, col = index.row(), index.column()
        seg = self.doc[row]
        if col == self.SPEAKER:
            return self.stack.push(set_speaker_by_name(self.doc.transcript, [row], str(value)))
        if col == self.TEXT:
            text = str(value).replace(" ⏎ ", "\n")
            return text != seg.text and self.stack.push(SetText(row, text))
        if col not in (self.START, self.END):
            return False
        ms = parse_time(str(value))
        if ms is None:
            self.stack.refused.emit(f"Not changed: “{value}” is not a time")
            return False
        start, end = (ms, seg.end) if col == self.START else (seg.start, ms)
        if (start, end) == (seg.start, seg.end):
            return False
        if end < start:
            self.stack.refused.emit("Not changed: a cue cannot end before it starts")
            return False
        return self.stack.push(SetTimes(row, start, end))

    # --- following the document --------------------------------------------------------------
    def _recheck(self) -> None:
        found: dict[int, list[RuleViolation]] = defaultdict(list)
        for v in check_all(self.doc.transcript, self.rules):
            if v.index is not None:
                found[v.index].append(v)
        self._warnings = dict(found)

    def _recheck_rows(self, first: int, last: int) -> None:
        t = self.doc.transcript
        media_end = t.source.duration_ms if t.source else None
        for row in range(first, last + 1):
            found = check_at(t.segments, row, self.rules, media_end)
            if found:
                self._warnings[row] = found
            else:
                self._warnings.pop(row, None)

    def _on_change(self, event: HistoryEvent) -> None:
        if event.action == "clean":
            return
        index = getattr(event.command, "index", None)
        if len(self.doc) != self._rows or index is None:  # rows moved, or many changed
            self._recheck()
            if len(self.doc) != self._rows:
                self.beginResetModel()
                self._rows = len(self.doc)
                self.endResetModel()
                return
        if not self._rows:
            return
        # A retime or retext touches one cue, and its neighbours' gap warnings at most:
        # rechecking and repainting every row on each step of a drag would cost more than it.
        first, last = (0, self._rows - 1) if index is None else (index - 1, index + 1)
        first, last = max(first, 0), min(last, self._rows - 1)
        if index is not None:
            self._recheck_rows(first, last)
        right = len(self.COLUMNS) - 1
        self.dataChanged.emit(self.index(first, 0), self.index(last, right))
