"""Balanced line breaking for one cue.

A cue's text goes on one line when it fits. Otherwise it is broken into the fewest lines that fit,
at the word boundary that reads best: lines of similar length (a slightly longer bottom line is
preferred, as broadcast style guides ask), after punctuation rather than mid-phrase, and never
leaving an article, preposition or conjunction dangling at the end of a line ("the | cat" reads
worse than "| the cat"). A word longer than a whole line gets a line of its own and overflows.

Words are passed as Whisper gives them: with their leading space (" world"), or none for scripts
written without spaces, so joining them gives the text back.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

# Words a line (or a cue) should not end with: they lean on the word after them.
_WEAK = """a an the of to in on at for with by from into onto upon about as than and or but nor so
    if that which who whom whose my your his her its our their this these those is are was were
    be been am not no very mr mrs ms dr st"""
WEAK_WORDS = frozenset(_WEAK.split())
_PUNCT_END = tuple(".?!…,;:—–。？！、，；：")
_CLOSERS = "\"'”’)]}»"

IMBALANCE_WEIGHT = 1.0
TOP_HEAVY_WEIGHT = 0.15
WEAK_END_PENALTY = 0.6
PUNCT_BONUS = 0.5
WEAK_START_BONUS = 0.2  # "softly | in the tall oak" beats "in the tall | oak tree"


def line_text(words: Sequence[str]) -> str:
    """The words as one line of text, outer spaces removed."""
    return "".join(words).strip()


def is_weak(word: str) -> bool:
    """Whether ``word`` should not end a line or a cue."""
    return word.strip().strip(_CLOSERS).lower() in WEAK_WORDS


def ends_with_punctuation(word: str) -> bool:
    return word.rstrip().rstrip(_CLOSERS).endswith(_PUNCT_END)


def fits(words: Sequence[str], max_chars: int, max_lines: int) -> bool:
    """Whether the words can be set in at most ``max_lines`` lines of ``max_chars``."""
    return _best(tuple(words), max_chars, max_lines) is not None


def break_lines(words: Sequence[str], max_chars: int, max_lines: int) -> list[str]:
    """The words set in balanced lines (see module doc). If they cannot fit, the best effort:
    lines of at most ``max_chars`` where possible, as few as possible."""
    words = tuple(w for w in words if w.strip())
    if not words:
        return []
    best = _best(words, max_chars, max_lines)
    if best is None:
        # Overflowing text (or one over-long word): fill lines greedily, never drop anything.
        best = _greedy(words, max_chars)
    return [line_text(words[a:b]) for a, b in zip((0, *best), (*best, len(words)), strict=True)]


def _greedy(words: tuple[str, ...], max_chars: int) -> tuple[int, ...]:
    cuts: list[int] = []
    start = 0
    for i in range(1, len(words)):
        if len(line_text(words[start : i + 1])) > max_chars:
            cuts.append(i)
            start = i
    return tuple(cuts)


@lru_cache(maxsize=4096)
def _best(words: tuple[str, ...], max_chars: int, max_lines: int) -> tuple[int, ...] | None:
    """Cut positions (indices where a new line starts) of the best layout, or None if none fits."""
    n = len(words)
    if len(line_text(words)) <= max_chars:
        return ()
    for n_lines in range(2, min(max_lines, n) + 1):
        result = _best_with(words, max_chars, n_lines)
        if result is not None:
            return result
    return None


def _best_with(words: tuple[str, ...], max_chars: int, n_lines: int) -> tuple[int, ...] | None:
    n = len(words)
    total = len(line_text(words))
    target = total / n_lines
    # dp[k][i]: best cost of setting words[:i] in k lines; back[k][i]: start of the k-th line.
    inf = float("inf")
    dp = [[inf] * (n + 1) for _ in range(n_lines + 1)]
    back = [[-1] * (n + 1) for _ in range(n_lines + 1)]
    dp[0][0] = 0.0
    for k in range(1, n_lines + 1):
        for i in range(k, n + 1):
            for j in range(k - 1, i):
                if dp[k - 1][j] == inf:
                    continue
                length = len(line_text(words[j:i]))
                if length > max_chars:
                    continue
                c = dp[k - 1][j] + _line_cost(words, j, i, length, target, k, n_lines)
                if c < dp[k][i]:
                    dp[k][i], back[k][i] = c, j
    if dp[n_lines][n] == inf:
        return None
    cuts: list[int] = []
    i = n
    for k in range(n_lines, 0, -1):
        j = back[k][i]
        if k > 1:
            cuts.append(j)
        i = j
    return tuple(reversed(cuts))


def _line_cost(
    words: tuple[str, ...], j: int, i: int, length: int, target: float, k: int, n_lines: int
) -> float:
    cost = IMBALANCE_WEIGHT * ((length - target) / max(target, 1.0)) ** 2
    if k < n_lines:  # this line ends at a break
        last = words[i - 1]
        if is_weak(last):
            cost += WEAK_END_PENALTY
        if ends_with_punctuation(last):
            cost -= PUNCT_BONUS
        elif i < len(words) and is_weak(words[i]):
            cost -= WEAK_START_BONUS
        if length > target:  # top-heavy
            cost += TOP_HEAVY_WEIGHT * (length - target) / max(target, 1.0)
    return cost
