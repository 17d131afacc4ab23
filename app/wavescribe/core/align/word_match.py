"""Match the words the engine heard to the words of the script.

Both sides are normalised (case, punctuation, quotes, accents; hyphenated words compared part by
part) and aligned as a longest common subsequence of word tokens (rapidfuzz's ``Indel.opcodes``,
C++), which tolerates words inserted or dropped on either side. Substitution is not an edit of its
own there on purpose: a plain Levenshtein alignment happily "substitutes" a whole sentence that is
not in the audio for one the script dropped, shifting everything after it. Short stretches
(up to ``MAX_SUBSTITUTED`` words) dropped on one side and inserted on the other at the same place
are then paired one to one: a misheard word still marks where the script's word was spoken.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from rapidfuzz.distance import Indel

from wavescribe.core.refine.word_placement import ends_sentence

_NOT_WORD = re.compile(r"[^\w']+")
# Only this many words in a row are paired as "heard differently"; a longer differing stretch is
# more likely text that was not said (or said elsewhere) than a run of misheard words.
MAX_SUBSTITUTED = 3
_MARKUP = re.compile(r"<[^>]*>|\{[^}]*\}")
_SPLIT = re.compile(r"[-‐‑–—/]+")


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
    heard_last: list[int | None]  # the last heard word it covers (a hyphenated word spans two)

    @property
    def matched(self) -> int:
        return sum(k is Match.EXACT for k in self.kind)


def normalise(word: str) -> str:
    """A word reduced to what speech can tell apart: lower case, accents folded, no punctuation."""
    text = _MARKUP.sub("", word)  # <i>, <b>, {\\an8}: styling, not speech
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NOT_WORD.sub("", text).strip("'_")


def match_words(script_words: Sequence[str], heard_words: Sequence[str]) -> WordMatch:
    """Align ``heard_words`` to ``script_words`` (see module doc). Words are compared part by
    part at hyphens and dashes ("25-30" heard, "25 to 30" written); punctuation-only words on
    either side take no part (they are timed with their neighbours)."""
    s_owner, a = _parts(script_words)
    h_owner, b = _parts(heard_words)
    first: list[int | None] = [None] * len(script_words)
    last: list[int | None] = [None] * len(script_words)
    kind = [Match.UNMATCHED] * len(script_words)
    pairs: list[tuple[int, int, Match]] = []
    ops = list(Indel.opcodes(a, b))
    for k, op in enumerate(ops):
        n = op.src_end - op.src_start
        if op.tag == "equal":
            pairs += [(op.src_start + i, op.dest_start + i, Match.EXACT) for i in range(n)]
        elif op.tag == "delete" and k + 1 < len(ops) and ops[k + 1].tag == "insert":
            other = ops[k + 1]
            if n == other.dest_end - other.dest_start <= MAX_SUBSTITUTED:
                pairs += [
                    (op.src_start + i, other.dest_start + i, Match.SUBSTITUTED) for i in range(n)
                ]
        elif op.tag == "insert" and k + 1 < len(ops) and ops[k + 1].tag == "delete":
            other = ops[k + 1]
            m = op.dest_end - op.dest_start
            if m == other.src_end - other.src_start <= MAX_SUBSTITUTED:
                pairs += [
                    (other.src_start + i, op.dest_start + i, Match.SUBSTITUTED) for i in range(m)
                ]
        elif op.tag == "replace" and n == op.dest_end - op.dest_start <= MAX_SUBSTITUTED:
            pairs += [(op.src_start + i, op.dest_start + i, Match.SUBSTITUTED) for i in range(n)]
    pairs = _slide_isolated(pairs, a, b, [heard_words[h] for h in h_owner])
    for sp, hp, how in pairs:
        i, h = s_owner[sp], h_owner[hp]
        if first[i] is None:
            first[i], kind[i] = h, how
        elif how is not Match.EXACT:
            kind[i] = how
        last[i] = h
    return WordMatch(first, kind, last)


def _parts(words: Sequence[str]) -> tuple[list[int], list[str]]:
    """Normalised word parts and the index of the word each comes from."""
    owner: list[int] = []
    keys: list[str] = []
    for i, w in enumerate(words):
        for part in _SPLIT.split(w):
            key = normalise(part)
            if key:
                owner.append(i)
                keys.append(key)
    return owner, keys


def _slide_isolated(
    pairs: list[tuple[int, int, Match]],
    keys: Sequence[str],
    heard_keys: Sequence[str],
    heard_parts: Sequence[str],
) -> list[tuple[int, int, Match]]:
    """Move a match across a gap of unmatched script words to the same word after the gap when
    the heard words continue there: "sentence [the] cabbage … is the hospital" with only "the
    hospital" heard pairs the heard "the" with the script's second "the", not the first. A match
    continuing a matched run on its left stays, unless the heard word before it ends a sentence.
    """
    pairs = sorted(pairs)
    for k in range(len(pairs) - 1):
        sp, hp, how = pairs[k]
        nsp, nhp, _ = pairs[k + 1]
        if nsp - sp > 1 and nhp == hp + 1 and keys[nsp - 1] == keys[sp]:
            joined = k > 0 and pairs[k - 1][0] == sp - 1 and pairs[k - 1][1] == hp - 1
            if not joined or ends_sentence(
                heard_parts[hp - 1]
            ):  # not part of a run matched on its left: slide it right
                pairs[k] = (nsp - 1, hp, how)
    return pairs
