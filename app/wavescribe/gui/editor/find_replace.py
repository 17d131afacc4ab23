"""Find and replace across the transcript (Ctrl+F / Ctrl+H in the editor).

Finding selects the cue that holds the match, in the list and on the waveform. Replace changes the
current match through core ``SetText`` and Replace All runs core ``ReplaceAll``: each is one undo
step. A pattern that is empty or not a valid regular expression is explained in the dialog.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wavescribe.core.editing.commands import SetText
from wavescribe.core.editing.document import EditRefused
from wavescribe.core.editing.find_replace import ReplaceAll, search_pattern

if TYPE_CHECKING:
    from wavescribe.gui.editor.editor_widget import EditorPanel


@dataclass(frozen=True)
class Match:
    """One match: cue ``row``, characters ``start``–``end`` of its text."""

    row: int
    start: int
    end: int


def all_matches(texts: Sequence[str], pattern: re.Pattern[str]) -> list[Match]:
    """Every non-empty match, in reading order (an empty match selects nothing)."""
    return [
        Match(row, m.start(), m.end())
        for row, text in enumerate(texts)
        for m in pattern.finditer(text)
        if m.end() > m.start()
    ]


def next_match(
    matches: Sequence[Match], row: int, pos: int, *, forward: bool = True
) -> tuple[Match | None, bool]:
    """The first match at or after (``row``, ``pos``), or the last one before it backwards;
    wrapping around the transcript when there is none that way: (match, wrapped)."""
    if not matches:
        return None, False
    if forward:
        after = [m for m in matches if (m.row, m.start) >= (row, pos)]
        return (after[0], False) if after else (matches[0], True)
    before = [m for m in matches if (m.row, m.start) < (row, pos)]
    return (before[-1], False) if before else (matches[-1], True)


def replacements_message(count: int, cues: int) -> str:
    r = "replacement" if count == 1 else "replacements"
    c = "cue" if cues == 1 else "cues"
    return f"{count} {r} in {cues} {c}"


class FindReplaceDialog(QDialog):
    """A modeless dialog working on whichever transcript the editor shows."""

    def __init__(self, editor: EditorPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent or editor)
        self.setObjectName("findReplaceDialog")
        self.setWindowTitle("Find and Replace")
        self.editor = editor
        self.current: Match | None = None
        self.find_edit = QLineEdit()
        self.find_edit.setObjectName("findText")
        self.replace_edit = QLineEdit()
        self.replace_edit.setObjectName("replaceText")
        self.match_case = QCheckBox("Match &case")
        self.whole_words = QCheckBox("&Whole words")
        self.regex = QCheckBox("Regular e&xpression")
        self.status = QLabel()
        self.status.setObjectName("findStatus")
        self.status.setWordWrap(True)
        self.prev_button = QPushButton("Find &Previous")
        self.next_button = QPushButton("&Find Next")
        self.replace_button = QPushButton("&Replace")
        self.replace_all_button = QPushButton("Replace &All")
        close = QPushButton("Close")
        self.next_button.setDefault(True)

        fields = QGridLayout()
        fields.addWidget(QLabel("Find:"), 0, 0)
        fields.addWidget(self.find_edit, 0, 1)
        fields.addWidget(QLabel("Replace with:"), 1, 0)
        fields.addWidget(self.replace_edit, 1, 1)
        options = QHBoxLayout()
        for box in (self.match_case, self.whole_words, self.regex):
            options.addWidget(box)
        options.addStretch(1)
        buttons = QHBoxLayout()
        for button in (self.prev_button, self.next_button, self.replace_button):
            buttons.addWidget(button)
        buttons.addWidget(self.replace_all_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(fields)
        layout.addLayout(options)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self.prev_button.clicked.connect(lambda: self.search(forward=False))
        self.next_button.clicked.connect(lambda: self.search(forward=True))
        self.replace_button.clicked.connect(self.replace)
        self.replace_all_button.clicked.connect(self.replace_all)
        close.clicked.connect(self.close)
        for box in (self.match_case, self.whole_words, self.regex):
            box.toggled.connect(self._forget_match)
        self.find_edit.textEdited.connect(self._forget_match)
        self._placed = False

    def show_for(self, *, replacing: bool) -> None:
        """Show and focus the find field (Ctrl+F) or the replace field (Ctrl+H)."""
        if not self._placed:
            self._placed = True  # once: where the user moves it afterwards is kept
            self.adjustSize()
            self.move(place_over(self.editor.table, self.size()))
        self.show()
        self.raise_()
        self.activateWindow()
        field = self.replace_edit if replacing and self.find_edit.text() else self.find_edit
        field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        field.selectAll()

    # --- the work ------------------------------------------------------------------------------
    def _pattern(self) -> re.Pattern[str] | None:
        try:
            return search_pattern(
                self.find_edit.text(),
                case_sensitive=self.match_case.isChecked(),
                regex=self.regex.isChecked(),
                whole_words=self.whole_words.isChecked(),
            )
        except EditRefused as exc:
            self._say(f"Cannot search: {exc.reason}")
            return None

    def _texts(self) -> list[str]:
        stack = self.editor.stack
        return [] if stack is None else [seg.text for seg in stack.doc.segments]

    def search(self, *, forward: bool = True) -> Match | None:
        """Select the next (or previous) match's cue; None, said in the dialog, if none."""
        pattern = self._pattern()
        if pattern is None:
            return None
        matches = all_matches(self._texts(), pattern)
        if self.current is not None:
            c = self.current
            row, pos = (c.row, max(c.end, c.start + 1)) if forward else (c.row, c.start)
        else:
            sel = self.editor.selected
            row, pos = (max(sel, 0), 0) if forward else ((sel + 1 if sel >= 0 else 1 << 30), 0)
        match, wrapped = next_match(matches, row, pos, forward=forward)
        self._go(match)
        if match is None:
            self._say(f"“{self.find_edit.text()}” is not in the transcript")
        else:
            where = f"Cue {match.row + 1}" + (" (wrapped around)" if wrapped else "")
            self._say(f"{where}: {len(matches)} matches in all")
        return match

    def replace(self) -> None:
        """Replace the current match in its cue (one undo step), then find the next one."""
        pattern = self._pattern()
        if pattern is None or self.editor.stack is None:
            return
        texts = self._texts()
        if self.current is None or self.current not in all_matches(texts, pattern):
            self.search(forward=True)  # first show what would be replaced
            return
        c = self.current
        text = texts[c.row]
        m = pattern.match(text, c.start)
        if m is None or m.end() != c.end:
            self.search(forward=True)
            return
        try:
            new = m.expand(self.replace_edit.text()) if self.regex.isChecked() else None
        except (re.error, IndexError) as exc:
            self._say(f"Cannot replace: the replacement is not valid: {exc}")
            return
        if new is None:
            new = self.replace_edit.text()
        if not self._push(SetText(c.row, text[: c.start] + new + text[c.end :])):
            return
        # go on after the replacement, so replacing "a" with "aa" cannot loop
        self.current = Match(c.row, c.start, c.start + len(new))
        if self.search(forward=True) is None:
            self._say(f"Replaced in cue {c.row + 1}; no more matches")

    def replace_all(self) -> None:
        """Replace every match in the transcript as one undo step and say how many."""
        if self.editor.stack is None:
            return
        try:
            command = ReplaceAll(
                self.find_edit.text(),
                self.replace_edit.text(),
                case_sensitive=self.match_case.isChecked(),
                regex=self.regex.isChecked(),
                whole_words=self.whole_words.isChecked(),
            )
        except EditRefused as exc:
            self._say(f"Cannot replace: {exc.reason}")
            return
        if self._push(command):
            self.current = None
            self._say(replacements_message(command.count, command.cues))

    # --- helpers -------------------------------------------------------------------------------
    def _push(self, command: SetText | ReplaceAll) -> bool:
        stack = self.editor.stack
        assert stack is not None
        reasons: list[str] = []

        def refused(reason: str) -> None:
            reasons.append(reason)

        stack.refused.connect(refused)
        try:
            done = stack.push(command)
        finally:
            stack.refused.disconnect(refused)
        if not done:
            self._say(reasons[-1] if reasons else "Not changed")
        return done

    def _go(self, match: Match | None) -> None:
        self.current = match
        if match is not None:
            self.editor.select(match.row)

    def _forget_match(self) -> None:
        self.current = None

    def _say(self, text: str) -> None:
        self.status.setText(text)


def place_over(table: QWidget, size: QSize) -> QPoint:
    """Where the dialog goes: over the bottom right of the cue list, clear of the waveform and
    the video (inside the screen, below the list's top edge where the list is tall enough)."""
    corner = table.mapToGlobal(QPoint(table.width(), table.height()))
    top_left = table.mapToGlobal(QPoint(0, 0))
    x = corner.x() - size.width() - 16
    y = max(top_left.y(), corner.y() - size.height() - 16)
    screen = table.screen().availableGeometry() if table.screen() is not None else None
    if screen is not None:
        x = min(max(screen.left(), x), screen.right() - size.width())
        y = min(max(screen.top(), y), screen.bottom() - size.height())
    return QPoint(x, y)
