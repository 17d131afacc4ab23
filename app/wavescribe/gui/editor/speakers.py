"""Speakers in the editor: the segment list's speaker column and the commands behind its gestures.

The column shows the speaker's name with a swatch of their colour; typing a name there assigns
it (an existing speaker of that name, else a new one); an empty name clears the speaker. Every
change goes through a core command, so it is one undo step.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QInputDialog, QWidget

from wavescribe.core.editing.speaker_commands import SetSpeaker
from wavescribe.core.transcript import Segment, Speaker, Transcript


def speaker_cell(transcript: Transcript, seg: Segment, role: int) -> Any:
    """What the speaker column shows for ``seg`` in ``role``."""
    if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
        return transcript.speaker_name(seg.speaker) or ""
    if role == Qt.ItemDataRole.DecorationRole and seg.speaker in transcript.speakers:
        return QColor(transcript.speakers[seg.speaker].colour)
    if role == Qt.ItemDataRole.ToolTipRole and seg.speaker is not None:
        return f"Speaker {seg.speaker}: type another name to reassign; 1-9 pick by number"
    return None


def set_speaker_by_name(transcript: Transcript, rows: Iterable[int], name: str) -> SetSpeaker:
    """The command that gives ``rows`` the speaker called ``name`` (new if nobody is)."""
    name = name.strip()
    if not name:
        return SetSpeaker(rows, None)
    for sid, speaker in transcript.speakers.items():
        if speaker.name == name:
            return SetSpeaker(rows, sid)
    return SetSpeaker(rows, transcript.new_speaker_id(), name)


def speaker_by_number(transcript: Transcript, number: int) -> str:
    """The id of the ``number``-th speaker (1-based, in table order), a new id past the end."""
    ids = list(transcript.speakers)
    return ids[number - 1] if number <= len(ids) else transcript.new_speaker_id()


def choose_speaker(
    parent: QWidget,
    title: str,
    label: str,
    speakers: dict[str, Speaker],
    preselect: str | None = None,
) -> str | None:
    """Ask to pick one of ``speakers`` by name; their id, or None if cancelled or none exist."""
    if not speakers:
        return None
    ids = list(speakers)
    names = [f"{speakers[k].name} ({k})" for k in ids]
    current = ids.index(preselect) if preselect in speakers else 0
    choice, ok = QInputDialog.getItem(parent, title, label, names, current, False)
    return ids[names.index(choice)] if ok and choice in names else None


def ask_text(parent: QWidget, title: str, label: str, text: str) -> str | None:
    """One line of text from the user, or None if cancelled."""
    answer, ok = QInputDialog.getText(parent, title, label, text=text)
    return answer if ok else None
