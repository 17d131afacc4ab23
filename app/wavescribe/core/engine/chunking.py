"""Cut long audio into pieces for whisper.cpp at quiet points.

whisper.cpp copies the whole input (padded) and computes the log-mel of all of it before it
decodes the first window: for 3 hours that is ~1 GB on top of our own 16 kHz array. Feeding it
pieces of at most ``MAX_CHUNK_S`` bounds that cost; cutting where the audio is quietest keeps a
word from being split between two pieces.
"""

from __future__ import annotations

import os

import numpy as np

from wavescribe.core.audio.load import SAMPLE_RATE
from wavescribe.core.audio.silence import quietest_frame

# Overridable for tests and for machines where memory is tighter than time.
MAX_CHUNK_S = float(os.environ.get("WAVESCRIBE_CHUNK_S", "600"))
SEARCH_S = 20  # look this far back from the limit for the quietest moment
FRAME_MS = 50


def plan_chunks(
    audio: np.ndarray,
    rate: int = SAMPLE_RATE,
    max_s: float | None = None,
    search_s: float = SEARCH_S,
) -> list[tuple[int, int]]:
    """``[(start, end), ...]`` sample ranges covering ``audio``, each at most ``max_s`` long."""
    n = len(audio)
    limit = int((max_s or MAX_CHUNK_S) * rate)
    if n <= limit:
        return [(0, n)]
    frame = max(1, rate * FRAME_MS // 1000)
    search = min(int(search_s * rate), limit // 2)
    chunks: list[tuple[int, int]] = []
    start = 0
    while n - start > limit:
        lo, hi = start + limit - search, start + limit
        cut = lo + quietest_frame(audio[lo:hi], frame) * frame + frame // 2
        chunks.append((start, cut))
        start = cut
    chunks.append((start, n))
    return chunks
