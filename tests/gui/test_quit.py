"""Quitting never loses work: Save / Discard / Cancel for unsaved edits, a modified marker,
finished transcripts kept across restarts, and an autosave shortly after each edit.

Real windows, real dialogs (answered by clicking their buttons), real files in the data folder.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from gui_helpers import visible_boxes, wait_state
from PySide6.QtWidgets import QMessageBox

from shared_data import JFK
from wavescribe.core.jobs import JobState
from wavescribe.core.project.autosave import AutosaveStore
from wavescribe.core.project.project_file import Project
from wavescribe.core.transcript import Segment, Transcript
from wavescribe.gui import projects


def two_cues() -> Transcript:
    return Transcript([Segment(0, 1500, "First cue."), Segment(1600, 3000, "Second cue.")], "en")


def delete_first_cue(window) -> None:
    """An edit as the user makes it: select the first cue in the editor and delete it."""
    window.editor.select(0)
    window.editor.actions_by_name["delete"].trigger()


def quit_box(qtbot, window) -> QMessageBox:
    window.quit_action.trigger()  # Ctrl+Q
    qtbot.waitUntil(lambda: bool(visible_boxes("quitBox")))
    [box] = visible_boxes("quitBox")
    return box


def restart(make_window, qtbot):
    """A new window, started as the app starts: kept transcripts and crashes are looked for."""
    window = make_window()
    window.projects.offer_recovery()
    return window


def texts(job) -> list[str]:
    return [s.text for s in job.transcript.segments]


def test_an_edit_marks_the_title_and_quitting_asks_cancel_keeps_the_app_open(window, qtbot):
    job = window.workspace.add_transcript(JFK, two_cues())
    assert window.windowTitle() == "jfk.flac[*] — Wavescribe"
    assert not window.isWindowModified()  # as transcribed: nothing unsaved yet

    delete_first_cue(window)
    assert window.isWindowModified()

    box = quit_box(qtbot, window)
    assert "1 transcript" in box.text() and "jfk.flac" in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(100)
    assert window.isVisible() and window.isWindowModified()
    assert texts(job) == ["Second cue."]


def test_save_in_the_quit_dialog_saves_every_project_then_quits(
    window, make_window, qtbot, tmp_path, monkeypatch
):
    other_audio = tmp_path / "speech.flac"
    shutil.copy(JFK, other_audio)
    opened = tmp_path / "opened.wsproj"
    Project.for_audio(JFK, two_cues()).save(opened)
    window.projects.open(opened)
    qtbot.waitUntil(lambda: window.workspace.shown is not None)
    delete_first_cue(window)
    window.workspace.add_transcript(other_audio, two_cues())  # never saved
    delete_first_cue(window)
    asked: list[Path] = []

    def ask(parent, suggested: Path) -> Path:
        asked.append(suggested)
        return tmp_path / "new.wsproj"

    monkeypatch.setattr(projects, "ask_project_save_path", ask)

    box = quit_box(qtbot, window)
    assert "2 transcripts" in box.text()
    assert "jfk.flac" in box.informativeText() and "speech.flac" in box.informativeText()
    box.button(QMessageBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not window.isVisible())

    assert [p.name for p in asked] == ["speech.wsproj"]  # only the never-saved one asks
    assert [s.text for s in Project.load(opened).transcript.segments] == ["Second cue."]
    saved = Project.load(tmp_path / "new.wsproj")
    assert saved.audio_path == other_audio and len(saved.transcript.segments) == 1
    # Both come back at the next start, saved: no marker, no question.
    again = restart(make_window, qtbot)
    qtbot.waitUntil(lambda: len(again.workspace.jobs.jobs) == 2)
    assert not again.projects.unsaved_jobs() and not again.isWindowModified()


def test_discard_quits_and_forgets_only_the_discarded_transcript(window, make_window, qtbot):
    window.workspace.add_transcript(JFK, Transcript([Segment(0, 900, "Kept cue.")]))
    window.workspace.add_transcript(JFK, two_cues())
    delete_first_cue(window)

    box = quit_box(qtbot, window)
    assert "1 transcript" in box.text()
    box.button(QMessageBox.StandardButton.Discard).click()
    qtbot.waitUntil(lambda: not window.isVisible())

    again = restart(make_window, qtbot)
    qtbot.waitUntil(lambda: len(again.workspace.jobs.jobs) == 1)
    qtbot.wait(200)
    [job] = again.workspace.jobs.jobs
    assert texts(job) == ["Kept cue."] and job.state is JobState.DONE
    assert not visible_boxes("recoveryBox")  # a clean exit is no crash


def test_a_finished_transcript_is_kept_across_restarts_until_removed(window, make_window, qtbot):
    [job] = window.workspace.add_files([JFK])
    wait_state(qtbot, job, JobState.DONE)
    assert not window.isWindowModified()
    window.close()  # nothing unsaved and nothing running: no question
    assert not window.isVisible()
    assert [i.audio_path for i in AutosaveStore().kept()] == [JFK]

    again = restart(make_window, qtbot)
    qtbot.waitUntil(lambda: len(again.workspace.jobs.jobs) == 1)
    [back] = again.workspace.jobs.jobs
    assert back.state is JobState.DONE and "fellow americans" in back.transcript.text.lower()
    assert not again.workspace.bridge.is_busy()  # not transcribed again
    assert again.workspace.shown is back and not again.isWindowModified()
    assert again.statusBar().currentMessage() == "Restored 1 transcript from last time"
    qtbot.waitUntil(lambda: not AutosaveStore().kept(), timeout=10_000)  # now this session's

    again.workspace.remove(back.id)  # the user lets it go
    again.close()
    assert AutosaveStore().kept() == [] and AutosaveStore().pending() == []


def test_an_edit_is_autosaved_within_two_seconds_and_a_crash_gives_it_back(make_window, qtbot):
    crashed = make_window()
    job = crashed.workspace.add_transcript(JFK, two_cues())
    delete_first_cue(crashed)
    folder = Path(os.environ["WAVESCRIBE_DATA_DIR"]) / "autosave"

    def autosaved() -> list[str]:
        files = list(folder.glob("*.wsproj")) if folder.is_dir() else []
        if not files:
            return []
        [file] = files
        return [s["text"] for s in json.loads(file.read_text())["transcript"]["segments"]]

    # The periodic autosave comes every 10 s; the one after an edit within about 1.5 s.
    assert projects.ProjectActions.AUTOSAVE_DEBOUNCE_MS <= 2000
    qtbot.waitUntil(lambda: autosaved() == ["Second cue."], timeout=3000)
    assert texts(job) == ["Second cue."]

    # The crash: the window is dropped without a clean exit, and its process is gone (the lock
    # now names a process that started at another time: what a reused PID looks like).
    crashed.hide()
    crashed.workspace.shutdown()
    for lock in folder.glob("*.lock"):
        lock.write_text(json.dumps({"pid": os.getpid(), "started": "0"}))

    window = restart(make_window, qtbot)
    qtbot.waitUntil(lambda: bool(visible_boxes("recoveryBox")))
    [box] = visible_boxes("recoveryBox")
    assert "jfk.flac: 1 subtitles" in box.informativeText()
    box.buttons()[0].click()  # "Recover"
    qtbot.waitUntil(lambda: window.workspace.shown is not None)
    recovered = window.workspace.shown
    assert recovered.path == JFK and texts(recovered) == ["Second cue."]
    assert window.isWindowModified()  # in no project file yet: quitting would ask


def test_quitting_while_transcribing_stops_the_file_and_keeps_the_finished_one(
    window, make_window, qtbot, long_speech_wav
):
    done, running = window.workspace.add_files([JFK, long_speech_wav])
    wait_state(qtbot, done, JobState.DONE)
    qtbot.waitUntil(lambda: running.state.running, timeout=60_000)

    box = quit_box(qtbot, window)
    assert "still being transcribed" in box.text()
    assert "finished transcripts are kept" in box.informativeText()
    [quit_button] = [b for b in box.buttons() if b.text() == "Quit"]
    quit_button.click()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert not window.workspace.bridge.is_busy()

    again = restart(make_window, qtbot)
    qtbot.waitUntil(lambda: len(again.workspace.jobs.jobs) == 1)
    [back] = again.workspace.jobs.jobs
    assert back.path == JFK and "fellow americans" in back.transcript.text.lower()


def test_removing_an_edited_transcript_from_the_list_asks_first(window, qtbot):
    kept = window.workspace.add_transcript(JFK, two_cues())
    edited = window.workspace.add_transcript(JFK, two_cues())
    delete_first_cue(window)

    window.remove_job(kept.id)  # unedited: gone at once
    assert window.workspace.jobs.jobs == [edited]
    window.clear_action.trigger()
    qtbot.waitUntil(lambda: bool(visible_boxes("forgetBox")))
    [box] = visible_boxes("forgetBox")
    assert "unsaved changes" in box.text() and "jfk.flac" in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(50)
    assert window.workspace.jobs.jobs == [edited]

    window.remove_job(edited.id)
    qtbot.waitUntil(lambda: bool(visible_boxes("forgetBox")))
    [remove] = [b for b in visible_boxes("forgetBox")[0].buttons() if b.text() == "Remove"]
    remove.click()
    qtbot.waitUntil(lambda: not window.workspace.jobs.jobs)


def test_a_declined_save_path_keeps_the_app_open(window, qtbot, monkeypatch):
    window.workspace.add_transcript(JFK, two_cues())
    delete_first_cue(window)
    monkeypatch.setattr(projects, "ask_project_save_path", lambda parent, suggested: None)
    box = quit_box(qtbot, window)
    box.button(QMessageBox.StandardButton.Save).click()
    qtbot.wait(100)
    assert window.isVisible() and window.isWindowModified()
    assert window.statusBar().currentMessage() == "Quit cancelled: not every transcript was saved"


def test_undoing_back_to_the_saved_state_clears_the_modified_marker(
    window, qtbot, tmp_path, monkeypatch
):
    window.workspace.add_transcript(JFK, two_cues())
    delete_first_cue(window)
    assert window.isWindowModified()
    window.editor.stack.undo()  # back to the transcript as it came: nothing unsaved
    assert not window.isWindowModified()
    window.editor.stack.redo()
    assert window.isWindowModified()

    # Saved with the cue deleted: that state is the new save point.
    target = tmp_path / "saved.wsproj"
    monkeypatch.setattr(projects, "ask_project_save_path", lambda *a: target)
    window.projects.save()
    qtbot.waitUntil(lambda: not window.isWindowModified())
    window.editor.stack.undo()  # the deleted cue is back: differs from the file
    assert window.isWindowModified()
    window.editor.stack.redo()  # as saved again
    assert not window.isWindowModified()
    assert not window.projects.unsaved_jobs()
