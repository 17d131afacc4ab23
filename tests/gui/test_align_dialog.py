"""File → Align Script…: real FLEURS speech, a script with a sentence not in the audio, tiny.en."""

from __future__ import annotations

from pathlib import Path

from align_speech import fleurs_layout, write_wav
from wavescribe.core.jobs import JobState

EXTRA = "This sentence was never read aloud by anyone here."


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    audio, clips = fleurs_layout([3, 9])
    wav = write_wav(tmp_path / "speech.wav", audio)
    script = tmp_path / "script.txt"
    script.write_text(f"{clips[0].text}\n\n{EXTRA}\n\n{clips[1].text}\n", encoding="utf-8")
    return wav, script


def test_align_script_opens_the_aligned_words_in_the_editor_with_the_gap_flagged(
    qtbot, make_window, tmp_path: Path
) -> None:
    wav, script = _inputs(tmp_path)
    win = make_window()
    win.align_action.trigger()
    dialog = win.align_dialog
    assert dialog.isVisible()
    dialog.media_edit.setText(str(wav))
    dialog.script_edit.setText(str(script))
    dialog.align_button.click()
    assert dialog.running and not dialog.align_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=90_000)
    job = win.workspace.shown
    assert job is not None and job.state is JobState.DONE and job.path == wav
    words = [w for s in job.transcript.segments for w in s.text.split()]
    assert words == script.read_text(encoding="utf-8").split()
    flagged = [s for s in job.transcript.segments if s.suspect]
    assert " ".join(s.text for s in flagged).split() == EXTRA.split()
    qtbot.waitUntil(
        lambda: win.editor is not None and win.lower_pages.currentWidget() is win.editor
    )
    assert "not found in the audio" in win.statusBar().currentMessage()


def test_cancel_stops_the_alignment_and_adds_nothing(qtbot, make_window, tmp_path: Path) -> None:
    wav, script = _inputs(tmp_path)
    win = make_window()
    win.align_action.trigger()
    dialog = win.align_dialog
    dialog.media_edit.setText(str(wav))
    dialog.script_edit.setText(str(script))
    dialog.align_button.click()
    qtbot.waitUntil(lambda: dialog._engine is not None, timeout=30_000)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=15_000)
    assert "cancelled" in dialog.status.text()
    assert win.workspace.jobs.rowCount() == 0
    assert dialog.align_button.isEnabled()


def test_a_missing_script_is_said_in_one_line_without_starting(make_window, tmp_path) -> None:
    wav, _ = _inputs(tmp_path)
    win = make_window()
    win.align_action.trigger()
    dialog = win.align_dialog
    dialog.media_edit.setText(str(wav))
    dialog.script_edit.setText(str(tmp_path / "nope.txt"))
    dialog.align_button.click()
    assert not dialog.running and "no such file" in dialog.status.text()
