"""Speech Silero did not hear: loud, speech-like stretches outside every decoded piece.

Silero scores some voices near zero (a falsetto clip of the MFA voice-quality set: 0.01 at most
over 1.7 s at -22 dBFS), so speech-first decoding would never decode them. This module finds the
stretches that are clearly above the file's noise floor, outside what was decoded, and that move
like speech: syllables and pauses make a 10 ms level swing by 15 dB or more between its 10th and
90th percentile. Beds that are loud but steady do not: measured on the long layouts of
``tests/longform_layout.py``, mains hum swings 0.5-5 dB, pink noise ~7 dB, the music-like bed
10-11.5 dB; the falsetto clip 37 dB, a FLEURS sentence's tail Silero cut off 24 dB.

The swing is measured in 1.5 s around each point, not over the whole loud stretch: whispered
speech right after a music bed made one 16 s stretch that swung like speech as a whole, and the
whispered words were then spread over the music. Over 1.5 s the music bed swings 11.3 dB at
most; whispered, falsetto and FLEURS speech swing 15 dB or more in 92-100 % of their loud frames.

A stretch found here is only a candidate: speech-first decoding decodes it and keeps the text
only when the decode guard finds no tell (tiny.en decodes nothing in any of those beds, with
non-speech tokens suppressed).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wavescribe.core.audio.frames import db
from wavescribe.core.audio.load import SAMPLE_RATE
from wavescribe.core.audio.silence import runs
from wavescribe.core.transcript import Word

RATE = SAMPLE_RATE
FRAME_MS = 10
ABOVE_FLOOR_DB = 20.0  # a frame this far above the file's noise floor is sound
FLOOR_PERCENTILE = 10
JOIN_MS = 300  # quieter frames shorter than this stay inside a stretch (a pause between words)
MIN_MS = 1000  # the bar: every passage of at least 1 s is transcribed
SWING_DB = 15.0  # 90th minus 10th percentile of a stretch's frame levels: speech moves
SWING_SPAN_MS = 1500  # the swing is measured over this much around each point
STEP_MS = 100  # ... every this often
PAUSE_MS = 200  # quiet this long inside a word is a pause, not a sound of the word
MAX_WORD_MS = 1000  # ... and a word longer than this was timed over something else too

Span = tuple[int, int]


def frame_levels(audio: np.ndarray) -> np.ndarray:
    """Level (dBFS) of each 10 ms frame."""
    hop = RATE * FRAME_MS // 1000
    n = len(audio) // hop
    if n == 0:
        return np.zeros(0, np.float32)
    power = np.mean(np.square(audio[: n * hop].reshape(n, hop), dtype=np.float64), axis=1)
    levels: np.ndarray = db(power).astype(np.float32)
    return levels


def unheard_stretches(
    audio: np.ndarray, decoded: Sequence[Span], levels: np.ndarray | None = None
) -> list[Span]:
    """Stretches (ms) of at least ``MIN_MS`` outside ``decoded`` that are loud and speech-like.
    ``levels``: ``frame_levels(audio)``, if the caller has them."""
    levels = frame_levels(audio) if levels is None else levels
    if not len(levels):
        return []
    free = loud_frames(levels)
    for a, b in decoded:
        free[max(0, a // FRAME_MS) : max(0, -(-b // FRAME_MS))] = False
    out = []
    for a, b in _bridged_runs(free):
        if (b - a) * FRAME_MS >= MIN_MS:
            out += [(a * FRAME_MS + x, a * FRAME_MS + y) for x, y in _speech_like(levels[a:b])]
    return out


def outside(spans: Sequence[Span], decoded: Sequence[Span]) -> list[Span]:
    """The parts of ``spans`` outside every span of ``decoded``.

    Stretches found here lie outside the pieces speech-first decodes, but joined across short
    pauses (as pieces are) two of them could take in a piece between them: shuffled-3's
    "Montreal forced aligner" (Silero heard 0.4 s of it) was decoded in its piece and again in
    the 8.8 s stretch around it, both texts kept, and refinement, keeping the words in order,
    laid the piece's "Where is the line?" over JFK's next sentence."""
    out: list[Span] = []
    for a, b in spans:
        for x, y in sorted(decoded):
            if y <= a or b <= x:
                continue
            if a < x:
                out.append((a, x))
            a = max(a, y)
        if a < b:
            out.append((a, b))
    return out


def loud_frames(levels: np.ndarray) -> np.ndarray:
    """Which frames are sound: ``ABOVE_FLOOR_DB`` over the file's noise floor (the 10th
    percentile of its frame levels)."""
    if not len(levels):
        return np.zeros(0, bool)
    loud: np.ndarray = levels > float(np.percentile(levels, FLOOR_PERCENTILE)) + ABOVE_FLOOR_DB
    return loud


def sounding(loud: np.ndarray, words: Sequence[Word]) -> Span:
    """Where ``words`` (in order, decoded where Silero heard no speech) sound (``loud``:
    :func:`loud_frames` of the file): from their first
    start to their last end, less a pause of ``PAUSE_MS`` or more inside the first (last) word
    and what lies before (after) it, and the first (last) word at most ``MAX_WORD_MS`` long.

    DTW starts the first word where the fed audio starts, and a stretch found here starts where
    its level first swings, up to ``SWING_SPAN_MS`` / 2 before the speech: a whispered "This"
    was timed over 0.8 s of noise and the pause after it (shuffled-6), and refinement kept it
    there. No word holds a pause that long (a stop's closure is under 100 ms), and the
    multilingual base timed JFK's first "and" over 2 s, the music bed before it included."""
    a, b = words[0].start, words[-1].end
    quiet = ~loud
    before = _quiet_runs(quiet, a, words[0].end)
    after = _quiet_runs(quiet, words[-1].start, b)
    a = before[-1][1] if before else a
    b = after[0][0] if after else b
    a = max(a, words[0].end - MAX_WORD_MS)
    b = min(b, words[-1].start + MAX_WORD_MS)
    return (a, b) if b > a else (words[0].start, words[-1].end)


def _quiet_runs(quiet: np.ndarray, a: int, b: int) -> list[Span]:
    """The runs (ms) of at least ``PAUSE_MS`` of quiet frames inside ``[a, b)``."""
    f0, f1 = max(0, a // FRAME_MS), min(len(quiet), b // FRAME_MS)
    if f1 <= f0:
        return []
    found = zip(*(x.tolist() for x in runs(quiet[f0:f1])), strict=True)
    return [
        ((f0 + x) * FRAME_MS, (f0 + y) * FRAME_MS)
        for x, y in found
        if (y - x) * FRAME_MS >= PAUSE_MS
    ]


def _swing(levels: np.ndarray) -> float:
    return float(np.percentile(levels, 90) - np.percentile(levels, 10))


def _speech_like(levels: np.ndarray) -> list[Span]:
    """The parts (ms from the start of ``levels``) of at least ``MIN_MS`` whose level swings like
    speech over ``SWING_SPAN_MS``; dips shorter than ``JOIN_MS`` are bridged."""
    n, half, step = len(levels), SWING_SPAN_MS // FRAME_MS // 2, STEP_MS // FRAME_MS
    like = np.zeros(n, bool)
    for i in range(0, n, step):
        like[i : i + step] = _swing(levels[max(0, i - half) : i + half]) >= SWING_DB
    spans = _bridged_runs(like)
    return [(x * FRAME_MS, y * FRAME_MS) for x, y in spans if (y - x) * FRAME_MS >= MIN_MS]


def _bridged_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The runs of True frames in ``mask`` (first, end exclusive), dips of up to ``JOIN_MS``
    bridged."""
    out: list[tuple[int, int]] = []
    for a, b in zip(*(x.tolist() for x in runs(mask)), strict=True):
        if out and (a - out[-1][1]) * FRAME_MS <= JOIN_MS:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out
