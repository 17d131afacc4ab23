"""The editor's undo stack: core's :class:`UndoHistory`, shown through a mirroring ``QUndoStack``.

The policy (one step per gesture, drags merged until :meth:`EditStack.seal`, a save point never
merged across, a step that refuses to undo or redo dropped) lives once, in the core history,
which the property tests prove. ``qstack`` holds one plain :class:`CoreCommand` per history step
(``id()`` -1: Qt never merges) so that Qt's actions and a ``QUndoView`` work; its count, index,
clean state and texts always equal the history's. An undo or redo started by Qt itself (a
``QUndoView``, ``setIndex``) runs through the history as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from wavescribe.core.editing.document import (
    EditCommand,
    EditRefused,
    HistoryEvent,
    SubtitleDocument,
    UndoHistory,
)


class CoreCommand(QUndoCommand):
    """Qt's view of one history step; its undo and redo ask the history to take the step.

    While the stack mirrors a change the history has already made, both do nothing. A step the
    history dropped (refused) is made obsolete, so Qt drops it at the same place.
    """

    def __init__(self, stack: EditStack, label: str) -> None:
        super().__init__(label)
        self.stack = stack

    def redo(self) -> None:
        self.stack.step_from_qt(self, undo=False)

    def undo(self) -> None:
        self.stack.step_from_qt(self, undo=True)


class EditStack(QObject):
    """Every edit of the shown document goes through :meth:`push`; ``history`` decides,
    ``qstack`` shows."""

    changed = Signal(object)  # HistoryEvent: the document changed (or the clean state did)
    refused = Signal(str)  # why an edit was not made, for the status bar

    def __init__(self, doc: SubtitleDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = UndoHistory(doc)
        self.history.on_change.append(self._on_history)
        self.qstack = QUndoStack(self)
        self._mirroring = False
        self._pending: list[HistoryEvent] = []
        # An undo or redo started by Qt runs inside QUndoStack; listeners hear of it once the
        # index has moved, so whoever asks it for the next label gets the new one.
        self.qstack.indexChanged.connect(self._on_qt_index)

    @property
    def doc(self) -> SubtitleDocument:
        return self.history.doc

    # --- editing -----------------------------------------------------------------------------
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
        self._mirror_push()
        self._flush()
        return True

    def seal(self) -> None:
        """The gesture is over (mouse released): the next drag is a new undo step."""
        self.history.seal()

    def undo(self) -> None:
        self.qstack.undo()  # through CoreCommand.undo into the history, as Qt's own undo goes
        self._flush()

    def redo(self) -> None:
        self.qstack.redo()
        self._flush()

    def set_clean(self) -> None:
        """Mark the current state as saved."""
        self.history.set_clean()
        with self._mirror():
            self.qstack.setClean()
        self._flush()

    def clear(self) -> None:
        """Forget every step; the current state counts as saved."""
        self.history.clear()
        with self._mirror():
            self.qstack.clear()
            # QUndoStack.clear() returns early on an empty stack, leaving its clean index where
            # it was (-1 after the saved state was cut off as a redo tail): say it is clean.
            self.qstack.setClean()
        self._flush()

    # --- state -------------------------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        """Every step's label, oldest first (``history.index`` of them are applied)."""
        return self.history.labels

    # --- the mirror ----------------------------------------------------------------------------
    def step_from_qt(self, command: CoreCommand, *, undo: bool) -> None:
        """Qt undoes or redoes ``command``: the history takes the step (or drops it)."""
        if self._mirroring:
            return
        count = len(self.history)
        if undo:
            self.history.undo()
        else:
            self.history.redo()
        if len(self.history) < count:  # refused: Qt removes an obsolete command where it stands
            command.setObsolete(True)

    def _mirror_push(self) -> None:
        """Make ``qstack`` follow a push: a new step, a merge into the top, or the top dropped."""
        history, q = self.history, self.qstack
        with self._mirror():
            if history.index > q.index():  # a new step; Qt cuts the redo tail as the history did
                q.push(CoreCommand(self, history.labels[-1]))
            elif history.index < q.index():  # merged into a step that now changes nothing
                top = q.command(q.index() - 1)
                top.setObsolete(True)
                q.undo()  # Qt deletes an obsolete command instead of undoing it
            else:  # merged (only ever into the top of a history without a redo tail)
                q.command(q.index() - 1).setText(history.labels[-1])

    @contextmanager
    def _mirror(self) -> Iterator[None]:
        self._mirroring = True
        try:
            yield
        finally:
            self._mirroring = False

    def _on_history(self, event: HistoryEvent) -> None:
        if event.action == "drop":
            self.refused.emit(f"Not changed: {event.reason}")
        self._pending.append(event)

    def _on_qt_index(self, _index: int) -> None:
        if not self._mirroring:
            self._flush()

    def _flush(self) -> None:
        events, self._pending = self._pending, []
        for event in events:
            self.changed.emit(event)
