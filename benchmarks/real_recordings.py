"""Whole recordings against their reference text: whole-file vs speech-first (vs faster-whisper).

Usage::

    python benchmarks/real_recordings.py [--recording columbia|apollo|PATH --reference TXT]
        [--threads 2] [--beam 5] [--no-fw] [--no-whole]

Where ``longform.py`` lays clips out so it knows where speech is, this takes a real recording as
it is, with only a reference text: by default the Columbia address (~3.5 min of continuous
speech, silver reference) and the Apollo 11 radio (78 s, whisper-large's text) from the shared
data. Prints WER, repeated 5-grams beyond the reference, the number of words and wall time for
each method, transcribed in-process as the worker does (``longform.run_wavescribe``), and
faster-whisper int8 with its VAD on the same tiny.en when it is installed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "app"))

import longform as bm  # noqa: E402
import longform_layout as lf  # noqa: E402
from shared_data import DATA  # noqa: E402

SPEECH = DATA / "speech"
RECORDINGS = {
    "columbia": (
        SPEECH / "long_columbia_address" / "columbia.wma",
        SPEECH / "long_columbia_address" / "columbia.silver_ref.txt",
    ),
    "apollo": (
        SPEECH / "silver_apollo11" / "apollo11.mp3",
        SPEECH / "silver_apollo11" / "apollo11.silver_whisper_large.txt",
    ),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--recording", action="append", help="columbia, apollo or a path")
    ap.add_argument("--reference", help="the reference text of a --recording path")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--beam", type=int, default=5, help="beam size (1 = greedy)")
    ap.add_argument("--no-fw", action="store_true", help="skip faster-whisper")
    ap.add_argument("--no-whole", action="store_true", help="skip whole-file decoding")
    args = ap.parse_args()
    args.no_refine, args.decoders = False, 0

    from wavescribe.core.engine.model_loading import load_model
    from wavescribe.core.refine.pipeline import warm_up

    chosen = []
    for name in args.recording or list(RECORDINGS):
        if name in RECORDINGS:
            chosen.append((name, *RECORDINGS[name]))
        elif args.reference:
            chosen.append((Path(name).stem, Path(name), Path(args.reference)))
        else:
            raise SystemExit(f"{name}: give its --reference text")
    with tempfile.TemporaryDirectory(prefix="ws-recordings-") as tmp_s:
        ct2, model = bm._ggml(Path(tmp_s))
        ctx = load_model(str(model), False)
        warm_up()
        for name, audio, reference in chosen:
            ref = reference.read_text(encoding="utf-8")
            runs = {"speech-first": lambda a=audio: bm.run_wavescribe(ctx, model, a, True, args)}
            if not args.no_whole:
                runs["whole-file"] = lambda a=audio: bm.run_wavescribe(ctx, model, a, False, args)
            if not args.no_fw:
                runs["faster-whisper"] = lambda a=audio: bm.run_faster_whisper(ct2, a, args)
            for method, run in runs.items():
                got = run()
                if got is None:
                    print(f"{name} {method}: not installed")
                    continue
                wall, _cpu, out = got
                segments = out.segments if hasattr(out, "segments") else out
                hyp = " ".join(s.text for s in segments)
                print(
                    f"{name:>10} {method:>15}: WER {lf.word_error_rate(ref, hyp):.4f}, repeats "
                    f"{lf.repeated_ngrams(ref, hyp)}, words {len(hyp.split())} / "
                    f"{len(ref.split())}, wall {wall:.1f} s",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
