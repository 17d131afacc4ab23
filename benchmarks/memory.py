"""Peak memory of a long transcription: does a 3-hour file stay under 2 GB besides the model?

Synthesises a long speech file (espeak-ng sentences with gaps, repeated; written to FLAC block by
block), runs ``wavescribe transcribe`` on it as a user would, and reports the peak RSS of the
largest process of the job (the engine worker), the model's size, and the difference.

    python benchmarks/memory.py [--hours 3] [--model ID|PATH] [--no-refine] [--keep FILE]

Takes roughly duration / 25 on two cores with tiny.en (about 8 minutes for 3 hours).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def make_long_file(path: Path, hours: float) -> float:
    import speech_synth as synth

    block, _ = synth.compose(synth.SENTENCES, [1500, 4000, 800, 2500, 1200], tail_ms=6000)
    total = int(hours * 3600 * synth.RATE)
    written = 0
    with sf.SoundFile(path, "w", synth.RATE, 1, subtype="PCM_16", format="FLAC") as f:
        while written < total:
            piece = block[: total - written]
            f.write(piece)
            written += len(piece)
    return written / synth.RATE


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--hours", type=float, default=3.0)
    ap.add_argument("--model", default=None)
    ap.add_argument("--no-refine", action="store_true")
    ap.add_argument("--keep", type=Path, help="reuse/keep the long audio file at this path")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        audio = args.keep or Path(tmp) / "long.flac"
        if not audio.exists():
            t = time.monotonic()
            seconds = make_long_file(audio, args.hours)
            print(f"made {seconds / 3600:.2f} h of speech in {time.monotonic() - t:.0f} s")
        info = sf.info(str(audio))
        cmd = [sys.executable, "-m", "wavescribe", "transcribe", str(audio), "-o", tmp]
        cmd += ["--beam-size", "1"] + (["--model", args.model] if args.model else [])
        cmd += ["--no-refine"] if args.no_refine else []
        t = time.monotonic()
        proc = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - t
        if proc.returncode != 0:
            print(proc.stderr[-2000:])
            return proc.returncode
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        from wavescribe.core.models.starter import resolve_model

        model_mb = os.path.getsize(resolve_model(args.model)) / 2**20
        audio_mb = info.frames * 4 / 2**20
        print(f"audio: {info.duration / 3600:.2f} h; one float32 16 kHz copy = {audio_mb:.0f} MiB")
        print(f"model: {model_mb:.0f} MiB; refinement: {'off' if args.no_refine else 'on'}")
        print(f"wall: {wall:.0f} s ({info.duration / wall:.1f}x real time)")
        print(f"peak RSS of the largest job process: {peak_mb:.0f} MiB")
        besides = peak_mb - model_mb
        verdict = "OK" if besides < 2048 else "OVER"
        print(f"peak RSS besides the model: {besides:.0f} MiB (limit 2048 MiB): {verdict}")
        return 0 if besides < 2048 else 1


if __name__ == "__main__":
    raise SystemExit(main())
