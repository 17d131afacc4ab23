"""The editor in the main window: a finished transcript opens in it, edits feed the autosave."""

from __future__ import annotations

from pathlib import Path

from wavescribe.core.transcript import Segment, Transcript


def test_a_finished_transcript_opens_in_the_editor_and_edits_mark_the_job(window, tmp_path: Path):
    transcript = Transcript([Segment(0, 1000, "Hello."), Segment(1500, 2500, "World.")], "en")
    job = window.workspace.add_transcript(tmp_path / "missing.wav", transcript)
    assert window.lower_pages.currentWidget() is window.editor
    assert window.editor.model.rowCount() == 2
    before = job.revision
    window.editor.select(1)
    window.editor.actions_by_name["delete"].trigger()
    assert job.transcript.segments == [Segment(0, 1000, "Hello.")]
    assert job.revision > before
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert window.editor.undo_action in edit_menu.actions()
    window.editor.undo_action.trigger()
    assert len(job.transcript.segments) == 2
