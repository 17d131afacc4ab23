"""The editor's speaker gestures: keys 1-9, rename, merge, split at a change, Find speakers.

Kept out of ``editor_widget`` (which only makes one of these): each gesture builds a core command
and pushes it on the editor's undo stack, so each is one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from wavescribe.core.editing.speaker_commands import (
    MergeSpeakers,
    RenameSpeaker,
    SetSpeaker,
    SplitAtSpeakerChange,
)
from wavescribe.gui.editor.find_speakers import SpeakerFinder
from wavescribe.gui.editor.speakers import ask_text, choose_speaker, speaker_by_number

if TYPE_CHECKING:
    from wavescribe.gui.editor.editor_widget import EditorPanel


class SpeakerActions(QObject):
    """Adds the speaker actions to ``editor.actions_by_name`` and carries them out."""

    def __init__(self, editor: EditorPanel) -> None:
        super().__init__(editor)
        self.editor = editor
        self.finder = SpeakerFinder(editor)
        self.finder.finished.connect(editor.message)
        for number in range(1, 10):  # 1-9 give the selected cues a speaker
            action = QAction(f"Speaker {number}", editor)
            action.setShortcut(QKeySequence(str(number)))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _=False, n=number: self.set_speaker_number(n))
            editor.addAction(action)
            editor.actions_by_name[f"speaker_{number}"] = action
        for name, label, slot in (
            ("find_speakers", "Find &Speakers…", self.find_speakers),
            ("rename_speaker", "&Rename Speaker…", self.rename_speaker),
            ("merge_speakers", "&Merge Speakers…", self.merge_speakers),
            ("split_speakers", "Split Cue at Speaker &Change", self.split_at_speaker_change),
        ):
            action = QAction(label, editor)
            action.triggered.connect(slot)
            editor.actions_by_name[name] = action

    def find_speakers(self) -> None:
        """Ask how many speakers, then label every cue off the GUI thread (one undo step)."""
        ed = self.editor
        if ed.stack is None or ed.samples is None:
            ed.message.emit("Find speakers needs the transcript's audio (still loading?)")
            return
        self.finder.ask(ed.stack, ed.samples)

    def rename_speaker(self) -> bool:
        """Ask which speaker and their new name; every cue of theirs changes in one step."""
        ed = self.editor
        if ed.stack is None:
            return False
        table = ed.stack.doc.transcript.speakers
        sid = choose_speaker(ed, "Rename speaker", "Speaker:", table, self._selected_speaker())
        if sid is None:
            return False
        name = ask_text(ed, "Rename speaker", "New name:", table[sid].name)
        return name is not None and ed.stack.push(RenameSpeaker(sid, name))

    def merge_speakers(self) -> bool:
        """Ask for two speakers and make the first one the second (one step)."""
        ed = self.editor
        if ed.stack is None:
            return False
        table = ed.stack.doc.transcript.speakers
        source = choose_speaker(ed, "Merge speakers", "Merge:", table, self._selected_speaker())
        if source is None:
            return False
        others = {k: v for k, v in table.items() if k != source}
        target = choose_speaker(ed, "Merge speakers", f"{table[source].name} into:", others)
        return target is not None and ed.stack.push(MergeSpeakers(source, target))

    def split_at_speaker_change(self) -> bool:
        """Cut the selected cue where its words change speaker."""
        ed = self.editor
        if ed.stack is None or ed.selected < 0:
            return False
        return ed.stack.push(SplitAtSpeakerChange(ed.selected))

    def set_speaker_number(self, number: int) -> bool:
        """Give the selected cues the ``number``-th speaker (a new one past the last): one step."""
        ed = self.editor
        rows = ed.selected_rows()
        if ed.stack is None or not rows:
            return False
        sid = speaker_by_number(ed.stack.doc.transcript, number)
        return ed.stack.push(SetSpeaker(rows, sid))

    def shutdown(self) -> None:
        self.finder.cancel()

    def _selected_speaker(self) -> str | None:
        ed = self.editor
        if ed.stack is None or not 0 <= ed.selected < len(ed.stack.doc):
            return None
        return ed.stack.doc[ed.selected].speaker
