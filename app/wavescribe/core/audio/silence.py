"""Where the audio is quiet, from its level alone (no speech model).

One place for the pieces every quiet-finder uses: per-frame levels (:func:`frame_rms`), runs of
a frame mask (:func:`runs`), the gaps around regions (:func:`gaps`), and on top of them the
silences the editor snaps to (:func:`silences`, :func:`silence_edges`) and the quietest moment
long audio is cut at (:func:`quietest_frame`). Refinement's loudness mask
(``core.refine.vad.silent_timings``, a port of stable-ts's) and its speech model build on
:func:`runs` and :func:`gaps` too.
"""

from __future__ import annotations

import numpy as np

from wavescribe.core.audio.load import SAMPLE_RATE
from wavescribe.core.audio.peaks import FULL_SCALE, PeakPyramid

__all__ = [
    "frame_power",
    "frame_rms",
    "gaps",
    "quietest_frame",
    "runs",
    "silence_edges",
    "silences",
]


def frame_rms(samples: np.ndarray, frame: int, *, partial: bool = True) -> np.ndarray:
    """The RMS of each ``frame`` samples; with ``partial`` a last short frame counts (padded
    with zeros), without it it is left out."""
    rms: np.ndarray = np.sqrt(frame_power(samples, frame, partial=partial))
    return rms


def frame_power(samples: np.ndarray, frame: int, *, partial: bool = True) -> np.ndarray:
    """The mean square of each ``frame`` samples (float32), as :func:`frame_rms` frames them."""
    total = len(samples)
    n = -(-total // frame) if partial else total // frame
    if n == 0:
        return np.zeros(0, np.float32)
    padded = np.zeros(n * frame, np.float32)
    padded[: min(total, n * frame)] = samples[: n * frame]
    power: np.ndarray = np.square(padded.reshape(n, frame)).mean(axis=1)
    return power


def quietest_frame(samples: np.ndarray, frame: int) -> int:
    """The index of the whole ``frame``-sample frame with the least energy (the first on a tie)."""
    return int(np.argmin(frame_power(samples, frame, partial=False)))


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The runs of True in ``mask``: their first indices and their ends (exclusive)."""
    padded = np.concatenate(([False], np.asarray(mask, bool), [False]))
    starts = np.flatnonzero(~padded[:-2] & padded[1:-1])
    ends = np.flatnonzero(padded[1:-1] & ~padded[2:]) + 1
    return starts, ends


def gaps(
    regions: list[tuple[int, int]], duration_ms: int, min_ms: int = 0
) -> list[tuple[int, int]]:
    """The stretches between sorted ``regions`` (and before the first, after the last) that are
    at least ``min_ms`` (and at least 1 ms) long."""
    out: list[tuple[int, int]] = []
    prev = 0
    for a, b in [*regions, (duration_ms, duration_ms)]:
        if a - prev >= max(1, min_ms):
            out.append((prev, a))
        prev = max(prev, b)
    return out


def silences(
    source: PeakPyramid | np.ndarray,
    threshold_db: float = -40.0,
    min_silence_ms: int = 300,
    rate: int = SAMPLE_RATE,
) -> list[tuple[int, int]]:
    """Stretches ``threshold_db`` below the loud parts and at least ``min_silence_ms`` long.

    "Loud" is the 99th percentile frame level, so one click does not set the scale and a quiet
    recording is judged on its own terms. From a pyramid the level is each level-0 bin's peak
    (4 ms); from samples it is the RMS of 10 ms frames (``rate`` is the samples' rate).
    """
    if isinstance(source, PeakPyramid):
        peaks = source.levels[0].astype(np.float32)
        level = np.maximum(-peaks[:, 0], peaks[:, 1]) / FULL_SCALE
        frame, rate, total = source.base, source.rate, source.n_samples
    else:
        frame, total = rate // 100, len(source)
        level = frame_rms(source, frame)
    if len(level) == 0:
        return []
    db = 20 * np.log10(np.maximum(level, 1e-10))
    loud = float(np.percentile(db, 99))
    quiet = db < max(loud + threshold_db, -190.0) if loud > -190.0 else np.ones(len(db), bool)
    out = []
    end_ms = total * 1000 // rate
    for a, b in zip(*runs(quiet), strict=True):
        start, stop = int(a) * frame * 1000 // rate, min(int(b) * frame * 1000 // rate, end_ms)
        if stop - start >= min_silence_ms:
            out.append((start, stop))
    return out


def silence_edges(
    source: PeakPyramid | np.ndarray,
    threshold_db: float = -40.0,
    min_silence_ms: int = 300,
    rate: int = SAMPLE_RATE,
) -> list[int]:
    """Where speech stops and starts again: the inner edges of :func:`silences`, sorted."""
    regions = silences(source, threshold_db, min_silence_ms, rate)
    total = (
        (source.n_samples * 1000 // source.rate)
        if isinstance(source, PeakPyramid)
        else (len(source) * 1000 // rate)
    )
    return sorted({t for a, b in regions for t in (a, b) if 0 < t < total})
