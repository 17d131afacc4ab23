"""Display gain: a quiet recording's waveform is drawn taller; the samples are never touched."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from shared_data import JFK
from wavescribe.core.audio.load import load_audio
from wavescribe.core.audio.peaks import FULL_SCALE, PeakPyramid
from wavescribe.core.transcript import Segment, Transcript
from wavescribe.gui.editor.timeline.display_gain import AUTO, effective_gain, file_peak
from wavescribe.gui.editor.timeline.paint import WAVE


def _wave_pixels(editor) -> int:
    """How many pixels the wave covers in what the waveform paints."""
    image = editor.waveform.grab().toImage()
    arr = np.frombuffer(image.constBits(), np.uint32, image.width() * image.height())
    return int(np.count_nonzero(arr == WAVE.rgba()))


def test_gain_changes_the_drawn_peaks_not_the_samples(window, qtbot, tmp_path):
    samples, _ = load_audio(JFK)
    quiet = tmp_path / "quiet.wav"
    sf.write(quiet, samples * 0.02, 16000)  # about -40 dBFS: a flat line at gain 1
    window.workspace.add_transcript(quiet, Transcript([Segment(300, 4000, "And so")]))
    qtbot.waitUntil(lambda: window.editor is not None and window.editor.samples is not None)
    editor = window.editor
    qtbot.waitUntil(lambda: editor.waveform.pyramid is not None)
    before = editor.samples.copy()
    normal = _wave_pixels(editor)

    [gain] = [a.menu() for a in window.view_menu.actions() if a.text() == "Waveform &Gain"]
    by_label = {a.text(): a for a in gain.actions()}
    by_label["×&4"].trigger()
    four = _wave_pixels(editor)
    by_label["&Auto (fit the loudest peak)"].trigger()
    auto = _wave_pixels(editor)
    assert normal < four < auto  # drawn taller each time
    assert np.array_equal(editor.samples, before)  # what plays and refines is unchanged
    assert np.array_equal(editor.player.samples, before)

    by_label["&Normal"].trigger()
    assert _wave_pixels(editor) == normal


def test_auto_gain_fits_the_loudest_peak():
    samples, _ = load_audio(JFK)
    pyramid = PeakPyramid.compute(samples * 0.1, 16000)
    peak = file_peak(pyramid)
    assert abs(peak - np.abs(samples * 0.1).max() * FULL_SCALE) <= 2
    gain = effective_gain(AUTO, pyramid)
    assert abs(gain * peak - 0.95 * FULL_SCALE) < 0.01 * FULL_SCALE
    assert effective_gain(2.0, pyramid) == 2.0
    silent = PeakPyramid.compute(np.zeros(16000, np.float32), 16000)
    assert effective_gain(AUTO, silent) == 1.0
