"""Words of German, Spanish, French and Portuguese speech are force-aligned too: espeak-ng spells
them in the English phones the aligner knows (``core/refine/espeak_phones.py``). Real FLEURS
sentences butted together (``align_speech.fleurs_spliced``), so that the boundary at each
splice is known; the multilingual base model, real whisper.cpp."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from align_speech import fleurs_spliced, heard_splice_errors, splice_errors, write_wav
from wavescribe.core.engine.client import Engine
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.refine import espeak_phones
from wavescribe.core.refine.pipeline import refine_transcript, retime_transcript
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment, Transcript, Word

# Spanish clips whose speech span holds their words (1, 4 and 5 end inside a quiet last word).
SPANISH = [0, 2, 3, 6, 7, 8, 9, 3]
# Per language, clips whose gold text the aligner fits into their span on its own.
CLEAN = {"es": SPANISH, "de": [0, 1, 3, 4, 5, 6, 7, 8], "fr": [0, 2, 3, 4, 5, 6, 7, 8]}


def _words(t: Transcript) -> list[Word]:
    return [w for s in t.segments for w in s.words]


def test_phones_come_from_espeak_in_the_language() -> None:
    assert espeak_phones.available("de") and espeak_phones.available("pt-BR")
    assert not espeak_phones.available("ja") and not espeak_phones.available(None)
    assert espeak_phones.phones("Hongkong", "de") == "HH AO NG K AO NG"
    assert espeak_phones.phones("viajeros", "es") == "B Y AA HH EY R OW S"
    assert espeak_phones.phones("2002", "es").startswith("D OW S M IY L")  # said, not spelled
    assert "CH" in espeak_phones.phones("viajantes", "pt")  # Brazilian "tʃ"
    assert espeak_phones.phones("«", "fr") == ""
    assert espeak_phones.to_cmu("ˈaʊszˌɪçtən") == "AW S Z IH HH T AH N"


@pytest.fixture(scope="module")
def spanish(base_ggml: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Spanish sentences butted together, their file, and an engine with the base model."""
    audio, ref = fleurs_spliced(SPANISH, language="es")
    wav = write_wav(tmp_path_factory.mktemp("es") / "es.wav", audio)
    with Engine(base_ggml) as engine:
        yield audio, ref, wav, engine


def test_spanish_transcription_times_words_by_the_forced_alignment(spanish) -> None:  # type: ignore[no-untyped-def]
    audio, ref, wav, engine = spanish
    refined = engine.transcribe(wav, TranscribeOptions(language="es", beam_size=1))  # as the app
    raw = engine.transcribe(wav, TranscribeOptions(language="es", beam_size=1, refine=False))
    report = refined.metadata["refinement"]["forced_alignment"]
    assert report is not None and report["failed_regions"] < 8, report
    aligned = heard_splice_errors(ref, _words(refined))
    dtw_only = refine_transcript(raw, audio, SubtitleRules(), word_alignment=False)
    dtw = heard_splice_errors(ref, _words(dtw_only))
    assert len(aligned) >= 6 and len(dtw) == len(aligned)
    # Measured: 0/90 ms median start/end aligned, 86/178 with DTW alone (greedy, 2 threads).
    assert np.median(aligned) <= 80 and np.median(dtw) >= 1.5 * np.median(aligned)


def test_a_spanish_script_is_aligned_word_for_word(spanish) -> None:  # type: ignore[no-untyped-def]
    """``wavescribe align``'s path: the script's own words, force-aligned in the worker."""
    from wavescribe.core.align.aligner import align_media
    from wavescribe.core.align.script import parse_text

    _, ref, wav, engine = spanish
    script = parse_text(" ".join(r[0] for r in ref))
    result = align_media(engine, wav, script, TranscribeOptions(language="es", beam_size=1))
    words = _words(result)
    assert [w.text.strip() for w in words] == [r[0] for r in ref]
    assert result.metadata["alignment"]["forced_alignment"]["failed_regions"] < 8
    errors = splice_errors(ref, words)
    assert len(errors) == 12 and np.median(errors) <= 80, errors


@pytest.mark.parametrize("language", ["es", "de", "fr"])
def test_retimed_subtitles_in_other_languages_are_aligned(language: str) -> None:
    """Sentence cues with the language stated, words laid by length: aligned at the splices."""
    sentences: list[tuple[int, int, str]] = []
    audio, ref = fleurs_spliced(CLEAN[language], sentences=sentences, language=language)
    cues = Transcript([Segment(a, b, t) for a, b, t in sentences], language=language)
    errors = {}
    for aligned in (True, False):
        out = retime_transcript(cues, audio, SubtitleRules(), word_alignment=aligned)
        words = _words(out)
        assert [w.text.strip() for w in words] == [r[0] for r in ref]
        errors[aligned] = splice_errors(ref, words)
    # Measured (median ms, aligned / by length): es 65 / 202, de 75 / 495, fr 85 / 260.
    assert np.median(errors[True]) <= 100
    assert np.median(errors[False]) >= 2 * np.median(errors[True])
