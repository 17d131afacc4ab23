"""The pieces on their own: job progress and ETA, the transcript table, error wording, theme."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QWidget

from wavescribe.core import errors
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.humanize import format_clock, format_ms
from wavescribe.core.jobs import Job, JobState, overall_progress
from wavescribe.core.transcript import Segment, Transcript
from wavescribe.gui import theme
from wavescribe.gui.editor.transcript_view import TranscriptView
from wavescribe.gui.errors import ErrorBox, explain, present, show_error
from wavescribe.gui.jobs import JobQueueModel


# -- jobs ---------------------------------------------------------------------------------
def test_one_progress_bar_spans_decode_transcribe_and_refine():
    assert overall_progress("decode", 1.0, refine=True) == pytest.approx(0.08)
    assert overall_progress("transcribe", 0.5, refine=True) == pytest.approx(0.49)
    assert overall_progress("refine", 1.0, refine=True) == 1.0
    assert overall_progress("transcribe", 1.0, refine=False) == 1.0
    assert overall_progress("load", 0.5, refine=True) is None  # no fraction: a busy bar


def test_eta_comes_from_the_pace_once_transcription_is_under_way():
    job = Job(1, Path("a.wav"), TranscribeOptions())
    job.state, job.started_at, job.progress = JobState.TRANSCRIBING, 100.0, 0.25
    assert job.elapsed(now=110.0) == 10.0
    assert job.eta(now=110.0) == pytest.approx(30.0)
    job.progress = 0.05
    assert job.eta(now=110.0) is None  # too early to judge
    assert format_clock(75) == "1:15" and format_clock(3725) == "1:02:05"


def test_queue_model_follows_the_bridge_signals(qapp):
    model = JobQueueModel()
    job = model.add("talk.wav", TranscribeOptions(refine=False))
    model._on_started(job.id)
    model._on_progress(job.id, "model", 0.5)
    assert job.state is JobState.PREPARING_MODEL
    assert model.index(0, JobQueueModel.PROGRESS).data() == "50 %"
    model._on_progress(job.id, "load", 0.0)
    assert model.index(0, JobQueueModel.PROGRESS).data(JobQueueModel.ProgressRole) is None
    model._on_probed(job.id, type("Info", (), {"duration_ms": 10_000})())
    model._on_progress(job.id, "transcribe", 0.0)
    model._on_segment(job.id, Segment(0, 5000, "half way"))
    assert job.progress == pytest.approx(0.54)  # segments move the bar between coarse updates
    model._on_finished(job.id, Transcript([Segment(0, 5000, "half way")]))
    assert job.state is JobState.DONE and job.progress == 1.0
    assert model.index(0, JobQueueModel.CANCEL).data() == ""
    model.clear_finished()
    assert model.rowCount() == 0


# -- transcript view ----------------------------------------------------------------------
def test_transcript_table_shows_times_duration_and_reading_speed(qtbot):
    view = TranscriptView()
    qtbot.addWidget(view)
    view.show_segments(
        [Segment(1500, 3500, "Twenty characters!!!"), Segment(3600_000, 3600_000, "x")]
    )
    m = view.model()
    row = [m.index(0, c).data() for c in range(m.columnCount())]
    assert row == ["00:01.500", "00:03.500", "2.00", "10.0", "Twenty characters!!!"]
    assert m.index(1, 0).data() == "1:00:00.000" and m.index(1, 3).data() == "∞"
    assert m.index(1, 3).data(Qt.ItemDataRole.ForegroundRole) is not None  # too fast: tinted
    assert format_ms(-250) == "-00:00.250"


def test_clicking_a_row_selects_that_cue(qtbot):
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    view.show_segments([Segment(i * 1000, i * 1000 + 900, f"cue {i}") for i in range(5)])
    with qtbot.waitSignal(view.segment_selected) as picked:
        rect = view.visualRect(view.model().index(3, 4))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert picked.args == [3] and view.selected_row() == 3


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exc", "title_word"),
    [
        (errors.InputNotFound("x.wav does not exist"), "opened"),
        (errors.UnsupportedAudio("x.txt is not audio"), "audio"),
        (errors.CorruptAudio("x.wav is empty"), "damaged"),
        (errors.ModelNotFound("no model"), "model"),
        (errors.ModelCorrupt("bad header"), "model"),
        (errors.EngineCrashed("killed by SIGSEGV"), "crashed"),
        (errors.EngineError("out of memory while transcribing x"), "memory"),
        (MemoryError(), "memory"),
        (PermissionError(13, "Permission denied"), "written"),
    ],
)
def test_every_core_error_says_what_happened_and_what_to_do(exc, title_word):
    info = explain(exc)
    assert title_word in info.title.lower()
    assert info.advice and not info.technical


@pytest.mark.parametrize("kind", list(errors.HintKind))
def test_the_cores_hint_is_phrased_for_a_window_user(kind):
    info = explain(
        errors.ModelNotFound("No speech model is installed.", hint=errors.Hint(kind, "m"))
    )
    assert info.detail == "No speech model is installed."
    assert "wavescribe models" not in info.advice and "`" not in info.advice  # no commands


def test_a_missing_model_sends_a_window_user_to_the_models_dialog():
    exc = errors.ModelNotFound(
        "No speech model is installed.", hint=errors.Hint(errors.HintKind.GET_A_MODEL, "base")
    )
    assert explain(exc).advice.startswith("Open Tools → Models… to download a model (base")
    exc = errors.ModelNotFound(
        "Model 'tiny' is not installed.", hint=errors.Hint(errors.HintKind.DOWNLOAD_MODEL, "tiny")
    )
    assert explain(exc).advice == "Open Tools → Models… and download tiny."


def test_an_unexpected_exception_is_reported_as_a_bug_with_its_traceback():
    try:
        raise KeyError("segments")
    except KeyError as exc:
        info = explain(exc)
    assert "bug" in info.advice and "Traceback" in info.technical


def test_errors_arriving_together_share_one_dialog(qtbot):
    show_error(None, errors.CorruptAudio("a.wav is empty"), "a.wav")
    show_error(None, errors.UnsupportedAudio("b.txt is not audio"), "b.txt")
    boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "errorBox"]
    visible = [b for b in boxes if b.isVisible()]
    assert len(visible) == 1
    assert visible[0].text() == "2 problems"
    assert "a.wav" in visible[0].informativeText() and "b.txt" in visible[0].informativeText()
    visible[0].close()
    box = present(None, explain(errors.Cancelled("x")))
    assert box.text() == "Cancelled"  # a new box once the old one is gone
    box.close()


def test_each_window_gathers_its_own_errors(qtbot):
    """The box belongs to its window (no module-level box): two windows, two boxes."""
    first, second = QWidget(), QWidget()
    for w in (first, second):
        qtbot.addWidget(w)
        w.show()
    show_error(first, errors.CorruptAudio("a.wav is empty"), "a.wav")
    show_error(second, errors.CorruptAudio("b.wav is empty"), "b.wav")
    show_error(first, errors.UnsupportedAudio("c.txt is not audio"), "c.txt")
    [box1] = first.findChildren(ErrorBox)
    [box2] = second.findChildren(ErrorBox)
    assert box1.text() == "2 problems" and "c.txt" in box1.informativeText()
    assert box2.text().startswith("b.wav") and "c.txt" not in box2.informativeText()
    box1.close()
    box2.close()


# -- theme --------------------------------------------------------------------------------
def test_a_dark_system_scheme_gets_a_dark_palette(qapp):
    before = qapp.palette()
    try:
        theme.apply_scheme(qapp, Qt.ColorScheme.Dark)
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 128
    finally:
        qapp.setPalette(before)
        qapp.setProperty("wavescribeDark", False)
