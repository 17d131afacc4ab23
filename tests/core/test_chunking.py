"""Long audio is fed to whisper.cpp in pieces cut at quiet points."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import speech_synth as synth
from wavescribe.core.engine.chunking import plan_chunks
from wavescribe.core.engine.client import Engine
from wavescribe.core.engine.options import TranscribeOptions


def test_short_audio_is_one_piece():
    assert plan_chunks(np.zeros(16000 * 30, np.float32)) == [(0, 16000 * 30)]


def test_pieces_cover_everything_in_order_and_respect_the_limit():
    rng = np.random.default_rng(1)
    audio = rng.standard_normal(16000 * 95).astype(np.float32)
    chunks = plan_chunks(audio, max_s=20, search_s=5)
    assert chunks[0][0] == 0 and chunks[-1][1] == len(audio)
    assert all(a < b for a, b in chunks)
    assert all(b1 == a2 for (_, b1), (a2, _) in itertools.pairwise(chunks))
    assert all(b - a <= 20 * 16000 for a, b in chunks)


def test_cuts_fall_in_the_quietest_moment():
    audio = np.full(16000 * 50, 0.5, np.float32)
    audio[16000 * 17 : 16000 * 17 + 1600] = 0.0  # 100 ms of silence at 17 s
    [(_, cut), _rest] = plan_chunks(audio, max_s=20, search_s=5)[:2]
    assert 16000 * 17 <= cut <= 16000 * 17 + 1600


def test_a_transcript_made_in_pieces_is_whole_and_in_order(
    tiny_en_ggml, speech_wav, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("WAVESCRIBE_CHUNK_S", "9")  # the worker reads it when it starts
    path, spans, reference = speech_wav
    with Engine(tiny_en_ggml) as e:
        t = e.transcribe(path, TranscribeOptions(refine=False, beam_size=1))
    # Greedy on 9 s pieces has less context than usual: the point here is completeness.
    assert synth.word_error_rate(reference, t.text) <= 0.25, t.text
    starts = [s.start for s in t.segments]
    assert starts == sorted(starts)
    assert t.segments[-1].end >= spans[-1].end_ms - 1500  # the last piece was transcribed too
    for s in t.segments:
        assert all(s.start <= w.start <= w.end <= s.end for w in s.words)
