"""Script alignment's forced alignment runs in the engine's worker: real whisper.cpp, real
PocketSphinx, a real worker killed by a real signal."""

from __future__ import annotations

import os
import signal
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from shared_data import JFK
from wavescribe.core.align.aligner import align_media
from wavescribe.core.align.script import parse_text
from wavescribe.core.audio.load import load_audio
from wavescribe.core.engine.client import Engine, Warning_
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.refine import forced_alignment
from wavescribe.core.refine.pipeline import speech_regions

JFK_TEXT = (JFK.parent / "jfk.txt").read_text(encoding="utf-8")
HEARD = TranscribeOptions(beam_size=1, refine=True, word_alignment=False)


@pytest.fixture(scope="module")
def engine(tiny_en_ggml: Path):
    with Engine(tiny_en_ggml) as e:
        yield e


def test_the_worker_aligns_words_as_this_process_does(engine: Engine) -> None:
    """The same words, regions and audio give the same boundaries in the worker (which keeps
    the audio of the file it transcribed) as here; and they are the aligner's, not the input's."""
    heard = engine.transcribe(JFK, HEARD)
    words = [w for s in heard.segments for w in s.words]
    audio, _ = load_audio(JFK)
    _, regions, doubted = speech_regions(audio, True, None)
    here, report = forced_alignment.retime_words(audio, words, regions, "en", None, doubted)
    events: list[Any] = []
    there, report_there = engine.force_align(JFK, words, regions, doubted, "en", events.append)
    shares = [e.fraction for e in events if e.stage == "align"]
    assert shares and shares == sorted(shares) and shares[0] == 0.0, shares
    assert [(w.start, w.end, w.text) for w in there] == [(w.start, w.end, w.text) for w in here]
    assert report is not None and report_there is not None
    assert report_there["failed_regions"] == report["failed_regions"] == 0
    assert sum(a.start != b.start for a, b in zip(there, words, strict=True)) >= len(words) // 3


def test_a_crash_in_the_aligner_keeps_the_words_and_the_caller_survives(
    engine: Engine,
) -> None:
    """The worker dies (SIGSEGV) while it aligns a script's words: the alignment still comes
    back, every script word timed from the transcription, with a warning; the engine serves
    the next job from a fresh worker."""
    events: list[Any] = []
    sent = engine._conn.send  # the connection of the worker alive now

    def send_then_crash(msg: tuple[Any, ...]) -> None:
        sent(msg)
        if msg[0] == "force_align":
            os.kill(engine._proc.pid, signal.SIGSEGV)

    engine.start()
    engine._conn.send = send_then_crash  # type: ignore[method-assign]
    script = parse_text(JFK_TEXT)
    result = align_media(engine, JFK, script, HEARD, events.append)
    aligned = result.metadata["alignment"]["forced_alignment"]
    assert "SIGSEGV" in aligned["crashed"], aligned
    warnings = [e.message for e in events if isinstance(e, Warning_)]
    assert any("timed from the transcription alone" in w for w in warnings), warnings
    assert "the forced aligner crashed" in result.metadata["alignment"]["summary"]
    out = [w.text.strip() for s in result.segments for w in s.words]
    assert out == [w.strip() for w in script.words]
    assert all(w.start < w.end for s in result.segments for w in s.words)
    # A fresh worker: this time the words are aligned.
    again = align_media(engine, JFK, script, HEARD)
    assert again.metadata["alignment"]["forced_alignment"]["failed_regions"] == 0


def test_text_is_aligned_to_a_span_in_the_worker(engine: Engine) -> None:
    """The editor's "Align text to selection" is one engine job: the span is heard and the text
    timed to it in the worker; the text's own words come back, in source time, force-aligned."""
    text = "Ask not what your country can do for you"
    options = TranscribeOptions(
        beam_size=1, refine=True, word_alignment=False, span_ms=(3000, 9000), align_text=text
    )
    events: list[Any] = []
    result = engine.transcribe(JFK, options, events.append)
    words = [w for s in result.segments for w in s.words]
    assert [w.text.strip() for w in words] == text.split()
    assert all(3000 <= w.start < w.end <= 9000 for w in words)
    assert result.metadata["alignment"]["forced_alignment"]["failed_regions"] == 0
    assert ("align", 1.0) in [(e.stage, e.fraction) for e in events if hasattr(e, "stage")]
    # Text nobody says there: a clear error from the worker, which stays up.
    from wavescribe.core import errors

    with pytest.raises(errors.InputError, match="does not match the speech"):
        engine.transcribe(JFK, replace(options, align_text="zebra quantum marmalade " * 3))
    assert engine._proc.is_alive()


def test_a_cancel_before_the_alignment_stops_it_and_the_engine_stays(engine: Engine) -> None:
    from wavescribe.core import errors

    words = [w for s in engine.transcribe(JFK, HEARD).segments for w in s.words]
    engine.cancel()
    with pytest.raises(errors.Cancelled):
        engine.force_align(JFK, words, [(0, 11_000)], {}, "en")
    assert not engine.cancel_requested  # that cancel was for that job only
    assert engine.force_align(JFK, words, [(0, 11_000)], {}, "en")[1] is not None


def test_refinement_reports_the_forced_alignment_as_it_goes(engine: Engine) -> None:
    """On a long file the aligner is refinement's longest step: its progress is passed on."""
    events: list[Any] = []
    engine.transcribe(JFK, TranscribeOptions(beam_size=1), events.append)
    shares = [e.fraction for e in events if getattr(e, "stage", None) == "refine"]
    assert shares[0] == 0.0 and shares[-1] == 1.0 and shares == sorted(shares), shares
    assert any(0.0 < f < 1.0 for f in shares), shares


def test_an_engine_without_a_model_only_aligns() -> None:
    """``Engine(None)`` (the editor's word aligner) loads no whisper model: it refuses to
    transcribe, and force-aligns words laid by length (``rough``: it first says which speech
    region each word is in) exactly as this process does."""
    from wavescribe.core import errors
    from wavescribe.core.transcript import Word

    audio, _ = load_audio(JFK)
    _, regions, doubted = speech_regions(audio, True, None)
    texts = JFK_TEXT.split()
    a, b = regions[0][0], regions[-1][1]
    laid = [
        Word(a + (b - a) * k // len(texts), a + (b - a) * (k + 1) // len(texts), " " + t)
        for k, t in enumerate(texts)
    ]
    with Engine(None) as aligner:
        with pytest.raises(errors.EngineError, match="only aligns"):
            aligner.transcribe(JFK)
        out, report = aligner.force_align(JFK, laid, regions, doubted, "en", rough=True)
    assert report is not None
    assert [w.text for w in out] == [w.text for w in laid]
    here, mine = forced_alignment.retime_words(
        audio, laid, regions, "en", None, doubted, rough=True
    )
    assert mine is not None and report["failed_regions"] == mine["failed_regions"]
    assert [(w.start, w.end) for w in out] == [(w.start, w.end) for w in here]
    assert sum(a.start != b.start for a, b in zip(out, laid, strict=True)) >= len(laid) // 2
