"""The editor's undo stack: a ``QUndoStack`` whose commands wrap core's reversible edits.

The edits themselves (``core.edits``) are headless and tested without a window, as in Gaupol;
here each one becomes a ``QUndoCommand`` so the stack is Qt's own: one command per gesture, the
moves of a drag coalesced through ``id()`` / ``mergeWith()`` until :meth:`EditStack.seal`, a save
point (``setClean``) never merged across. Refusals become a message, so no edit fails silently.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from wavescribe.core.editing.document import (
    EditCommand,
    EditRefused,
    HistoryAction,
    HistoryEvent,
    SubtitleDocument,
)


class CoreCommand(QUndoCommand):
    """One undo step: a core command, already applied when pushed.

    Qt calls ``redo()`` on push, but :meth:`EditStack.push` has applied the command already, so
    that a refusal is an ordinary exception and never one raised inside a Qt virtual; the first
    ``redo()`` therefore does nothing. ``gesture`` is the stack's gesture count when the command
    was made: commands of different gestures never merge, whatever their ``id``.
    """

    def __init__(self, stack: EditStack, core: EditCommand) -> None:
        super().__init__(core.label)
        self.stack, self.core = stack, core
        self.gesture = stack.gesture
        self._merge_id = stack.merge_id(core.id)
        self._applied = True

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        # Qt has already matched id() and checked that the top is not the clean state.
        if (
            not isinstance(other, CoreCommand)
            or other.gesture != self.gesture
            or other.core.id != self.core.id
            or not self.core.merge_with(other.core)
        ):
            return False
        if self.core.is_noop():  # a drag back to where it began: Qt drops the step
            self.setObsolete(True)
        self.stack.merged_into = self.core
        return True

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        self._run("redo", self.core.do)

    def undo(self) -> None:
        self._applied = False
        self._run("undo", self.core.undo)

    def _run(self, action: HistoryAction, step: Callable[[SubtitleDocument], None]) -> None:
        # No exception may leave a Qt virtual. A refused step changed nothing (core's
        # contract); made obsolete, it is dropped from the history and the document stays valid.
        try:
            step(self.stack.doc)
        except EditRefused as exc:
            self.setObsolete(True)
            self.stack.refused.emit(f"Not changed: {exc.reason}")
            return
        self.stack.applied(action, self.core)


class EditStack(QObject):
    """Every edit of the shown document goes through :meth:`push`; ``qstack`` is the history."""

    changed = Signal(object)  # HistoryEvent: the document changed (or the clean state did)
    refused = Signal(str)  # why an edit was not made, for the status bar

    def __init__(self, doc: SubtitleDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.qstack = QUndoStack(self)
        self.gesture = 0  # rises on seal, undo, redo and save: a merge never spans two
        self.merged_into: EditCommand | None = None
        self._merge_ids: dict[object, int] = {}
        self._pending: list[HistoryEvent] = []
        # Undo and redo run inside QUndoStack; listeners hear of them once its index has moved,
        # so whoever asks it for the next label gets the new one (Undo from a QUndoView too).
        self.qstack.indexChanged.connect(self._flush)

    # --- editing -----------------------------------------------------------------------------
    def push(self, command: EditCommand | None, why_not: str | None = None) -> bool:
        """Apply ``command``; a None command or a refusal is reported through ``refused``."""
        if command is None:
            if why_not:
                self.refused.emit(f"Not changed: {why_not}")
            return False
        try:
            command.do(self.doc)
        except EditRefused as exc:
            self.refused.emit(f"Not changed: {exc.reason}")
            return False
        self.doc.revision += 1
        self.merged_into = None
        before = self.qstack.index()
        self.qstack.push(CoreCommand(self, command))
        if self.qstack.index() > before:
            self._emit("do", command)
        else:  # merged into the top step (which may be gone now: a drag back to the start)
            self._emit("merge", self.merged_into or command)
        return True

    def seal(self) -> None:
        """The gesture is over (mouse released): the next drag is a new undo step."""
        self.gesture += 1

    def undo(self) -> None:
        self.qstack.undo()
        self._flush()

    def redo(self) -> None:
        self.qstack.redo()
        self._flush()

    def set_clean(self) -> None:
        """Mark the current state as saved."""
        self.qstack.setClean()
        self.gesture += 1
        self._emit("clean", None)

    def clear(self) -> None:
        """Forget every step; the current state counts as saved."""
        self.qstack.clear()
        self.gesture += 1
        self._pending.clear()
        self._emit("clear", None)

    # --- state -------------------------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        """Every step's label, oldest first (``qstack.index()`` of them are applied)."""
        return [self.qstack.text(i) for i in range(self.qstack.count())]

    # --- for CoreCommand -----------------------------------------------------------------------
    def merge_id(self, key: object | None) -> int:
        """A small int per core ``id`` for ``QUndoCommand.id()``; -1 (never merge) for None."""
        if key is None:
            return -1
        return self._merge_ids.setdefault(key, len(self._merge_ids))

    def applied(self, action: HistoryAction, command: EditCommand) -> None:
        """A step was undone or redone inside the stack; tell listeners once it settles."""
        self.doc.revision += 1
        self.gesture += 1
        self._pending.append(HistoryEvent(action, command))

    def _flush(self, _index: int = 0) -> None:
        events, self._pending = self._pending, []
        for event in events:
            self.changed.emit(event)

    def _emit(self, action: HistoryAction, command: EditCommand | None) -> None:
        self.changed.emit(HistoryEvent(action, command))
