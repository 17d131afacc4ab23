"""Projects from the window: save, re-open, find moved audio, and recover after a kill."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gui_helpers import visible_boxes, wait_state

from shared_data import JFK
from wavescribe.core.jobs import JobState
from wavescribe.core.project.autosave import AutosaveStore
from wavescribe.core.transcript import Segment, Transcript
from wavescribe.gui import projects


def transcript() -> Transcript:
    return Transcript([Segment(0, 1500, "First cue."), Segment(1600, 3000, "Second cue.")], "en")


def test_save_then_open_gives_back_the_transcript_and_its_audio(
    window, make_window, qtbot, monkeypatch, tmp_path
):
    target = tmp_path / "talk.wsproj"
    monkeypatch.setattr(projects, "ask_project_save_path", lambda parent, suggested: target)
    window.workspace.add_transcript(JFK, transcript())
    window.save_action.trigger()
    qtbot.waitUntil(target.exists)

    other = make_window()
    other.projects.open(target)
    qtbot.waitUntil(lambda: other.workspace.shown is not None)
    job = other.workspace.shown
    assert job.state is JobState.DONE and job.path == JFK
    assert [s.text for s in other.transcript_view.model().segments] == ["First cue.", "Second cue."]
    assert other.save_action.isEnabled()


def test_a_dropped_project_file_opens_as_a_project(window, qtbot, tmp_path, monkeypatch):
    from gui_helpers import drop_files

    from wavescribe.core.project.project_file import Project

    path = tmp_path / "dropped.wsproj"
    Project.for_audio(JFK, transcript()).save(path)
    window.workspace.add_transcript(JFK, Transcript([Segment(0, 900, "Already here.")]))
    assert window.pages.currentWidget() is window.splitter  # the drop lands on the tables now
    drop_files(window, path)
    qtbot.waitUntil(lambda: len(window.workspace.jobs.jobs) == 2)
    assert window.workspace.shown.transcript.segments[1].text == "Second cue."
    assert window.workspace.bridge.is_busy() is False  # nothing was sent to the engine


def test_opening_a_project_whose_audio_moved_asks_for_it(window, qtbot, tmp_path, monkeypatch):
    from wavescribe.core.project.project_file import Project

    audio = tmp_path / "old" / "speech.flac"
    audio.parent.mkdir()
    shutil.copy(JFK, audio)
    project_file = tmp_path / "elsewhere" / "p.wsproj"
    project_file.parent.mkdir()
    Project.for_audio(audio, transcript()).save(project_file)
    moved = tmp_path / "new" / "speech.flac"
    moved.parent.mkdir()
    audio.rename(moved)
    monkeypatch.setattr(projects, "ask_audio_path", lambda parent, missing: moved)

    window.projects.open(project_file)
    qtbot.waitUntil(lambda: bool(visible_boxes("audioMovedBox")))
    [box] = visible_boxes("audioMovedBox")
    assert "speech.flac" in box.text()
    box.buttons()[0].click()  # "Find the Audio…"
    qtbot.waitUntil(lambda: window.workspace.shown is not None)
    assert window.workspace.shown.path == moved


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_after_the_app_is_killed_the_next_start_offers_its_transcript_back(
    make_window, qtbot, tmp_path, models_dir_with_tiny
):
    data = Path(os.environ["WAVESCRIBE_DATA_DIR"])
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "killed-app-config"),
    }
    app = subprocess.Popen(
        [sys.executable, "-m", "wavescribe.gui", str(JFK)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not list((data / "autosave").glob("*.wsproj")):
            assert app.poll() is None, "the app exited by itself"
            assert time.monotonic() < deadline, "no autosave appeared"
            time.sleep(0.2)
    finally:
        os.killpg(app.pid, signal.SIGKILL)  # the app and its engine, with no chance to clean up
        app.wait()
    assert AutosaveStore().pending()

    window = make_window()
    window.projects.offer_recovery()
    qtbot.waitUntil(lambda: bool(visible_boxes("recoveryBox")))
    [box] = visible_boxes("recoveryBox")
    assert "jfk.flac" in box.informativeText()
    box.buttons()[0].click()  # "Recover"
    qtbot.waitUntil(lambda: window.workspace.shown is not None)
    job = window.workspace.shown
    assert job.path == JFK and "fellow americans" in job.transcript.text.lower()
    # The recovered transcript is now this session's; the killed session's copy goes away.
    qtbot.waitUntil(lambda: not AutosaveStore().pending(), timeout=10_000)
    wait_state(qtbot, job, JobState.DONE)
