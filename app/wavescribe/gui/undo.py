"""The editor's undo stack: core's ``UndoHistory`` with Qt signals.

The history (one command per gesture, drags merged until ``seal()``, a clean index never merged
across) lives in ``core.document`` where it is tested without a window; this adapter only turns
its events into signals and refusals into a message, so no edit is ever refused silently.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from wavescribe.core.document import (
    EditCommand,
    EditRefused,
    SubtitleDocument,
    UndoHistory,
)


class EditStack(QObject):
    """Every edit of the shown document goes through :meth:`push`."""

    changed = Signal(object)  # HistoryEvent: the document changed (or the clean state did)
    refused = Signal(str)  # why an edit was not made, for the status bar

    def __init__(self, doc: SubtitleDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.history = UndoHistory(doc)
        self.history.on_change.append(self.changed.emit)

    def push(self, command: EditCommand | None, why_not: str | None = None) -> bool:
        """Apply ``command``; a None command or a refusal is reported through ``refused``."""
        if command is None:
            if why_not:
                self.refused.emit(f"Not changed: {why_not}")
            return False
        try:
            self.history.push(command)
        except EditRefused as exc:
            self.refused.emit(f"Not changed: {exc.reason}")
            return False
        return True

    def seal(self) -> None:
        """The gesture is over (mouse released): the next drag is a new undo step."""
        self.history.seal()

    def undo(self) -> None:
        self.history.undo()

    def redo(self) -> None:
        self.history.redo()

    def set_clean(self) -> None:
        self.history.set_clean()
