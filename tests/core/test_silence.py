"""The shared quiet-finding pieces: frame levels, runs of a mask, gaps around regions."""

from __future__ import annotations

import numpy as np
import pytest

from shared_data import JFK
from wavescribe.core.audio.silence import frame_rms, gaps, quietest_frame, runs, silences


def test_runs_of_a_mask_are_first_indices_and_exclusive_ends() -> None:
    starts, ends = runs(np.array([False, True, True, False, True]))
    assert starts.tolist() == [1, 4] and ends.tolist() == [3, 5]
    starts, ends = runs(np.ones(3, bool))
    assert starts.tolist() == [0] and ends.tolist() == [3]
    assert runs(np.zeros(4, bool))[0].size == 0 and runs(np.zeros(0, bool))[0].size == 0


def test_gaps_lie_around_regions_that_may_touch_or_overlap() -> None:
    regions = [(100, 200), (200, 300), (250, 400), (600, 700)]
    assert gaps(regions, 1000) == [(0, 100), (400, 600), (700, 1000)]
    assert gaps(regions, 1000, min_ms=250) == [(700, 1000)]
    assert gaps([], 500) == [(0, 500)] and gaps([(0, 500)], 500) == []


def test_frame_rms_counts_a_short_last_frame_only_when_asked() -> None:
    x = np.full(250, 0.5, np.float32)
    assert frame_rms(x, 100).tolist() == pytest.approx([0.5, 0.5, 0.5 * np.sqrt(0.5)])
    assert frame_rms(x, 100, partial=False).tolist() == pytest.approx([0.5, 0.5])
    assert frame_rms(x[:50], 100, partial=False).size == 0


def test_the_quietest_frame_is_a_whole_one() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(0, 0.1, 1050).astype(np.float32)
    x[300:400] *= 0.01  # frame 3 is quiet
    x[1000:] = 0  # a silent half frame at the end does not count
    assert quietest_frame(x, 100) == 3


def test_silences_of_real_speech_lie_between_its_phrases() -> None:
    """JFK (with room noise): the level finds the pauses Silero finds, give or take its edges."""
    from wavescribe.core.audio.load import load_audio
    from wavescribe.core.refine.vad import detect_speech

    audio, _ = load_audio(JFK)
    found = silences(audio, threshold_db=-25)
    speech = detect_speech(audio)
    assert speech.method == "silero-onnx" and len(found) >= 3
    for a, b in found:
        assert b - a >= 300
        assert speech.speech_ms_in(a, b) <= 150, (a, b, speech.regions)
