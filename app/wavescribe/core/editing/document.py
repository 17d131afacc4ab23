"""The subtitle document being edited, and its undo history.

As in Gaupol's ``aeidon``, every change goes through a reversible command (``commands.py``) that
the history applies; nothing else mutates the segments. :class:`UndoHistory` is the one undo
engine: it owns the policy (one step per gesture, consecutive drags merged, a save point never
merged across, a step that refuses to undo or redo dropped). The GUI shows it through a
``QUndoStack`` that only mirrors it.

Invariants every command keeps (or refuses with :class:`EditRefused`): times are ``>= 0``, a cue
ends at or after its start, and a cue ends at or before the next one starts, so the segments stay
sorted and never overlap. Cues are allowed to touch; the minimum gap is a rule the timing
controller applies, not an invariant. Overlaps that came with a loaded transcript are tolerated
until fixed: a command is refused only if it creates an overlap or makes one larger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from wavescribe.core.errors import WavescribeError
from wavescribe.core.transcript import Segment, Transcript, Word

__all__ = [
    "EditCommand",
    "EditRefused",
    "HistoryAction",
    "HistoryEvent",
    "SubtitleDocument",
    "UndoHistory",
    "clone_segment",
]


class EditRefused(WavescribeError):
    """A command would break an invariant (overlap, negative time, bad index); nothing changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clone_segment(seg: Segment) -> Segment:
    """A deep copy: commands keep their own copies so undo restores exactly what was there."""
    words = [Word(w.start, w.end, w.text, w.probability, w.speaker) for w in seg.words]
    return Segment(
        seg.start,
        seg.end,
        seg.text,
        words,
        seg.no_speech_prob,
        seg.suspect,
        seg.cue_id,
        seg.cue_settings,
        seg.speaker,
    )


class SubtitleDocument:
    """A transcript's segments, changed only by commands; ``revision`` rises with every change."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.revision = 0

    @property
    def segments(self) -> list[Segment]:
        return self.transcript.segments

    def __len__(self) -> int:
        return len(self.transcript.segments)

    def __getitem__(self, index: int) -> Segment:
        return self.transcript.segments[index]

    def to_dict(self) -> dict[str, Any]:
        return self.transcript.to_dict()

    def segment(self, index: int) -> Segment:
        """The cue at ``index``, or ``EditRefused`` (a stale index from the GUI is not a crash)."""
        if not 0 <= index < len(self.segments):
            raise EditRefused(f"there is no cue {index + 1}")
        return self.segments[index]

    def check_fits(self, index: int, start: int, end: int, *, slot: bool = False) -> None:
        """Refuse times for the cue at ``index`` that would be negative or overlap a neighbour.

        With ``slot`` the times are for a new cue inserted before ``index``, so its neighbours
        are ``index - 1`` and ``index``; otherwise they are ``index - 1`` and ``index + 1``, and
        an overlap the cue already has is tolerated as long as it does not grow.
        """
        if start < 0:
            raise EditRefused("a cue cannot start before the audio")
        if end < start:
            raise EditRefused("a cue cannot end before it starts")
        segs = self.segments
        old = None if slot else segs[index]
        before = index - 1
        after = index if slot else index + 1
        if before >= 0:
            overlap = segs[before].end - start
            if overlap > 0 and (old is None or overlap > segs[before].end - old.start):
                raise EditRefused(f"it would overlap cue {before + 1}")
        if after < len(segs):
            overlap = end - segs[after].start
            if overlap > 0 and (old is None or overlap > old.end - segs[after].start):
                raise EditRefused(f"it would overlap cue {after + 1}")

    def overlaps(self) -> list[int]:
        """Indices ``i`` whose cue overlaps cue ``i + 1`` (for checks and tests)."""
        segs = self.segments
        return [i for i in range(len(segs) - 1) if segs[i].end > segs[i + 1].start]


class EditCommand(Protocol):
    """One user gesture; a plain object so the GUI can wrap it in a ``QUndoCommand``."""

    label: str

    @property
    def id(self) -> object | None:
        """A key shared by commands that may merge (like ``QUndoCommand.id()``); None: never."""
        ...

    def do(self, doc: SubtitleDocument) -> None:
        """Apply; on ``EditRefused`` the document is unchanged."""
        ...

    def undo(self, doc: SubtitleDocument) -> None: ...

    def merge_with(self, other: EditCommand) -> bool:
        """Absorb ``other`` (already applied, same ``id``) so that undo reverts both at once."""
        ...

    def is_noop(self) -> bool:
        """True when, after merges, the command changes nothing (a drag back to where it began)."""
        ...


HistoryAction = Literal["do", "merge", "undo", "redo", "drop", "clean", "clear"]


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """What just happened, for listeners that repaint only what changed.

    ``drop``: the step ``command`` refused to undo or redo (``reason`` says why) and left the
    history; the document did not change.
    """

    action: HistoryAction
    command: EditCommand | None
    reason: str | None = None


class UndoHistory:
    """A headless undo stack: push applies and records, undo/redo walk it, one step per gesture.

    ``index`` counts the commands applied; ``clean_index`` is the index at the last save (None
    when that state can no longer be reached). A command is merged into the one on top only if
    their ``id`` match, the top is not the save point and :meth:`seal` was not called since.
    A step whose undo or redo is refused changed nothing (the commands' contract), so it is
    dropped and the document stays valid; the ``drop`` event says why. The index moves as
    ``QUndoStack`` moves it for an obsolete command, so a Qt mirror can follow step by step.
    """

    def __init__(self, doc: SubtitleDocument) -> None:
        self.doc = doc
        self._stack: list[EditCommand] = []
        self.index = 0
        self.clean_index: int | None = 0
        self._sealed = True
        self.on_change: list[Callable[[HistoryEvent], None]] = []

    # --- editing -----------------------------------------------------------------------------
    def push(self, command: EditCommand) -> None:
        """Apply ``command``; raises ``EditRefused`` (and records nothing) if it cannot apply."""
        command.do(self.doc)
        self.doc.revision += 1
        del self._stack[self.index :]
        if self.clean_index is not None and self.clean_index > self.index:
            self.clean_index = None  # the saved state was undone and is now replaced
        top = self._stack[-1] if self._stack else None
        if (
            top is not None
            and not self._sealed
            and self.clean_index != self.index
            and command.id is not None
            and top.id == command.id
            and top.merge_with(command)
        ):
            if top.is_noop():  # a drag that ended where it began leaves no step behind
                self._stack.pop()
                self.index -= 1
            self._emit("merge", top)
            return
        self._stack.append(command)
        self.index += 1
        self._sealed = False
        self._emit("do", command)

    def seal(self) -> None:
        """End the current gesture (mouse released): the next command starts a new step."""
        self._sealed = True

    def undo(self) -> None:
        if not self.can_undo:
            return
        self.index -= 1
        command = self._stack[self.index]
        self._sealed = True
        try:
            command.undo(self.doc)
        except EditRefused as exc:
            self._drop(command, exc.reason)
            return
        self.doc.revision += 1
        self._emit("undo", command)

    def redo(self) -> None:
        if not self.can_redo:
            return
        command = self._stack[self.index]
        self._sealed = True
        try:
            command.do(self.doc)
        except EditRefused as exc:
            self._drop(command, exc.reason)
            return
        self.doc.revision += 1
        self.index += 1
        self._emit("redo", command)

    def _drop(self, command: EditCommand, reason: str) -> None:
        """Forget the step at ``index`` (its undo or redo was refused); the saved state goes
        with it if it lay beyond."""
        del self._stack[self.index]
        if self.clean_index is not None and self.clean_index > self.index:
            self.clean_index = None
        self._emit("drop", command, reason)

    def set_clean(self) -> None:
        """Mark the current state as saved."""
        self.clean_index = self.index
        self._sealed = True
        self._emit("clean", None)

    def clear(self) -> None:
        """Forget every step (a new document); the current state counts as saved."""
        self._stack.clear()
        self.index = 0
        self.clean_index = 0
        self._sealed = True
        self._emit("clear", None)

    # --- state -------------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return self.index > 0

    @property
    def can_redo(self) -> bool:
        return self.index < len(self._stack)

    @property
    def is_clean(self) -> bool:
        return self.clean_index == self.index

    @property
    def undo_label(self) -> str | None:
        return self._stack[self.index - 1].label if self.can_undo else None

    @property
    def redo_label(self) -> str | None:
        return self._stack[self.index].label if self.can_redo else None

    @property
    def labels(self) -> list[str]:
        """Every step's label, oldest first (``index`` of them are applied)."""
        return [c.label for c in self._stack]

    def __len__(self) -> int:
        return len(self._stack)

    def _emit(
        self, action: HistoryAction, command: EditCommand | None, reason: str | None = None
    ) -> None:
        event = HistoryEvent(action, command, reason)
        for callback in list(self.on_change):
            callback(event)
