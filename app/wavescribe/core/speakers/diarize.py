"""Who speaks when: speaker turns of a recording from its speech regions, offline, without torch.

1. Windows of 1.5 s with a 0.75 s hop inside each speech region (a shorter region gets one window
   centred on it); each window's level is normalised to -30 dBFS as resemblyzer's training data was.
2. A speaker embedding per window (:mod:`.encoder`, numpy) and clusters of them (:mod:`.cluster`).
3. Each 10 ms frame of speech takes the speaker whose centroid the windows covering it resemble most
   (so a change inside a window lands between the windows that disagree), runs shorter than
   :data:`MIN_TURN_MS` are absorbed by their neighbours, and the result is a list of turns.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from wavescribe.core import errors
from wavescribe.core.speakers import encoder
from wavescribe.core.speakers.cluster import cluster
from wavescribe.core.speakers.count import AUTO, SpeakerCount
from wavescribe.core.speakers.mel import HOP, RATE, mel_frames

FRAME_MS = 1000 * HOP // RATE  # 10 ms
WINDOW = 150  # frames: 1.5 s
STEP = 75  # frames: 0.75 s
MIN_REGION_MS = 250  # shorter regions are not embedded; they take the speaker of the nearest speech
MIN_TURN_MS = 500
BRIDGE_MS = 1000
TARGET_DBFS = -30.0


@dataclass(slots=True)
class Diarization:
    """Speaker turns ``(start_ms, end_ms, speaker)``, speakers numbered 0.. by first appearance."""

    turns: list[tuple[int, int, int]]
    n_speakers: int
    windows: int = 0
    notes: list[str] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list, repr=False, compare=False)

    def speaker_at(self, start: int, end: int) -> int | None:
        """The speaker who talks longest within [start, end), else the one nearest to it.

        Turns are sorted and disjoint, so only the few around [start, end) are looked at (a long
        transcript asks this for every word).
        """
        if not self.turns:
            return None
        if len(self._starts) != len(self.turns):
            self._starts = [t[0] for t in self.turns]
        first = max(0, bisect_right(self._starts, start) - 1)
        last = bisect_left(self._starts, end)
        best: dict[int, int] = {}
        for a, b, who in self.turns[first : last + 1]:
            overlap = min(b, end) - max(a, start)
            if overlap > 0:
                best[who] = best.get(who, 0) + overlap
        if best:
            return max(best, key=lambda k: best[k])
        mid = (start + end) // 2
        near = self.turns[max(0, first - 1) : last + 2]
        return min(near, key=lambda t: max(t[0] - mid, mid - t[1], 0))[2]


def diarize(
    audio: np.ndarray,
    regions: Sequence[tuple[int, int]],
    count: SpeakerCount = AUTO,
    *,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> Diarization:
    """Speaker turns of 16 kHz mono ``audio`` within its speech ``regions`` (ms)."""
    mels = mel_frames(audio)
    n_frames = len(mels)
    power = _frame_power(audio, n_frames)
    spans = _windows(regions, n_frames)
    if not spans:
        return Diarization([], 0)
    batch = np.stack([_normalised(mels, power, a) for a, _ in spans])
    if cancelled is not None and cancelled():
        raise errors.Cancelled("speaker detection cancelled")
    embeddings = encoder.embed(batch, cancelled, progress)
    labels = cluster(embeddings, count)
    k = int(labels.max()) + 1
    centroids = np.stack([_unit(embeddings[labels == i].mean(0)) for i in range(k)])
    frame_labels = _frame_labels(embeddings @ centroids.T, spans, regions, n_frames)
    turns = _bridge(_turns(frame_labels, regions, k))
    return Diarization(turns, len({t[2] for t in turns}), len(spans))


def _frame_power(audio: np.ndarray, n_frames: int) -> np.ndarray:
    """Mean square of the samples of each 10 ms frame."""
    sq = np.zeros(n_frames * HOP, np.float64)
    m = min(len(audio), len(sq))
    sq[:m] = np.asarray(audio[:m], np.float64) ** 2
    power: np.ndarray = sq.reshape(n_frames, HOP).mean(1)
    return power


def _windows(regions: Sequence[tuple[int, int]], n_frames: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if n_frames < WINDOW // 3:
        return spans
    width = min(WINDOW, n_frames)
    for start_ms, end_ms in regions:
        if end_ms - start_ms < MIN_REGION_MS:
            continue
        a, b = start_ms // FRAME_MS, min(n_frames, end_ms // FRAME_MS)
        if b - a <= width:
            first = min(max(0, (a + b - width) // 2), n_frames - width)
            spans.append((first, first + width))
            continue
        starts = list(range(a, b - width + 1, STEP))
        if starts[-1] != b - width:
            starts.append(b - width)
        spans.extend((s, s + width) for s in starts)
    return spans


def _normalised(mels: np.ndarray, power: np.ndarray, first: int) -> np.ndarray:
    window = mels[first : first + WINDOW]
    level = float(power[first : first + WINDOW].mean())
    gain = 10 ** (TARGET_DBFS / 10) / max(level, 1e-12)  # on power, so dB/10
    return window * np.float32(gain)


def _frame_labels(
    scores: np.ndarray,
    spans: list[tuple[int, int]],
    regions: Sequence[tuple[int, int]],
    n_frames: int,
) -> np.ndarray:
    """A speaker per frame of speech (-1 elsewhere) from the windows that cover it."""
    k = scores.shape[1]
    acc = np.zeros((n_frames, k), np.float32)
    for (a, b), s in zip(spans, scores, strict=True):
        acc[a:b] += s
    covered = acc.any(1)
    labels = np.full(n_frames, -1, np.int64)
    labels[covered] = np.argmax(acc[covered], axis=1)
    speech = np.zeros(n_frames, bool)
    for start_ms, end_ms in regions:
        speech[start_ms // FRAME_MS : end_ms // FRAME_MS] = True
    if covered.any():  # speech no window covers takes the nearest covered frame's speaker
        idx = np.flatnonzero(covered)
        missing = np.flatnonzero(speech & ~covered)
        pos = np.clip(np.searchsorted(idx, missing), 1, len(idx) - 1) if len(idx) > 1 else None
        if pos is None:
            labels[missing] = labels[idx[0]]
        else:
            left, right = idx[pos - 1], idx[pos]
            nearest = np.where(missing - left <= right - missing, left, right)
            labels[missing] = labels[nearest]
    labels[~speech] = -1
    return labels


def _turns(
    labels: np.ndarray, regions: Sequence[tuple[int, int]], k: int
) -> list[tuple[int, int, int]]:
    """Runs of one speaker within each region; runs under MIN_TURN_MS join a neighbour."""
    turns: list[tuple[int, int, int]] = []
    min_frames = MIN_TURN_MS // FRAME_MS
    for start_ms, end_ms in regions:
        a, b = (
            start_ms // FRAME_MS,
            min(len(labels), max(start_ms // FRAME_MS + 1, end_ms // FRAME_MS)),
        )
        runs = _runs(labels[a:b])
        while len(runs) > 1:
            i = min(range(len(runs)), key=lambda j: runs[j][1] - runs[j][0])
            if runs[i][1] - runs[i][0] >= min_frames:
                break
            j = (
                i - 1
                if i == len(runs) - 1
                or (i > 0 and runs[i - 1][1] - runs[i - 1][0] >= runs[i + 1][1] - runs[i + 1][0])
                else i + 1
            )
            lo, hi = min(i, j), max(i, j)
            merged = (runs[lo][0], runs[hi][1], runs[j][2])
            runs[lo : hi + 1] = [merged]
            runs = _merge_equal(runs)
        for ra, rb, who in runs:
            if who >= 0:
                ms_a = start_ms if ra == 0 else (a + ra) * FRAME_MS
                ms_b = end_ms if rb == b - a else (a + rb) * FRAME_MS
                turns.append((ms_a, ms_b, int(who)))
    order: dict[int, int] = {}
    for _, _, who in turns:
        order.setdefault(who, len(order))
    return [(s, e, order[w]) for s, e, w in turns]


def _bridge(turns: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Join a speaker's consecutive turns across pauses under BRIDGE_MS: breaths and pauses
    between sentences are part of a turn, not a change of speaker."""
    out: list[tuple[int, int, int]] = []
    for turn in turns:
        if out and out[-1][2] == turn[2] and turn[0] - out[-1][1] < BRIDGE_MS:
            out[-1] = (out[-1][0], turn[1], turn[2])
        else:
            out.append(turn)
    return out


def _runs(values: np.ndarray) -> list[tuple[int, int, int]]:
    if len(values) == 0:
        return []
    change = np.flatnonzero(np.diff(values)) + 1
    bounds = [0, *change.tolist(), len(values)]
    return [(bounds[i], bounds[i + 1], int(values[bounds[i]])) for i in range(len(bounds) - 1)]


def _merge_equal(runs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for run in runs:
        if out and out[-1][2] == run[2]:
            out[-1] = (out[-1][0], run[1], run[2])
        else:
            out.append(run)
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)
