"""Cut timed words into subtitle-shaped cues.

The order of preference is stable-ts's default regrouping (``sp=.* /./。/?/？/!/！`` → ``sg=.5`` →
``sp=,* /，`` → ``sl=…``), made aware of every rule in :class:`SubtitleRules`:

1. A cue never spans a sentence end or a pause of ``PAUSE_SPLIT_MS`` or more.
2. A stretch that still does not fit (too many characters for ``max_lines`` lines of
   ``max_chars_per_line``, or longer than ``max_duration_ms``) is partitioned optimally: as few cues
   as possible, of similar size, cut preferably after clause punctuation or at the longest pause,
   and never right after a word that leans on the next one ("the", "of", "and" ...).
3. A fragment too short to read (under ``min_duration_ms``) is merged into a neighbour across a
   short pause when the result still fits.

Then each cue is line-broken (:mod:`line_breaks`). Pure Python: testable without torch.
"""

from __future__ import annotations

from collections.abc import Sequence

from wavescribe.core.refine import line_breaks
from wavescribe.core.refine.word_placement import ends_clause, ends_sentence
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment, Word

PAUSE_SPLIT_MS = 500
MERGE_MAX_GAP_MS = 1000
PIECE_COST = 1.0
BALANCE_WEIGHT = 1.0
SENTENCE_BONUS = 0.8
CLAUSE_BONUS = 0.4
PAUSE_BONUS = 0.5  # at a pause of PAUSE_SPLIT_MS or more; less for shorter ones
WEAK_END_PENALTY = 0.6
MAX_WORDS_PER_CUE = 60  # bounds the search; a cue never holds this many words anyway

# Abbreviations whose period does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr.",
        "mrs.",
        "ms.",
        "dr.",
        "st.",
        "vs.",
        "etc.",
        "e.g.",
        "i.e.",
        "jr.",
        "sr.",
        "prof.",
        "no.",
    ]
)


def is_sentence_end(word: Word) -> bool:
    """A word ending a sentence: ``.?!…`` (not an abbreviation such as "Mr.")."""
    return ends_sentence(word.text) and word.text.strip().lower() not in _ABBREVIATIONS


def group_words(words: Sequence[Word], rules: SubtitleRules) -> list[list[Word]]:
    """Words grouped into cues, in order, every word kept (see module doc)."""
    blocks: list[list[Word]] = []
    for i, w in enumerate(words):
        if not blocks or _hard_break(words[i - 1], w):
            blocks.append([])
        blocks[-1].append(w)
    cues = [piece for block in blocks for piece in _partition(block, rules)]
    return _merge_fragments(cues, rules)


def build_cues(words: Sequence[Word], rules: SubtitleRules) -> list[Segment]:
    """Segments (cues) with line-broken text, times from their first and last word."""
    return [make_cue(group, rules) for group in group_words(words, rules)]


def carry_suspect(cues: Sequence[Segment], reasons: Sequence[str | None]) -> None:
    """Mark each cue suspect if any of its words came from a suspect segment, in place.

    ``reasons[i]`` is the suspect reason of the segment the ``i``-th word (over all cues, in
    order, as :func:`build_cues` keeps them) was decoded in, or None.
    """
    k = 0
    for cue in cues:
        own = [r for r in reasons[k : k + len(cue.words)] if r]
        k += len(cue.words)
        if own and cue.suspect is None:
            cue.suspect = own[0]


def make_cue(words: Sequence[Word], rules: SubtitleRules) -> Segment:
    """One cue from its words: text broken into balanced lines."""
    lines = line_breaks.break_lines(
        [w.text for w in words], rules.max_chars_per_line, rules.max_lines
    )
    return Segment(
        start=words[0].start,
        end=max(w.end for w in words),
        text="\n".join(lines),
        words=[Word(w.start, w.end, w.text, w.probability) for w in words],
    )


def _hard_break(prev: Word, word: Word) -> bool:
    return is_sentence_end(prev) or word.start - prev.end >= PAUSE_SPLIT_MS


def _fits(words: Sequence[Word], rules: SubtitleRules) -> bool:
    if len(words) == 1:
        return True  # one word alone may exceed any limit: nothing can be done about it
    if words[-1].end - words[0].start > rules.max_duration_ms:
        return False
    texts = [w.text for w in words]
    chars = len(line_breaks.line_text(texts))
    if chars > rules.max_chars + rules.max_lines:
        return False
    if rules.max_cps > 0 and chars * 1000 > rules.max_cps * rules.max_duration_ms:
        return False  # could not be read even if shown for the longest time allowed
    return line_breaks.fits(texts, rules.max_chars_per_line, rules.max_lines)


def _size(words: Sequence[Word], rules: SubtitleRules) -> float:
    """How full a cue is, 0..1 for one that fits: the larger of its text and duration shares."""
    chars = len(line_breaks.line_text([w.text for w in words])) / max(rules.max_chars, 1)
    duration = (words[-1].end - words[0].start) / max(rules.max_duration_ms, 1)
    return max(chars, duration)


def _cut_cost(left: Word, right: Word) -> float:
    """Cost of ending a cue after ``left`` (negative: a good place)."""
    cost = 0.0
    if is_sentence_end(left):
        cost -= SENTENCE_BONUS
    elif ends_clause(left.text):
        cost -= CLAUSE_BONUS
    elif line_breaks.is_weak(left.text):
        cost += WEAK_END_PENALTY
    gap = max(0, right.start - left.end)
    cost -= PAUSE_BONUS * min(gap, PAUSE_SPLIT_MS) / PAUSE_SPLIT_MS
    return cost


def _partition(block: list[Word], rules: SubtitleRules) -> list[list[Word]]:
    """Fewest, most even cues that fit, cut at the best places (dynamic programming)."""
    n = len(block)
    if _fits(block, rules):
        return [block]
    inf = float("inf")
    best = [inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for j in range(1, n + 1):
        for i in range(j - 1, max(-1, j - 1 - MAX_WORDS_PER_CUE), -1):
            piece = block[i:j]
            if len(piece) > 1 and not _fits(piece, rules):
                too_long = piece[-1].end - piece[0].start > rules.max_duration_ms
                if (
                    too_long
                    or len(line_breaks.line_text([w.text for w in piece])) > rules.max_chars
                ):
                    break  # adding words only makes it longer
                continue
            if best[i] == inf:
                continue
            cost = best[i] + PIECE_COST + BALANCE_WEIGHT * _size(piece, rules) ** 2
            if i > 0:
                cost += _cut_cost(block[i - 1], block[i])
            if cost < best[j]:
                best[j], back[j] = cost, i
    pieces: list[list[Word]] = []
    j = n
    while j > 0:
        i = back[j]
        pieces.append(block[i:j])
        j = i
    return pieces[::-1]


def _merge_fragments(cues: list[list[Word]], rules: SubtitleRules) -> list[list[Word]]:
    """Merge cues too short to read into a neighbour across a short pause, if the result fits."""
    cues = [list(c) for c in cues]
    i = 0
    while i < len(cues):
        cue = cues[i]
        if cue[-1].end - cue[0].start >= rules.min_duration_ms:
            i += 1
            continue
        options = []
        if i > 0:
            gap = cue[0].start - cues[i - 1][-1].end
            options.append((gap, i - 1))
        if i + 1 < len(cues):
            gap = cues[i + 1][0].start - cue[-1].end
            options.append((gap, i + 1))
        merged = False
        for gap, j in sorted(options):
            if gap > MERGE_MAX_GAP_MS:
                continue
            a, b = min(i, j), max(i, j)
            candidate = cues[a] + cues[b]
            if _fits(candidate, rules):
                cues[a : b + 1] = [candidate]
                i = a  # the merged cue may still be short: look at it again
                merged = True
                break
        if not merged:
            i += 1
    return cues
