"""Words inside continuous real speech: FLEURS sentences butted together, so that at each splice
one sentence's last word ends and the next one's first word starts at a known sample with no
pause between them (``align_speech.fleurs_spliced``; ``benchmarks/sentence_joins.py`` is the
benchmark). The words there are timed by whisper.cpp's DTW token times, kept in place by
refinement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from align_speech import fleurs_spliced, heard_splice_errors, splice_errors, write_wav
from wavescribe.core.engine.client import Engine
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.refine import forced_alignment
from wavescribe.core.refine.pipeline import refine_transcript
from wavescribe.core.refine.vad import detect_speech
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Transcript, Word

# benchmarks/sentence_joins.py's order: the 8 usable clips three times, four to a run.
ORDER = [0, 1, 2, 3, 4, 7, 8, 9, 3, 9, 0, 8, 2, 7, 1, 4, 9, 2, 4, 0, 7, 3, 8, 1]


@pytest.fixture(scope="module")
def joins(tiny_en_ggml: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    audio, ref = fleurs_spliced(ORDER)
    wav = write_wav(tmp_path_factory.mktemp("joins") / "joins.wav", audio)
    with Engine(tiny_en_ggml) as engine:
        heard = engine.transcribe(wav, TranscribeOptions(language="en", refine=False))
    return audio, ref, heard, detect_speech(audio)


def _words(t: Transcript) -> list[Word]:
    return [w for s in t.segments for w in s.words]


def test_refinement_keeps_dtw_timed_words_in_place(joins, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """DTW words keep their own times (clamped into their speech region); the same words marked
    as whisper.cpp's t0/t1 are re-laid by character shares, as before. (The layout alone: the
    forced alignment that follows it is off here.)"""
    monkeypatch.setenv(forced_alignment.ENV, "0")
    audio, _, heard, speech = joins
    assert heard.metadata["word_timing"] == "dtw"
    raw = _words(heard)
    kept = refine_transcript(heard, audio, SubtitleRules(), speech=speech)
    assert kept.metadata["refinement"]["words_kept_in_place"] is True
    as_whisper = Transcript(heard.segments, heard.language, metadata={"word_timing": "whisper"})
    relaid = refine_transcript(as_whisper, audio, SubtitleRules(), speech=speech)
    assert relaid.metadata["refinement"]["words_kept_in_place"] is False

    def moved(refined: Transcript) -> float:
        words = _words(refined)
        assert [w.text.strip() for w in words] == [w.text.strip() for w in raw][: len(words)]
        return float(np.median([abs(a.start - b.start) for a, b in zip(words, raw, strict=False)]))

    # Dropped words would shift the pairing: none are expected on this clean speech.
    assert len(_words(kept)) == len(raw)
    assert moved(kept) <= 10 < 100 <= moved(relaid)


def test_forced_alignment_times_words_at_joins_better_than_dtw_alone(
    joins, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The same transcript refined with and without the acoustic forced alignment of each
    region's words (``WAVESCRIBE_FORCED_ALIGN=0``): it ran, and the words at the splices are
    nearer the truth with it."""
    audio, ref, heard, speech = joins
    with_fa = refine_transcript(heard, audio, SubtitleRules(), speech=speech)
    report = with_fa.metadata["refinement"]["forced_alignment"]
    assert report is not None and report["failed_regions"] <= 2
    monkeypatch.setenv(forced_alignment.ENV, "0")
    without = refine_transcript(heard, audio, SubtitleRules(), speech=speech)
    assert without.metadata["refinement"]["forced_alignment"] is None
    on = np.median(heard_splice_errors(ref, _words(with_fa)))
    off = np.median(heard_splice_errors(ref, _words(without)))
    assert on <= off - 30, (on, off)


def test_words_at_sentence_joins_are_timed_within_300_ms(joins) -> None:  # type: ignore[no-untyped-def]
    """Median |error| of the word starts and ends at the splices after refinement. With
    whisper.cpp's t0/t1 re-laid it was 690 ms (sentence_joins.py, 2026-12-05); DTW words kept in
    place: 262 ms, and 160 ms over 20 once placed by their middle (2026-12-05): half are within
    160 ms, the rest 0.36-1 s off (DTW's own errors at four splices). Still far from the 60 ms
    bar (see the benchmark)."""
    audio, ref, heard, speech = joins
    refined = refine_transcript(heard, audio, SubtitleRules(), speech=speech)
    errors = heard_splice_errors(ref, _words(refined))
    assert len(errors) >= 15
    assert np.median(errors) <= 300, sorted(errors)


# The clips whose speech span holds exactly their words (see align_speech.SPLICEABLE's note and
# benchmarks/README): the splices between them are the reference without its own artefacts.
CLEAN_ORDER = [0, 3, 7, 9, 3, 0, 9, 7, 9, 7, 0, 3]


@pytest.fixture(scope="module")
def clean_joins(tiny_en_ggml: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    audio, ref = fleurs_spliced(CLEAN_ORDER)
    wav = write_wav(tmp_path_factory.mktemp("clean") / "clean.wav", audio)
    with Engine(tiny_en_ggml) as engine:
        heard = engine.transcribe(wav, TranscribeOptions(language="en", beam_size=1, refine=False))
    return audio, ref, heard


def test_words_at_clean_sentence_joins_are_timed_within_60_ms(clean_joins) -> None:  # type: ignore[no-untyped-def]
    """Issue 15's bar on real speech with exact boundaries: the transcription's words and an
    aligned script's, median |error| over every known start and end at the splices. Measured
    (greedy): 30 ms both (n = 9 and 18); beam 5: 45 and 30. The ends of sentence-final words
    come out ~100 ms before the splice: the span a clip is cut to keeps the sound's decay."""
    from wavescribe.core.align.aligner import align_transcript
    from wavescribe.core.align.script import parse_text

    audio, ref, heard = clean_joins
    rules = SubtitleRules()
    refined = refine_transcript(heard, audio, rules)
    heard_errors = heard_splice_errors(ref, _words(refined))
    under = refine_transcript(heard, audio, rules, word_alignment=False)
    aligned = align_transcript(parse_text(" ".join(r[0] for r in ref)), under, audio, rules)
    words = _words(aligned)
    assert [w.text.strip() for w in words] == [r[0] for r in ref]
    script_errors = splice_errors(ref, words)
    assert len(heard_errors) >= 6 and len(script_errors) == 18
    assert np.median(heard_errors) <= 60, sorted(heard_errors)
    assert np.median(script_errors) <= 60, sorted(script_errors)
