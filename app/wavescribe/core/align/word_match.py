"""Match the words the engine heard to the words of the script.

Both sides are normalised (case, punctuation, quotes, hyphens, digits spelled the same way on both
sides) and aligned with a Levenshtein alignment on word tokens (rapidfuzz's ``opcodes``, C++ and
linear in memory per row), which tolerates words inserted, dropped or substituted on either side.
Inside a substituted stretch of equal length the words are paired one to one: a misheard word
still marks where the script's word was spoken.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from rapidfuzz.distance import Levenshtein

_NOT_WORD = re.compile(r"[^\w']+")


class Match(Enum):
    """How a script word found its place in the audio."""

    EXACT = "exact"  # the engine heard this word
    SUBSTITUTED = "substituted"  # the engine heard another word in its place
    UNMATCHED = "unmatched"  # no heard word pairs with it (timed later from its neighbours)


@dataclass(frozen=True, slots=True)
class WordMatch:
    """For each script word: the index of its heard word (``None``: unmatched) and how."""

    heard_index: list[int | None]
    kind: list[Match]

    @property
    def matched(self) -> int:
        return sum(k is Match.EXACT for k in self.kind)


def normalise(word: str) -> str:
    """A word reduced to what speech can tell apart: lower case, accents folded, no punctuation."""
    text = unicodedata.normalize("NFKD", word.lower().replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NOT_WORD.sub("", text).strip("'_")


def match_words(script_words: Sequence[str], heard_words: Sequence[str]) -> WordMatch:
    """Align ``heard_words`` to ``script_words`` (see module doc). Punctuation-only words on
    either side take no part (they are timed with their neighbours)."""
    s_keys = [normalise(w) for w in script_words]
    h_keys = [normalise(w) for w in heard_words]
    s_idx = [i for i, k in enumerate(s_keys) if k]
    h_idx = [j for j, k in enumerate(h_keys) if k]
    heard_index: list[int | None] = [None] * len(script_words)
    kind = [Match.UNMATCHED] * len(script_words)
    a = [s_keys[i] for i in s_idx]
    b = [h_keys[j] for j in h_idx]
    for op in Levenshtein.opcodes(a, b):
        if op.tag == "equal":
            for k in range(op.src_end - op.src_start):
                i = s_idx[op.src_start + k]
                heard_index[i], kind[i] = h_idx[op.dest_start + k], Match.EXACT
        elif op.tag == "replace" and op.src_end - op.src_start == op.dest_end - op.dest_start:
            for k in range(op.src_end - op.src_start):
                i = s_idx[op.src_start + k]
                heard_index[i], kind[i] = h_idx[op.dest_start + k], Match.SUBSTITUTED
    return WordMatch(heard_index, kind)
