"""Speaker diarization benchmark: DER, speaker count, and the time it adds to a transcription.

Conversations of real speakers (``tests/conversation_layout.py``: 2, 3 and 4 speakers, turns of
1-20 s, quick exchanges, short pauses; two layouts of each size and two seeds) are diarized
offline (Silero VAD regions -> numpy resemblyzer embeddings -> clustering) and scored with a
250 ms collar. Then, for a few of them, the same file is transcribed on the CPU by the engine
(default options: beam 5, refinement on) with and without ``speakers="auto"`` in one warm worker;
the added time is reported against the plain transcription (target: at most +20 %).

    python benchmarks/diarization.py                 # DER table + timing on 3 files, best of 2
    python benchmarks/diarization.py --no-timing     # DER table only
    python benchmarks/diarization.py --repeat 3 --threads 2 --model PATH
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

from conversation_layout import ALL_CONVERSATIONS, RATE, build_conversation  # noqa: E402
from wavescribe.core.refine.vad import detect_speech  # noqa: E402
from wavescribe.core.speakers.diarize import diarize  # noqa: E402
from wavescribe.core.speakers.scoring import diarization_error  # noqa: E402


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


def der_table(seeds: list[int]) -> list[tuple[str, object]]:
    print(
        f"{'conversation':<14} {'min':>5} {'spk':>3} {'found':>5} {'DER':>6} "
        f"{'miss':>6} {'FA':>6} {'conf':>6} {'diar s':>7}"
    )
    rows = []
    for seed in seeds:
        for name, speakers in ALL_CONVERSATIONS.items():
            conv = build_conversation(speakers, seed=seed)
            regions = detect_speech(conv.audio).regions
            t0 = time.perf_counter()
            d = diarize(conv.audio, regions)
            took = time.perf_counter() - t0
            hyp = [(a, b, str(w)) for a, b, w in d.turns]
            r = diarization_error(conv.truth, hyp)
            total = r.total or 1.0
            label = f"{name}/{seed}"
            print(
                f"{label:<14} {conv.duration_ms / 60000:5.2f} {len(speakers):>3} "
                f"{d.n_speakers:>5} {r.der:6.3f} {r.missed / total:6.3f} "
                f"{r.false_alarm / total:6.3f} {r.confusion / total:6.3f} {took:7.2f}",
                flush=True,
            )
            rows.append((label, (len(speakers), d.n_speakers, r.der)))
    by_size: dict[int, list[float]] = {}
    right = 0
    for _, (n, found, der) in rows:
        by_size.setdefault(n, []).append(der)
        right += n == found
    print()
    for n, ders in sorted(by_size.items()):
        print(f"{n} speakers: mean DER {sum(ders) / len(ders):.3f}, worst {max(ders):.3f}")
    print(f"speaker count right: {right}/{len(rows)}")
    return rows


def timing(model: str | None, names: list[str], repeat: int, threads: int | None) -> None:
    from wavescribe.core.engine.client import Engine
    from wavescribe.core.engine.options import TranscribeOptions

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with Engine(_model_path(model, tmp), use_gpu=False) as engine:
            engine.start()
            print()
            print(
                f"{'file':<10} {'audio s':>7} {'plain s':>8} {'+speakers s':>11} {'added':>7} "
                f"{'step s':>7} {'step/plain':>10}"
            )
            for name in names:
                conv = build_conversation(ALL_CONVERSATIONS[name], seed=1)
                path = tmp / f"{name}.wav"
                sf.write(path, conv.audio, RATE)
                plain, spoken, step = [], [], []
                for _ in range(repeat):  # interleaved, so load from elsewhere hits both alike
                    for speakers, out in ((None, plain), ("auto", spoken)):
                        opts = TranscribeOptions(speakers=speakers)
                        if threads:
                            opts.threads = threads
                        t0 = time.perf_counter()
                        transcript = engine.transcribe(path, opts)
                        out.append(time.perf_counter() - t0)
                        if speakers:  # the worker's own clock around the speaker step
                            step.append(transcript.metadata["speakers"]["seconds"])
                a, b, c = min(plain), min(spoken), min(step)
                print(
                    f"{name:<10} {len(conv.audio) / RATE:7.1f} {a:8.2f} {b:11.2f} "
                    f"{(b - a) / a:+7.1%} {c:7.2f} {c / a:10.1%}",
                    flush=True,
                )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1,2", help="comma-separated layout seeds")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--timing-only", action="store_true")
    ap.add_argument("--files", default="two,three,four", help="conversations to time")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--model", help="a GGML model (default: the starter tiny.en, converted)")
    args = ap.parse_args(argv)
    if not args.timing_only:
        der_table([int(s) for s in args.seeds.split(",")])
    if not args.no_timing:
        timing(args.model, args.files.split(","), args.repeat, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
