"""The two refinement paths (stable-ts on torch, and lite as the packaged app) agree on real speech.

Both find speech with the one Silero runtime (ONNX); the full path adds stable-ts's silence
suppression on top. Real recordings from the shared data: JFK and FLEURS English read speech.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from shared_data import DATA, JFK
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Transcript

RULES = SubtitleRules()
CLIPS = [JFK, *(DATA / "speech" / "fleurs" / f"fleurs-en-00{i}.ogg" for i in range(3))]
TOLERANCE_MS = 5  # measured: every cue edge equal on these clips
# Words inside a region come from the forced alignment (10 ms frames) of a stretch whose edges
# stable-ts may move by a few ms: a frame or two apart (measured: at most 20 ms).
WORD_TOLERANCE_MS = 30


@pytest.fixture(scope="module")
def raw(tiny_en_ggml: Path) -> dict[Path, Transcript]:
    from wavescribe.core.engine.client import Engine
    from wavescribe.core.engine.options import TranscribeOptions

    with Engine(tiny_en_ggml) as engine:
        return {clip: engine.transcribe(clip, TranscribeOptions(refine=False)) for clip in CLIPS}


def _edges(t: Transcript) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in t.segments]


@pytest.mark.parametrize("clip", CLIPS, ids=lambda p: p.stem)
def test_full_and_lite_refinement_time_real_speech_alike(raw, clip: Path, monkeypatch) -> None:
    from wavescribe.core.audio.load import load_audio
    from wavescribe.core.refine.pipeline import refine_transcript
    from wavescribe.core.refine.vad import load_silero_onnx

    audio, _ = load_audio(clip)
    transcript = raw[clip]
    load_silero_onnx()  # found through silero_vad's import spec, before that is blocked:
    # the full path needs no Silero on torch; importing silero_vad would fail from here on, and
    # speech detection fall back to "loudness".
    monkeypatch.setitem(sys.modules, "silero_vad", None)
    full = refine_transcript(transcript, audio, RULES, lite=False)
    lite = refine_transcript(transcript, audio, RULES, lite=True)
    assert full.metadata["refinement"]["method"] == "silero-onnx, stable-ts"
    assert lite.metadata["refinement"]["method"] == "silero-onnx, no stable-ts"
    assert [s.text for s in full.segments] == [s.text for s in lite.segments]
    assert len(full.segments) >= 2
    for (a0, a1), (b0, b1) in zip(_edges(full), _edges(lite), strict=True):
        assert abs(a0 - b0) <= TOLERANCE_MS and abs(a1 - b1) <= TOLERANCE_MS, (clip.name, a0, b0)
    full_words = [t for s in full.segments for w in s.words for t in (w.start, w.end)]
    lite_words = [t for s in lite.segments for w in s.words for t in (w.start, w.end)]
    assert max(abs(a - b) for a, b in zip(full_words, lite_words, strict=True)) <= WORD_TOLERANCE_MS
