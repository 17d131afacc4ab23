"""The editor's actions on the selected cue: split, merge, delete, nudge, set an edge at the
playhead, edit, play; and the suspect cues (F8 / Shift+F8, "Mark as checked").

A mixin of :class:`~wavescribe.gui.editor.editor_widget.EditorPanel`: each edit is a core command
pushed on the panel's :class:`EditStack` (one undo step), or the :class:`TimingController`'s
result for edits that the subtitle rules and snapping may limit; refusals go to ``message``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wavescribe.core.editing.commands import Delete, MergeWithNext, SetSuspect
from wavescribe.gui.editor.segment_model import SegmentModel
from wavescribe.gui.editor.suspects import find_suspect

if TYPE_CHECKING:
    from PySide6.QtWidgets import QTableView

    from wavescribe.core.editing.timing_controller import TimingController, TimingResult
    from wavescribe.gui.editor.playback import Player
    from wavescribe.gui.editor.timeline.waveform_view import WaveformView
    from wavescribe.gui.editor.undo import EditStack


class CueActions:
    """Edits of the selected cue and the suspect-cue navigation (see the module docstring)."""

    stack: EditStack | None
    controller: TimingController | None
    model: SegmentModel | None
    waveform: WaveformView
    table: QTableView
    player: Player
    actions_by_name: dict[str, Any]
    message: Any  # the panel's Signal(str)
    selected: int

    def select(self, row: int) -> None:
        raise NotImplementedError  # the panel's

    # --- suspect cues ------------------------------------------------------------------------
    def goto_suspect(self, step: int) -> None:
        """Select the next (1) or previous (-1) suspect cue in list and waveform, wrapping."""
        if self.stack is None:
            return
        found = find_suspect(self.stack.doc.segments, self.selected, step)
        if found is None:
            self.message.emit("No suspect cues")
            return
        row, wrapped = found
        self.select(row)
        why = self.stack.doc[row].suspect
        again = " (from the top)" if wrapped and step > 0 else " (from the end)" if wrapped else ""
        self.message.emit(f"Cue {row + 1} is suspect: {why}{again}")

    def mark_checked(self) -> None:
        """Clear the selected cue's suspect flag (one undo step)."""
        i = self.selected
        if self.stack is None or i < 0:
            self.message.emit("Select a suspect cue to mark as checked")
            return
        if self.stack.doc[i].suspect is None:
            self.message.emit(f"Cue {i + 1} is not marked as suspect")
            return
        self.stack.push(SetSuspect(i, None))

    # --- edits -------------------------------------------------------------------------------
    def _apply(self, result: TimingResult) -> bool:
        if self.stack is None:
            return False
        if result.command is None:
            self.message.emit(f"Not changed: {result.limit}" if result.limit else "Nothing to do")
            return False
        done = self.stack.push(result.command)
        if done and result.limit:
            self.message.emit(f"Stopped by {result.limit}")
        return done

    def _playhead(self) -> int:
        return self.player.position_ms

    def split_at_playhead(self) -> None:
        if self.controller is not None and self._apply(
            self.controller.split_at_playhead(self._playhead())
        ):
            self.waveform.update()

    def merge_with_next(self) -> None:
        i = self.selected
        if self.stack is None or i < 0:
            self.message.emit("Select a cue to merge with the next")
            return
        if i + 1 >= len(self.stack.doc):
            self.message.emit("Not changed: the last cue has no next cue")
            return
        self.stack.push(MergeWithNext(i))

    def delete_cue(self) -> None:
        i = self.selected
        if self.stack is None or i < 0:
            self.message.emit("Select a cue to delete")
            return
        if self.stack.push(Delete(i)):
            self.select(min(i, len(self.stack.doc) - 1))

    def nudge(self, edge: str, delta_ms: int) -> None:
        if self.controller is None or self.selected < 0:
            self.message.emit("Select a cue to nudge")
            return
        self._apply(self.controller.nudge(self.selected, edge, delta_ms))  # type: ignore[arg-type]

    def _at_playhead(self, edge: str) -> None:
        if self.controller is None or self.selected < 0:
            self.message.emit("Select a cue first")
            return
        self._apply(self.controller.set_edge_at(self.selected, edge, self._playhead()))  # type: ignore[arg-type]

    def edit_text(self) -> None:
        """Edit the selected cue's text where the focus is: in the list, else on the waveform."""
        if self.table.hasFocus() and self.model is not None and self.selected >= 0:
            self.table.edit(self.model.index(self.selected, SegmentModel.TEXT))
        else:
            self.waveform.edit_text(self.selected)

    def play_cue(self) -> None:
        if self.stack is None or self.selected < 0:
            self.message.emit("Select a cue to play")
            return
        seg = self.stack.doc[self.selected]
        self.player.play(seg.start, seg.end, loop=self.actions_by_name["loop"].isChecked())
