"""Word error rate: how far a transcript's words are from a reference.

The self-test, the tests and the benchmarks share this one definition, so a number printed by
the self-test means what a test's limit means. It agrees with ``jiwer.wer`` on the same word
lists (a test checks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def normalise_words(text: str) -> list[str]:
    """Lower-case words without punctuation: ``"Welcome to Wavescribe. It’s OK!"`` ->
    ``["welcome", "to", "wavescribe", "it's", "ok"]`` (letters of any script count)."""
    return _WORD.findall(text.lower().replace("’", "'"))


def word_error_rate(reference: str | Sequence[str], hypothesis: str | Sequence[str]) -> float:
    """Word-level Levenshtein distance divided by the reference's length.

    Strings are split with :func:`normalise_words`; word sequences are compared as given. An
    empty reference scores 0 against an empty hypothesis and 1 against anything else.
    """
    ref = normalise_words(reference) if isinstance(reference, str) else list(reference)
    hyp = normalise_words(hypothesis) if isinstance(hypothesis, str) else list(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / len(ref)
