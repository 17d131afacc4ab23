"""The waveform's peaks live beside the project: written on save, read first on open, rebuilt
when that copy is stale or damaged; unsaved jobs keep using the per-user cache."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from gui_helpers import visible_boxes
from PySide6.QtCore import QEvent, QObject

from shared_data import JFK
from wavescribe.core.audio.peaks import PeakPyramid, cache_path_for
from wavescribe.core.project.peak_cache import PeakCache
from wavescribe.core.transcript import Segment, Transcript
from wavescribe.gui import projects
from wavescribe.gui.editor.timeline.peak_loader import decode_with_peaks


def transcript() -> Transcript:
    return Transcript([Segment(0, 1500, "First cue."), Segment(1600, 3000, "Second cue.")], "en")


@pytest.fixture
def audio(tmp_path: Path) -> Path:
    """A copy of the JFK clip of this test's own (the peak caches are keyed by the audio path)."""
    path = tmp_path / "media" / "jfk.flac"
    path.parent.mkdir()
    shutil.copy(JFK, path)
    return path


class FirstPaint(QObject):
    """Notes, at the waveform's first paint with peaks, whether the audio was decoded yet."""

    def __init__(self, editor) -> None:
        super().__init__(editor)
        self.editor = editor
        self.pyramid: PeakPyramid | None = None
        self.decoded_before = False
        editor.waveform.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        wf = self.editor.waveform
        if event.type() == QEvent.Type.Paint and self.pyramid is None and wf.pyramid is not None:
            self.pyramid = wf.pyramid
            self.decoded_before = self.editor.samples is not None
        return False


def save_project(window, qtbot, monkeypatch, audio: Path, target: Path) -> None:
    monkeypatch.setattr(projects, "ask_project_save_path", lambda parent, suggested: target)
    window.workspace.add_transcript(audio, transcript())
    editor = window.editor
    qtbot.waitUntil(lambda: editor.samples is not None, timeout=30_000)  # peaks computed
    window.save_action.trigger()
    qtbot.waitUntil(lambda: cache_path_for(target).exists(), timeout=30_000)


def open_project(make_window, qtbot, target: Path):
    other = make_window()
    editor = other._ensure_editor()
    paint = FirstPaint(editor)
    other.projects.open(target)
    qtbot.waitUntil(lambda: editor.samples is not None, timeout=30_000)
    qtbot.waitUntil(lambda: paint.pyramid is not None)
    return editor, paint


def test_saving_a_project_writes_its_peaks_beside_it(window, qtbot, monkeypatch, tmp_path, audio):
    target = tmp_path / "talk.wsproj"
    save_project(window, qtbot, monkeypatch, audio, target)
    beside = tmp_path / "talk.wspeaks"
    assert cache_path_for(target) == beside
    saved = PeakPyramid.load(beside)
    shown = window.editor.waveform.pyramid
    assert saved.source is not None and saved.source.size == audio.stat().st_size
    assert saved.n_samples == shown.n_samples
    assert all(np.array_equal(a, b) for a, b in zip(saved.levels, shown.levels, strict=True))
    assert window.workspace.peak_cache.locations(audio)[0] == beside  # later peaks go there too


def test_a_reopened_project_paints_its_waveform_from_the_peaks_beside_it_before_decoding(
    window, make_window, qtbot, monkeypatch, tmp_path, audio
):
    target = tmp_path / "talk.wsproj"
    save_project(window, qtbot, monkeypatch, audio, target)
    user_copy = window.workspace.peak_cache.user_path(audio)
    shutil.rmtree(user_copy.parent)  # only the project's copy is left
    beside = cache_path_for(target)
    written = beside.stat().st_mtime_ns

    editor, paint = open_project(make_window, qtbot, target)
    assert paint.pyramid.path == beside  # read from the file beside the project...
    assert not paint.decoded_before  # ...and painted before the audio was decoded
    assert editor.waveform.pyramid is paint.pyramid  # decoding did not replace it
    assert beside.stat().st_mtime_ns == written  # nor rewrite it
    assert not user_copy.exists()  # the per-user cache is not needed


@pytest.mark.parametrize("damage", ["garbage", "truncated", "audio changed"])
def test_a_damaged_or_stale_cache_beside_the_project_is_rebuilt_quietly(
    window, make_window, qtbot, monkeypatch, tmp_path, audio, damage
):
    target = tmp_path / "talk.wsproj"
    save_project(window, qtbot, monkeypatch, audio, target)
    shutil.rmtree(window.workspace.peak_cache.user_path(audio).parent)
    beside = cache_path_for(target)
    if damage == "garbage":
        beside.write_bytes(b"not peaks at all" * 100)
    elif damage == "truncated":
        beside.write_bytes(beside.read_bytes()[:-100])
    else:
        st = audio.stat()
        os.utime(audio, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    stale = beside.read_bytes()

    editor, paint = open_project(make_window, qtbot, target)
    assert paint.pyramid.path is None  # computed from the audio, not read from the bad file
    assert paint.pyramid.n_samples == len(editor.samples)
    qtbot.waitUntil(lambda: beside.read_bytes() != stale)
    rebuilt = PeakCache().load(audio, beside)
    assert rebuilt is not None and rebuilt.path == beside
    assert not visible_boxes("errorBox")


def test_an_unsaved_job_uses_the_per_user_cache(tmp_path):
    wav = tmp_path / "a.wav"
    sf.write(wav, (np.random.default_rng(0).standard_normal(32000) * 0.1).astype("f4"), 16000)
    peaks = PeakCache(tmp_path / "user")
    assert peaks.locations(wav) == [peaks.user_path(wav)]
    _samples, computed = decode_with_peaks(peaks, wav)
    assert computed.path is None
    assert peaks.load(wav).path == peaks.user_path(wav)
    assert not list(tmp_path.glob("*.wspeaks"))


def test_peaks_computed_after_the_save_still_land_beside_the_project(tmp_path):
    wav = tmp_path / "a.wav"
    sf.write(wav, (np.random.default_rng(1).standard_normal(32000) * 0.1).astype("f4"), 16000)
    project = tmp_path / "p.wsproj"
    project.write_text("{}")  # only its existence matters here
    peaks = PeakCache(tmp_path / "user")
    peaks.remember_project(wav, project)  # saved before the editor had computed the peaks
    decode_with_peaks(peaks, wav)
    assert peaks.load(wav).path == tmp_path / "p.wspeaks"
    assert not peaks.user_path(wav).exists()
    project.unlink()  # a project that went away is never written beside
    assert peaks.locations(wav) == [peaks.user_path(wav)]
