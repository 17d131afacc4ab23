"""Each job keeps its own undo history: switching to another job and back loses nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt

from shared_data import JFK
from wavescribe.core.transcript import Segment, Transcript


def _transcript(word: str) -> Transcript:
    return Transcript([Segment(0, 2000, f"{word} one"), Segment(3000, 5000, f"{word} two")])


def _edit(window, row: int, text: str) -> None:
    model = window.editor.model
    assert model.setData(model.index(row, model.TEXT), text, Qt.ItemDataRole.EditRole)


def _texts(job) -> list[str]:
    return [s.text for s in job.transcript.segments]


def test_undo_history_survives_switching_jobs(window, qtbot):
    ws = window.workspace
    a = ws.add_transcript(JFK, _transcript("a"))
    qtbot.waitUntil(lambda: window.editor is not None and window.editor.model is not None)
    _edit(window, 0, "a edited")
    b = ws.add_transcript(JFK, _transcript("b"))
    qtbot.waitUntil(lambda: window.editor.stack.doc.transcript is b.transcript)
    _edit(window, 1, "b edited")
    assert window.editor.undo_action.isEnabled()

    ws.show_job(a.id)
    assert window.editor.stack.doc.transcript is a.transcript
    assert window.editor.undo_action.isEnabled()
    window.editor.undo_action.trigger()
    assert _texts(a) == ["a one", "a two"]  # A's own edit undone
    assert _texts(b) == ["b one", "b edited"]  # B untouched
    window.editor.redo_action.trigger()
    assert _texts(a) == ["a edited", "a two"]

    ws.show_job(b.id)
    window.editor.undo_action.trigger()
    assert _texts(b) == ["b one", "b two"]
    assert not window.editor.undo_action.isEnabled()  # B had one step
    assert _texts(a) == ["a edited", "a two"]


def test_a_switched_away_history_does_not_drive_the_editor(window, qtbot):
    """The editor listens to the shown job's history only (no double updates, no stale rows)."""
    ws = window.workspace
    a = ws.add_transcript(JFK, _transcript("a"))
    qtbot.waitUntil(lambda: window.editor is not None and window.editor.model is not None)
    stack_a = window.editor.stack
    b = ws.add_transcript(JFK, Transcript([Segment(0, 1000, "only")]))
    qtbot.waitUntil(lambda: window.editor.stack.doc.transcript is b.transcript)
    edits: list[object] = []
    window.editor.edited.connect(lambda: edits.append(1))
    from wavescribe.core.editing.commands import SetText

    assert stack_a.push(SetText(1, "changed while hidden"))
    assert edits == [] and window.editor.model.rowCount() == 1
    ws.show_job(a.id)
    assert window.editor.model.index(1, window.editor.model.TEXT).data() == "changed while hidden"


def test_removing_a_job_drops_its_history(window, qtbot):
    ws = window.workspace
    a = ws.add_transcript(JFK, _transcript("a"))
    qtbot.waitUntil(lambda: window.editor is not None and window.editor.model is not None)
    first = ws.edit_stack(a)
    ws.add_transcript(JFK, _transcript("b"))
    ws.remove(a.id)
    again = ws.add_transcript(JFK, _transcript("c"))
    ws.edit_stack(again)
    assert a.id not in ws._stacks and first is not ws.edit_stack(again)
