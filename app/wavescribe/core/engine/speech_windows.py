"""Plan what whisper.cpp decodes: speech regions packed into windows of at most 30 s.

Whisper encodes 30 s at a time whatever it is fed, so decoding each short utterance alone pays a
full encoder pass per utterance; decoding the whole file pays for the silences and lets one bad
window's text poison the next. Here the speech regions (from Silero) are padded a little (so word
onsets are not clipped), regions separated by short pauses are joined into one *piece* of
contiguous audio, a piece longer than a window is cut at its quietest frame, and pieces are
packed into windows: a window's audio is its pieces laid end to end, the long silences between
them cut out. :meth:`Window.to_source` maps a time in the fed audio back to the source timeline.

Pure and deterministic: unit tested in ``tests/core/test_speech_windows.py``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_WINDOW_MS = 29_000  # under whisper's 30 s so a window is one encoder pass
# Continuous speech is cut into pieces of at most this. Chosen when whisper still wrote timestamp
# tokens and ended 27-29 s windows of unbroken speech early (a second encoder pass); decoded
# without them, 28 s pieces are no faster on the Columbia address (3.3 min, beam 5: 19.2 vs
# 19.3 s) and lose more (WER 0.032 vs 0.027).
PIECE_MAX_MS = 24_000
# Audio kept on each side of a region: word onsets and releases stay whole. More before: Silero
# reports onsets a frame or more late, and a soft first word ("And so ...") by up to 0.4 s.
PAD_MS = 250
PAD_BEFORE_MS = 400
JOIN_GAP_MS = 1_500  # a shorter pause stays inside one piece (it is part of the speech flow)
PROB_FRAME_MS = 32  # Silero's frame
# Silence fed between pieces: the decoder hears a pause where audio was cut out, not two
# utterances glued into one, and a word it times a little early or late lands in the pause, whose
# halves belong to the pieces on either side.
GAP_MS = 1_000

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Window:
    """Pieces of source audio (ms, in order, disjoint) decoded together as one audio stream."""

    pieces: tuple[Span, ...]

    @property
    def start(self) -> int:
        return self.pieces[0][0]

    @property
    def end(self) -> int:
        return self.pieces[-1][1]

    @property
    def fed_ms(self) -> int:
        """Length of the audio fed to the decoder (pieces and the pauses between them)."""
        return _fed(self.pieces)

    def fed_starts(self) -> list[int]:
        """Where each piece starts in the fed audio (ms)."""
        out, pos = [], 0
        for a, b in self.pieces:
            out.append(pos)
            pos += b - a + GAP_MS
        return out

    def piece_at(self, fed_ms: float) -> int:
        """Index of the piece that fed time ``fed_ms`` belongs to: the one it falls in, or the
        nearer one of the pause it falls in (clamped to the first/last)."""
        starts = self.fed_starts()
        ends = [s + b - a + GAP_MS / 2 for s, (a, b) in zip(starts, self.pieces, strict=True)]
        return min(len(starts) - 1, bisect.bisect_left(ends, fed_ms))

    def to_source(self, fed_ms: int) -> int:
        """A time in the fed audio as a source time; never inside a cut-out silence."""
        k = self.piece_at(fed_ms)
        a, b = self.pieces[k]
        return min(b, a + max(0, fed_ms - self.fed_starts()[k]))

    def samples(self, audio: np.ndarray, rate: int = 16000) -> np.ndarray:
        """The fed audio: the pieces' samples laid end to end (a view when there is one piece)."""
        if len(self.pieces) == 1:
            a, b = self.pieces[0]
            return audio[a * rate // 1000 : b * rate // 1000]
        pause = np.zeros(GAP_MS * rate // 1000, np.float32)
        parts: list[np.ndarray] = []
        for a, b in self.pieces:
            parts += [audio[a * rate // 1000 : b * rate // 1000], pause]
        return np.ascontiguousarray(np.concatenate(parts[:-1]), dtype=np.float32)


def plan_pieces(
    regions: Sequence[Span],
    duration_ms: int,
    *,
    pad_ms: int = PAD_MS,
    pad_before_ms: int = PAD_BEFORE_MS,
    join_gap_ms: int = JOIN_GAP_MS,
    max_ms: int = PIECE_MAX_MS,
    probs: np.ndarray | None = None,
) -> list[Span]:
    """Padded regions, joined across pauses under ``join_gap_ms``, long ones cut to at most
    ``max_ms`` (at the least speech-like frame of ``probs``, Silero's per-32 ms probabilities)."""
    joined: list[list[int]] = []
    for a, b in sorted(regions):
        a, b = max(0, a - pad_before_ms), min(duration_ms, b + pad_ms)
        if b <= a:
            continue
        if joined and a - joined[-1][1] < join_gap_ms:
            joined[-1][1] = max(joined[-1][1], b)
        else:
            joined.append([a, b])
    pieces: list[Span] = []
    for a, b in joined:
        pieces.extend(_cut_long(a, b, max_ms, probs))
    return pieces


def plan_windows(pieces: Sequence[Span], *, max_ms: int = MAX_WINDOW_MS) -> list[Window]:
    """``pieces`` packed into windows of at most ``max_ms`` of fed audio; each window's pieces
    in time order, windows ordered by their first piece.

    Neighbours are packed together (the greedy fill in time order), unless pieces that are not
    neighbours fill fewer windows (first fit decreasing, else first fit in time order): every
    window saved is an encoder pass (~0.9 s of 2 cores for tiny.en), and windows are decoded
    without text context, so nothing ties a piece to the one before it. Neighbours first all
    the same: mixing far-apart clips in windows that were no fewer made the shuffled layouts'
    WER swing by up to 0.12 either way (``benchmarks/README.md``); real-40 and real-long go
    from 6 windows to 5."""
    plans = [
        _packed(sorted(pieces), max_ms, first_fit=False),
        _packed(sorted(pieces, key=lambda p: (p[0] - p[1], p[0])), max_ms, first_fit=True),
        _packed(sorted(pieces), max_ms, first_fit=True),
    ]
    bins = min(plans, key=len)  # the first of the fewest
    return sorted((Window(tuple(sorted(w))) for w in bins), key=lambda w: w.start)


def _fed(pieces: Sequence[Span]) -> int:
    return sum(b - a for a, b in pieces) + GAP_MS * (len(pieces) - 1)


def _packed(pieces: Sequence[Span], max_ms: int, *, first_fit: bool) -> list[list[Span]]:
    bins: list[list[Span]] = []
    for span in pieces:
        _put(bins, span, max_ms, first_fit=first_fit)
    return bins


def _put(bins: list[list[Span]], span: Span, max_ms: int, *, first_fit: bool) -> None:
    """``span`` into the first bin with room for it (the last one only, if not ``first_fit``),
    else into a new one."""
    for b in bins if first_fit else bins[-1:]:
        if _fed(b) + GAP_MS + span[1] - span[0] <= max_ms:
            b.append(span)
            return
    bins.append([span])


def _cut_long(a: int, b: int, max_ms: int, probs: np.ndarray | None) -> list[Span]:
    """``[a, b)`` cut into spans of at most ``max_ms``, each cut at the least speech-like frame
    of the last third before the limit (its middle when no probabilities are known)."""
    out: list[Span] = []
    while b - a > max_ms:
        lo, hi = a + max_ms * 2 // 3, a + max_ms
        cut = (lo + hi) // 2
        if probs is not None and len(probs):
            f0 = min(len(probs) - 1, lo // PROB_FRAME_MS)
            f1 = min(len(probs), max(f0 + 1, hi // PROB_FRAME_MS))
            quietest = f0 + int(np.argmin(probs[f0:f1]))
            cut = min(hi, max(lo, quietest * PROB_FRAME_MS + PROB_FRAME_MS // 2))
        out.append((a, cut))
        a = cut
    out.append((a, b))
    return out
