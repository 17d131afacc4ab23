"""After a job is cancelled or fails: its row and the status bar show the end, Retry runs it again,
and a file that failed stays out of Open Recent. A file without speech says so.

Real engine (tiny.en), real files, the real table painted offscreen.
"""

from __future__ import annotations

import shutil
import wave

import numpy as np
from gui_helpers import cell_center, visible_boxes, wait_state
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from shared_data import JFK
from wavescribe.core.jobs import JobState
from wavescribe.gui import settings
from wavescribe.gui.jobs import JobQueueModel


def highlight_pixels(table, row: int) -> int:
    """How many pixels of ``row``'s progress cell are painted in the highlight (busy blue).

    The selection is cleared first: a selected row's cells have the highlight behind them.
    """
    table.clearSelection()
    index = table.model().index(row, JobQueueModel.PROGRESS)
    image = table.viewport().grab(table.visualRect(index)).toImage()
    blue = table.palette().color(QPalette.ColorRole.Highlight)
    count = 0
    for y in range(image.height()):
        for x in range(image.width()):
            c = QColor(image.pixel(x, y))
            if (
                abs(c.red() - blue.red())
                + abs(c.green() - blue.green())
                + abs(c.blue() - blue.blue())
                < 30
            ):
                count += 1
    return count


def click_button(qtbot, table, row: int) -> None:
    """Click the push button drawn in the row's last cell (Cancel or Retry)."""
    pos = cell_center(table, row, JobQueueModel.CANCEL)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_a_cancelled_job_ends_grey_says_so_and_can_be_retried(window, qtbot, long_speech_wav):
    ws, table, model = window.workspace, window.job_table, window.workspace.jobs
    [job] = ws.add_files([long_speech_wav])
    qtbot.waitUntil(lambda: bool(job.segments), timeout=120_000)  # surely mid-transcription
    assert highlight_pixels(table, 0) > 0  # running: the bar is blue (the check can see it)

    click_button(qtbot, table, 0)  # Cancel
    wait_state(qtbot, job, JobState.CANCELLED, timeout=10)
    qtbot.wait(50)  # a repaint
    assert highlight_pixels(table, 0) == 0  # grey and still, not blue
    assert model.index(0, JobQueueModel.PROGRESS).data().startswith("Stopped at ")
    assert window.statusBar().currentMessage() == "long.wav: cancelled"
    assert model.index(0, JobQueueModel.CANCEL).data() == "Retry"
    assert settings.recent_files() == [str(long_speech_wav.resolve())]  # it was readable

    click_button(qtbot, table, 0)  # Retry
    assert job.state is JobState.QUEUED and job.progress == 0 and not job.segments
    assert model.index(0, JobQueueModel.CANCEL).data() == "Cancel"
    assert window.statusBar().currentMessage() == "long.wav: queued again"
    qtbot.waitUntil(lambda: bool(job.segments), timeout=120_000)  # it runs again, same row
    assert len(model.jobs) == 1
    ws.cancel(job.id)
    wait_state(qtbot, job, JobState.CANCELLED, timeout=10)
    assert not visible_boxes("errorBox")


def test_a_failed_file_is_not_recent_and_retry_from_the_menu_transcribes_it(
    window, qtbot, tmp_path
):
    late = tmp_path / "late.flac"  # not there yet: the job fails
    ws, table, model = window.workspace, window.job_table, window.workspace.jobs
    [job] = ws.add_files([late])
    wait_state(qtbot, job, JobState.FAILED)
    qtbot.waitUntil(lambda: bool(visible_boxes("errorBox")))
    visible_boxes("errorBox")[0].close()
    assert window.statusBar().currentMessage().startswith("late.flac: failed — ")
    assert "%" not in window.statusBar().currentMessage()
    assert model.index(0, JobQueueModel.STATE).data() == "Failed"
    assert model.index(0, JobQueueModel.CANCEL).data() == "Retry"
    assert highlight_pixels(table, 0) == 0
    assert settings.recent_files() == []  # a file that failed is not offered again

    shutil.copy(JFK, late)  # the user puts the file back
    menu = table.context_menu_for(0)
    [retry] = [a for a in menu.actions() if a.text() == "Retry"]
    retry.trigger()
    menu.close()
    wait_state(qtbot, job, JobState.DONE, JobState.FAILED)
    assert job.state is JobState.DONE, job.error
    assert "fellow americans" in job.transcript.text.lower() and job.error is None
    assert model.index(0, JobQueueModel.CANCEL).data() == ""
    assert settings.recent_files() == [str(late.resolve())]


def test_the_menu_of_a_running_or_done_job_offers_no_retry(window, qtbot):
    [job] = window.workspace.add_files([JFK])
    names = [a.text() for a in window.job_table.context_menu_for(0).actions()]
    assert "Cancel" in names and "Retry" not in names
    wait_state(qtbot, job, JobState.DONE)
    names = [a.text() for a in window.job_table.context_menu_for(0).actions()]
    assert "Retry" not in names and "Cancel" not in names


def test_a_file_with_no_speech_says_no_speech_found(window, qtbot, tmp_path):
    hiss = tmp_path / "hiss.wav"  # four seconds of faint noise: nothing to transcribe
    noise = np.random.default_rng(1).normal(0, 300, 16000 * 4).astype(np.int16)
    with wave.open(str(hiss), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(noise.tobytes())
    [job] = window.workspace.add_files([hiss])
    wait_state(qtbot, job, JobState.DONE, JobState.FAILED)
    assert job.state is JobState.DONE and job.transcript.segments == []
    model = window.workspace.jobs
    assert model.index(0, JobQueueModel.STATE).data() == "No speech found"
    assert window.statusBar().currentMessage() == "hiss.wav: no speech found"
    assert "no speech found" in window.transcript_title.text()
