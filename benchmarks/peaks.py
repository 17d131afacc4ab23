"""How fast is the waveform's peak pyramid for a 3-hour file: computing, caching, slicing a view?

Streams synthetic speech-like audio (noise bursts under a syllable-rate envelope, with pauses) in
10-second blocks, so the 3-hour array is never allocated, and reports:

- computation speed as a multiple of real time (the peaks only; the blocks are pre-generated),
- the cache file's size and the time to load it (median of several loads; warm page cache),
- the time of ``slice()`` for a 1920-pixel view at whole-file zoom and at 5 ms per pixel
  (median over many calls at random positions),
- the time to find silence edges from the pyramid.

    python benchmarks/peaks.py [--hours 3] [--base 64] [--width 1920]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from wavescribe.core.audio.facts import AudioFacts
from wavescribe.core.audio.peaks import DEFAULT_BASE, PeakPyramid
from wavescribe.core.editing.timing_controller import silence_edges

RATE = 16000
BLOCK_S = 10


def _pool(n: int = 7) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    blocks = []
    t = np.arange(BLOCK_S * RATE) / RATE
    for i in range(n):
        envelope = np.clip(np.sin(2 * np.pi * (4 + i / 3) * t), 0, None) ** 2
        envelope[int(RATE * (2 + i % 3)) : int(RATE * (3.5 + i % 3))] = 0.0  # a pause
        noise = rng.standard_normal(len(t)) * 0.001  # a -50 dB floor
        blocks.append((rng.standard_normal(len(t)) * 0.25 * envelope + noise).astype(np.float32))
    return blocks


def _stream(seconds: int) -> Iterator[np.ndarray]:
    pool = _pool()
    for i in range(seconds // BLOCK_S):
        yield pool[i % len(pool)]


def _median_ms(fn, calls: int) -> float:
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=3.0)
    ap.add_argument("--base", type=int, default=DEFAULT_BASE)
    ap.add_argument("--width", type=int, default=1920)
    args = ap.parse_args()

    seconds = int(args.hours * 3600) // BLOCK_S * BLOCK_S
    total = seconds * RATE
    fp = AudioFacts(size=123, mtime_ns=456, duration_ms=seconds * 1000)
    t0 = time.perf_counter()
    pyr = PeakPyramid.compute(
        _stream(seconds), RATE, base=args.base, total_samples=total, source=fp
    )
    compute_s = time.perf_counter() - t0
    bins = sum(len(lv) for lv in pyr.levels)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.wspeaks"
        t0 = time.perf_counter()
        pyr.save(path)
        save_s = time.perf_counter() - t0
        size = path.stat().st_size
        load_ms = _median_ms(lambda: PeakPyramid.load(path, fp), 7)
        loaded = PeakPyramid.load(path, fp)

    width, duration = args.width, pyr.duration_ms
    rng = np.random.default_rng(1)
    whole_ms = _median_ms(lambda: loaded.slice(0, duration, width), 300)
    span = 5.0 * width
    starts = iter(rng.uniform(0, duration - span, 10_000))

    def zoomed() -> None:
        s = next(starts)
        loaded.slice(s, s + span, width)

    zoom_ms = _median_ms(zoomed, 2000)
    t0 = time.perf_counter()
    edges = silence_edges(loaded)
    silence_s = time.perf_counter() - t0

    print(f"audio: {seconds / 3600:.2f} h at {RATE} Hz ({total / 1e6:.1f} M samples), streamed")
    print(
        f"pyramid: base {pyr.base} samples ({pyr.bin_ms(0):g} ms), {len(pyr.levels)} levels, "
        f"{len(pyr.levels[0]) / 1e6:.2f} M bins at level 0, {bins / 1e6:.2f} M in all"
    )
    print(f"compute: {compute_s:.2f} s = {seconds / compute_s:,.0f}x real time")
    print(
        f"cache: {size / 1e6:.1f} MB, saved in {save_s * 1000:.0f} ms, loaded in {load_ms:.1f} ms"
    )
    for label, ms, ms_px in (
        ("whole file", whole_ms, duration / width),
        ("5 ms/px", zoom_ms, 5.0),
    ):
        level = loaded.level_for(ms_px)
        print(
            f"slice {width} px at {label} ({ms_px:.1f} ms/px, level {level}): "
            f"{ms * 1000:.0f} µs median"
        )
    print(f"silence edges from the pyramid: {len(edges)} in {silence_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
