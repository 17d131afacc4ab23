"""Speech Silero does not hear (a falsetto voice) is found by its level and decoded; the beds
between clips (mains hum, pink noise, a music-like bed) are not, and get no words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import longform_layout as lf
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.engine.unheard import unheard_stretches
from wavescribe.core.engine.worker import transcribe_in_worker
from wavescribe.core.refine.vad import detect_speech

# The falsetto clip scores at most 0.01 in Silero; hum, a music bed and pink noise around it.
ITEMS = [
    ("fleurs-en-003", 10_000, "hum"),
    ("falsetto2", 10_000, "music"),
    ("mfa_thoughts", 8_000, "noise"),
]


@pytest.fixture(scope="module")
def layout() -> lf.Layout:
    return lf.build("falsetto", ITEMS, {n: lf.real_clip(n) for n, _, _ in ITEMS})


def test_silero_misses_the_falsetto_clip_and_the_level_finds_it_not_the_beds(
    layout: lf.Layout,
) -> None:
    falsetto = layout.clips[1]
    speech = detect_speech(layout.audio)
    assert speech.speech_ms_in(falsetto.start_ms, falsetto.end_ms) == 0  # why this exists
    found = unheard_stretches(layout.audio, speech.regions)
    assert any(a < falsetto.end_ms and falsetto.start_ms < b for a, b in found), found
    for a, b, kind in layout.fillers:
        inside = [(x, y) for x, y in found if a + 300 < (x + y) / 2 < b - 300]
        assert inside == [], (kind, inside)


def test_nothing_unheard_in_beds_alone() -> None:
    n, quiet = 12 * lf.RATE, 4 * lf.RATE  # the quiet lead sets the floor the beds stand over
    for bed in (lf.mains_hum(n), lf.music_bed(n), lf.pink_noise(n, -35.0)):
        audio = np.concatenate([np.zeros(quiet, np.float32), bed]) + lf.pink_noise(
            n + quiet, lf.NOISE_FLOOR_DBFS, seed=3
        )
        assert unheard_stretches(audio, []) == []


def test_falsetto_clip_is_transcribed_and_the_beds_stay_empty(
    layout: lf.Layout, tiny_en_ggml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import _pywhispercpp as pw

    monkeypatch.setenv("WAVESCRIBE_REFINE_LITE", "1")
    ctx = pw.whisper_init_from_file_with_params(
        str(tiny_en_ggml), pw.whisper_context_default_params()
    )
    wav = lf.write(layout, tmp_path / "falsetto.wav")
    options = TranscribeOptions(language="en", threads=2, beam_size=1)
    tr: Any = transcribe_in_worker(
        ctx, str(tiny_en_ggml), str(wav), options, lambda _e: None, lambda: False
    )
    scored = lf.score(layout, tr.segments)
    assert scored["words_in_silence"] == 0, scored["words_in_silence_list"]
    assert scored["lost_clips"] == [], scored["clip_texts"]  # the falsetto clip too, through
    assert scored["repeats"] == 0  # refinement, which keeps it as speech now
    falsetto = layout.clips[1]
    unheard = tr.metadata["decoding"]["unheard_speech"]
    assert any(a < falsetto.end_ms and falsetto.start_ms < b for a, b in unheard), unheard
