"""Word boundaries inside the speech: move each boundary between two words to where the signal
says one word ends and the next begins.

(stub: measured first, see benchmarks/word_timing.py)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wavescribe.core.transcript import Word

ENABLED = True  # benchmarks/word_timing.py turns the pass off to measure what it adds


def place_word_boundaries(
    words: Sequence[Word], audio: np.ndarray, regions: Sequence[tuple[int, int]]
) -> list[Word]:
    """The words with their inner boundaries moved (see module doc); edges of speech stay."""
    return [Word(w.start, w.end, w.text, w.probability) for w in words]
