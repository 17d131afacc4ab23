"""A small text editor laid over a cue on the waveform, for fixing its text in place.

Enter commits, Shift+Enter breaks the line (subtitle text may have two lines), Esc cancels, and
leaving the editor (a click elsewhere, Tab) commits. The widget only says what was decided;
:class:`TextInPlace` opens it over a cue of the waveform and turns a commit into one ``SetText``
on the undo stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QWidget

from wavescribe.core.editing.commands import SetText
from wavescribe.gui.editor.timeline.paint import RULER_PX

if TYPE_CHECKING:
    from wavescribe.gui.editor.timeline.waveform_view import WaveformView

_LINES = 3  # visible lines: two-line cues plus room for the cursor


class CueTextEditor(QPlainTextEdit):
    """Edits the text of cue ``index``; emits exactly one of ``committed`` or ``cancelled``."""

    committed = Signal(int, str)  # (cue index, new text)
    cancelled = Signal(int)

    def __init__(self, index: int, text: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("cueTextEditor")
        self.index = index
        self.finished = False
        self.setPlainText(text)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setFrameShape(QFrame.Shape.Box)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.selectAll()

    def preferred_height(self) -> int:
        margins = self.contentsMargins()
        doc_margin = int(self.document().documentMargin() * 2)
        line = self.fontMetrics().lineSpacing()
        return line * _LINES + doc_margin + margins.top() + margins.bottom()

    def place(self, cue: QRect, bounds: QRect, min_width: int = 180) -> None:
        """Lay the editor over ``cue`` (at least ``min_width`` wide), kept inside ``bounds``."""
        width = min(max(cue.width(), min_width), bounds.width())
        height = min(self.preferred_height(), bounds.height())
        x = min(max(cue.left(), bounds.left()), bounds.right() + 1 - width)
        y = min(max(cue.top(), bounds.top()), bounds.bottom() + 1 - height)
        self.setGeometry(x, y, width, height)

    def commit(self) -> None:
        if not self.finished:
            self.finished = True
            self.committed.emit(self.index, self.toPlainText())

    def cancel(self) -> None:
        if not self.finished:
            self.finished = True
            self.cancelled.emit(self.index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")  # a new block: toPlainText() gives "\n", not U+2028
            else:
                self.commit()
            event.accept()
        elif key == Qt.Key.Key_Escape:
            self.cancel()
            event.accept()
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        # Switching windows or opening the editor's own context menu is not leaving it.
        if event.reason() not in (
            Qt.FocusReason.ActiveWindowFocusReason,
            Qt.FocusReason.PopupFocusReason,
        ):
            self.commit()


class TextInPlace:
    """The waveform's text editing: at most one editor open, laid over its cue as the view moves."""

    def __init__(self, view: WaveformView) -> None:
        self.view = view
        self.editor: CueTextEditor | None = None

    def open(self, index: int) -> None:
        view = self.view
        if view.doc is None or not 0 <= index < len(view.doc):
            view.message.emit("Select a cue to edit its text")
            return
        self.close()
        view.select(index)
        view.cue_clicked.emit(index)
        editor = CueTextEditor(index, view.doc[index].text, view)
        editor.committed.connect(self._commit)
        editor.cancelled.connect(lambda _i: self.close())
        self.editor = editor
        self.place()
        editor.show()
        editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def place(self) -> None:
        """Follow the cue after a zoom, scroll or resize."""
        editor, view = self.editor, self.view
        if editor is None or view.doc is None or not 0 <= editor.index < len(view.doc):
            return
        seg = view.doc[editor.index]
        x0, x1 = view.x_of(seg.start), view.x_of(seg.end)
        cue = QRect(round(x0), RULER_PX + 2, max(1, round(x1 - x0)), view.height())
        editor.place(cue, view.rect().adjusted(0, RULER_PX, 0, 0))

    def document_changed(self) -> None:
        """Something else edited the cues (undo from the menu bar, say): the index may be stale."""
        if self.editor is not None and not self.editor.finished:
            self.editor.cancel()
            self.view.message.emit("Text edit closed: the cues changed meanwhile")

    def close(self) -> None:
        editor, self.editor = self.editor, None
        if editor is None:
            return
        editor.finished = True
        had_focus = editor.hasFocus()
        editor.hide()
        editor.deleteLater()
        if had_focus:
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _commit(self, index: int, text: str) -> None:
        self.close()
        view = self.view
        if view.stack is None or view.doc is None or not 0 <= index < len(view.doc):
            return
        if text != view.doc[index].text:
            view.stack.push(SetText(index, text))
