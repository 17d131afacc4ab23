"""Which instant does whisper.cpp's DTW token timestamp mark? Word starts and ends against a
reference, read from each token's ``t_dtw`` in several ways.

    python benchmarks/dtw_token_times.py [--corpora espeak,apollo11,joins] [--refine]
                                         [--model PATH] [--threads N]

Transcribes each corpus of ``benchmarks/word_timing.py`` (espeak: exact word starts; apollo11:
silver) or ``joins`` (``sentence_joins.py``'s FLEURS sentences butted together: real speech,
exact boundaries at the splices) with pywhispercpp directly, DTW on (``dtw_token_timestamps``,
tiny.en's alignment heads, flash attention off: whisper.cpp needs it off for DTW), greedy, token
timestamps on. Words are runs of tokens from one starting with a space. For every reference word
matched exactly, it prints the signed median, |median| and p90 of the error of:

* ``t0`` / ``t1``: whisper.cpp's own token timestamps (first token's t0, last token's t1);
* ``dtw k``: the word's first token's ``t_dtw`` as its start (how it was read before);
* ``dtw k-1``: the ``t_dtw`` of the token *before* the word's first token as its start;
* ``dtw last``: the word's last token's ``t_dtw`` as its end;

and the same after removing the median (a constant lag). ``--refine`` also refines two
transcripts of that one decode, words from t0/t1 and words from ``t_dtw`` (a word ends at its
last token's ``t_dtw`` and starts at the one before, less ``DTW_LAG_MS``), each with today's
layout (words re-laid in their speech region) and with a layout that keeps every word's own
time clamped into its region, and prints their errors as ``word_timing.py`` does.

Measured 2026-12-05 (tiny.en, 2 threads): ``t_dtw`` marks where a token *ends*, about 90 ms
(espeak) to 140-180 ms (Apollo) late, not where it starts; read as the start it is a further
word late, which is the "~0.4 s lag" found before. Numbers: ``word_timing.py``'s docstring.
The product reads them the same way since (``core/engine/dtw_timing.py``); this script stays the
place to try other readings on raw tokens.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

import word_timing  # noqa: E402
from align_speech import heard_errors  # noqa: E402
from wavescribe.core.transcript import Segment, Transcript, Word  # noqa: E402

DTW_LAG_MS = 100  # t_dtw comes this much after the token's end (measured: 90-180 ms)


Token = tuple[str, int, int, int, int]  # text, t0, t1, t_dtw (ms), segment index


def dtw_tokens(model: Path, audio: np.ndarray, threads: int) -> list[Token]:
    """(text, t0, t1, t_dtw, segment) of every text token, in order; times in ms."""
    import _pywhispercpp as pw
    from pywhispercpp.model import Model

    heads = pw.whisper_alignment_heads_preset.WHISPER_AHEADS_TINY_EN
    m = Model(
        str(model),
        redirect_whispercpp_logs_to=None,
        context_params={
            "dtw_token_timestamps": True,
            "dtw_aheads_preset": heads,
            "flash_attn": False,
            "use_gpu": False,
        },
        n_threads=threads,
        print_progress=False,
        token_timestamps=True,
        language="en",
        no_context=True,
    )
    m.transcribe(audio.astype(np.float32))
    ctx = m._ctx
    eot = pw.whisper_token_eot(ctx)
    out = []
    for i in range(pw.whisper_full_n_segments(ctx)):
        for j in range(pw.whisper_full_n_tokens(ctx, i)):
            d = pw.whisper_full_get_token_data(ctx, i, j)
            if d.id < eot:
                text = pw.whisper_full_get_token_text(ctx, i, j)
                if isinstance(text, bytes):
                    text = text.decode("utf-8", "replace")
                out.append((text, d.t0 * 10, d.t1 * 10, d.t_dtw * 10, i))
    return out


def transcript_of(toks: list[Token], dtw_lag_ms: int | None) -> Transcript:
    """The decode as a transcript of words: from t0/t1 (``dtw_lag_ms`` None) or from ``t_dtw``
    read as token ends (a word starts where the token before it ended), less the lag."""
    segments: dict[int, Segment] = {}
    prev_end = 0
    for text, t0, t1, t_dtw, seg in toks:
        if dtw_lag_ms is None:
            a, b = t0, t1
        else:
            a, b = max(0, prev_end - dtw_lag_ms), max(0, t_dtw - dtw_lag_ms)
            prev_end = t_dtw
        segment = segments.setdefault(seg, Segment(a, b, "", []))
        if text.startswith(" ") or not segment.words:
            segment.words.append(Word(a, max(a, b), text))
        else:
            segment.words[-1].text += text
            segment.words[-1].end = max(segment.words[-1].end, b)
        segment.text += text
        segment.end = max(segment.end, b)
    return Transcript(list(segments.values()), "en")


def _kept_in_place(run: Sequence[Word], start: int, end: int) -> list[Word]:
    """A layout that keeps each word's own time, clamped into its region (for ``--refine``)."""
    out: list[Word] = []
    prev = start
    for k, w in enumerate(run):
        a = start if k == 0 else min(max(w.start, prev), end)
        b = end if k == len(run) - 1 else min(max(w.end, a + 10), end)
        out.append(Word(a, max(a, b), w.text, w.probability))
        prev = out[-1].end
    return out


def refined_rows(name: str, audio: np.ndarray, ref: word_timing.Ref, toks: list[Token]) -> None:
    """Word errors after refinement: t0/t1 vs DTW words, re-laid (as now) or kept in place."""
    from unittest import mock

    from wavescribe.core.refine import word_placement
    from wavescribe.core.refine.pipeline import refine_transcript
    from wavescribe.core.refine.vad import detect_speech
    from wavescribe.core.subtitle_rules import SubtitleRules

    speech = detect_speech(audio)
    for label, lag in (("t0/t1", None), ("dtw", DTW_LAG_MS)):
        heard = transcript_of(toks, lag)
        for layout in ("re-laid", "in place"):
            with mock.patch.object(
                word_placement,
                "_layout_run",
                _kept_in_place if layout == "in place" else word_placement._layout_run,
            ):
                refined = refine_transcript(heard, audio, SubtitleRules(), speech=speech)
            words = [w for s in refined.segments for w in s.words]
            print(word_timing._row(f"{name} {label} refined, {layout}", *heard_errors(ref, words)))


def _corpus_joins() -> tuple[np.ndarray, word_timing.Ref]:
    """``sentence_joins.py``'s real speech: FLEURS sentences butted together, exact splices."""
    from align_speech import fleurs_spliced
    from sentence_joins import ORDER

    return fleurs_spliced(ORDER)


def _stats(name: str, errs: list[int]) -> str:
    e = np.array(errs)
    if not len(e):
        return f"{name:<14} -"
    c = np.abs(e - np.median(e))
    return (
        f"{name:<14} {np.median(e):7.0f} {np.median(np.abs(e)):7.0f} "
        f"{np.percentile(np.abs(e), 90):7.0f}   {np.median(c):7.0f} {np.percentile(c, 90):7.0f}"
        f"   {len(e):4d}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--corpora", default="espeak,apollo11")
    parser.add_argument(
        "--refine", action="store_true", help="also refine the t0/t1 and DTW words (see doc)"
    )
    args = parser.parse_args()

    from wavescribe.core.align.word_match import Match, match_words

    makers = {
        "espeak": word_timing.corpus_espeak,
        "apollo11": word_timing.corpus_apollo,
        "joins": _corpus_joins,
    }
    with tempfile.TemporaryDirectory() as tmp:
        model = word_timing._model_path(args.model, Path(tmp))
        head = "signed    |med|     p90   |med|-c   p90-c      n"
        for name in args.corpora.split(","):
            audio, ref = makers[name]()
            toks = dtw_tokens(model, audio, args.threads)
            words: list[str] = []
            first: list[int] = []
            for k, (text, *_) in enumerate(toks):
                if text.startswith(" ") or not words:
                    words.append(text)
                    first.append(k)
                else:
                    words[-1] += text
            last = [f - 1 for f in first[1:]] + [len(toks) - 1]
            m = match_words([r[0] for r in ref], words)
            pairs = [
                (rs, re_, h)
                for (_, rs, re_), h, kind in zip(ref, m.heard_index, m.kind, strict=True)
                if h is not None and kind is Match.EXACT
            ]
            # (token: 0 the word's first/last, -1 the one before; time: 1 t0, 2 t1, 3 t_dtw)
            starts = {"start t0": (0, 1), "start dtw k": (0, 3), "start dtw k-1": (-1, 3)}
            ends = {"end t1": (0, 2), "end dtw last": (0, 3)}
            print(f"{name}: {len(words)} words heard, {len(pairs)} matched")
            print(f"{'':<14} {head}")
            for label, (shift, col) in starts.items():
                errs = [
                    toks[max(first[h] + shift, 0)][col] - rs for rs, _, h in pairs if rs is not None
                ]
                print(_stats(label, errs))
            for label, (_, col) in ends.items():
                errs = [toks[last[h]][col] - re_ for _, re_, h in pairs if re_ is not None]
                print(_stats(label, errs))
            if args.refine:
                print(f"{'':<34} {'start median':>7} {'p90':>7} {'end med':>7} {'p90':>7}   n")
                refined_rows(name, audio, ref, toks)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
