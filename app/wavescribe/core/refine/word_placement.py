"""Put each word inside the speech it belongs to.

Whisper.cpp's word times are rough: a sentence's first words often sit in the silence before it,
and its last words run on up to a second and a half (more next to a tone bed) into the silence
after it (see NOTES). Nudging edges that overlap silence, which is what stable-ts's suppression
does, cannot fix a word that lies wholly in a gap. So we decide, for every word, which speech region
it was spoken in, and then lay the words of each region out inside it:

1. Assignment (dynamic programming over words x regions, order preserved). A word costs its
   distance from the region (1 per second up to a second, little more beyond: Whisper can be
   seconds off) and, if its Whisper segment barely overlaps the region, up to SEGMENT_WEIGHT.
   Moving to a later region between two words costs nothing after a sentence end, a little after a
   comma or at a segment end, most in mid-phrase, and more the longer the pause crossed (nobody
   stops for six seconds mid-phrase). Words timed by DTW count from their middle and their
   segment adds nothing (``trust_times``). A region left without words costs in proportion to its
   length (speech nobody transcribed is unlikely). A word may be dropped at a fixed cost when it is
   far from all speech (a hallucination in silence).
2. Layout: inside its region, a run of words keeps its relative rough timing (mapped linearly onto
   the region) blended with a share of the region proportional to its characters, which steadies
   words that Whisper squashed to zero length. The first word starts at the region's onset and the
   last ends at its offset, which :mod:`edge_sharpening` measured to a few milliseconds. Words
   timed by whisper.cpp's DTW (``keep_times``) are not re-laid: each keeps its own time, clamped
   into the region; that measured better inside long regions (``benchmarks/sentence_joins.py``).

Pure Python and numpy; no torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wavescribe.core.transcript import Word

DIST_PER_S = 1.0
DIST_KNEE = 1.0  # seconds
DIST_FAR_PER_S = 0.1
DROP_COST = 3.0
SKIP_BASE = 0.6
SKIP_PER_S = 0.6
BOUNDARY_SENTENCE = (0.0, 0.0)
BOUNDARY_CLAUSE = (0.25, 0.1)
BOUNDARY_SEGMENT = (0.35, 0.15)
BOUNDARY_PHRASE = (0.9, 0.4)
PAUSE_CAP_S = 8.0
SEGMENT_WEIGHT = 0.8
BAND_MS = 30000
ROUGH_WEIGHT = 0.5  # share of the rough (Whisper) timing in the layout; the rest is char share
MIN_WORD_MS = 30

SENTENCE_END = tuple(".?!…。？！")
CLAUSE_END = tuple(",;:—–、，；：")
_CLOSERS = "\"'”’)]}»"


@dataclass(frozen=True, slots=True)
class Placement:
    """Which region each word went to (``None``: dropped as not spoken)."""

    region_of: list[int | None]


def ends_sentence(text: str) -> bool:
    """Whether a word ends a sentence (closing quotes and brackets ignored)."""
    return text.rstrip().rstrip(_CLOSERS).endswith(SENTENCE_END)


def ends_clause(text: str) -> bool:
    """Whether a word ends with clause punctuation (comma, semicolon, colon, dash)."""
    return text.rstrip().rstrip(_CLOSERS).endswith(CLAUSE_END)


def boundary_cost(word: Word, segment_end: bool) -> tuple[float, float]:
    """What it costs to put a pause right after ``word``: a fixed part and a part per second of
    pause (nobody stops for six seconds in mid-phrase, but anyone may between sentences)."""
    if ends_sentence(word.text):
        return BOUNDARY_SENTENCE
    if ends_clause(word.text):
        return BOUNDARY_CLAUSE
    if segment_end:
        return BOUNDARY_SEGMENT
    return BOUNDARY_PHRASE


def assign_regions(
    words: Sequence[Word],
    regions: Sequence[tuple[int, int]],
    segment_of: Sequence[int] | None = None,
    segment_spans: Sequence[tuple[int, int]] | None = None,
    *,
    allow_drop: bool = True,
    trust_times: bool = False,
) -> Placement:
    """The cheapest order-preserving assignment of words to speech regions (see module doc).

    ``segment_of[i]`` is the index of word i's Whisper segment (or subtitle cue) in
    ``segment_spans``; a region that its segment barely overlaps costs a word up to
    ``SEGMENT_WEIGHT``. With ``allow_drop=False`` every word is placed (for text a person wrote)
    unless there is no region at all. Only regions within ``BAND_MS`` of a word's rough time are
    considered, which keeps hours of audio fast.

    ``trust_times``: the words' own times are good (whisper.cpp's DTW): a word's distance is
    from its middle (a word spanning a pause belongs where most of it lies), and its segment
    adds no cost (the segment's span is made of those same times). Measured on
    ``benchmarks/sentence_joins.py``'s transcript: word starts at the joins 364 -> 160 ms,
    alignment 302/387 -> 204/262; espeak, Apollo 11 and FLEURS clip edges unchanged.
    """
    n, m = len(words), len(regions)
    if n == 0:
        return Placement([])
    if m == 0:
        return Placement([None] * n)
    seg_of = list(segment_of) if segment_of is not None else [0] * n
    spans = list(segment_spans) if segment_spans is not None and not trust_times else None
    starts = np.array([r[0] for r in regions], float)
    ends = np.array([r[1] for r in regions], float)
    durs = np.maximum(ends - starts, 1.0)
    skip = SKIP_BASE + SKIP_PER_S * durs / 1000.0
    # prefix[j] = skip cost of regions 0..j-1; skipping regions a..b-1 costs prefix[b] - prefix[a].
    prefix = np.concatenate(([0.0], np.cumsum(skip)))
    pause_before = np.zeros(m)
    pause_before[1:] = np.clip((starts[1:] - ends[:-1]) / 1000.0, 0.0, PAUSE_CAP_S)
    bands = _bands(words, starts, ends)
    inf = float("inf")
    drop_cost = DROP_COST if allow_drop else inf
    # cost[j - lo], j in the current band [lo, hi): the last kept word is in region j.
    # none_yet: no word kept so far (all dropped).
    lo, hi = 0, 0
    cost = np.zeros(0)
    none_yet = 0.0
    trace: list[tuple[int, np.ndarray, np.ndarray]] = []  # per word: band start, source, dropped
    for i, w in enumerate(words):
        nlo, nhi = bands[i]
        idx = np.arange(nlo, nhi)
        first, last = (w.start, w.end) if not trust_times else ((w.start + w.end) / 2,) * 2
        gap = np.maximum(0.0, np.maximum(starts[idx] - last, first - ends[idx]))
        here = _distance_cost(gap)
        if spans is not None:
            a, b = spans[seg_of[i]]
            overlap = np.maximum(0.0, np.minimum(ends[idx], b) - np.maximum(starts[idx], a))
            share = np.clip(overlap / np.minimum(durs[idx], max(b - a, 1)), 0.0, 1.0)
            here = here + SEGMENT_WEIGHT * (1.0 - share)
        b_fixed, b_per_s = (0.0, 0.0)
        if i > 0:
            b_fixed, b_per_s = boundary_cost(words[i - 1], seg_of[i] != seg_of[i - 1])
        # Previous costs, laid over the new band (inf where the old band did not reach).
        prev = np.full(nhi - nlo, inf)
        ov_lo, ov_hi = max(lo, nlo), min(hi, nhi)
        if ov_lo < ov_hi:
            prev[ov_lo - nlo : ov_hi - nlo] = cost[ov_lo - lo : ov_hi - lo]
        # A move into region j comes from the best j' < j: min of cost[j'] - prefix[j'+1].
        # Old-band states left of the new band are folded into one starting value.
        left_best, left_arg = inf, m
        if lo < min(nlo, hi):
            left = cost[: min(nlo, hi) - lo] - prefix[lo + 1 : min(nlo, hi) + 1]
            k = int(np.argmin(left))
            left_best, left_arg = float(left[k]), lo + k
        run_min, run_arg = _running_min(prev - prefix[idx + 1], idx)
        take_left = left_best < run_min
        run_min = np.where(take_left, left_best, run_min)
        run_arg = np.where(take_left, left_arg, run_arg)
        before_min = np.concatenate(([left_best], run_min[:-1]))
        before_arg = np.concatenate(([left_arg], run_arg[:-1]))
        move = before_min + b_fixed + b_per_s * pause_before[idx] + prefix[idx] + here
        stay = prev + here
        first = none_yet + prefix[idx] + here
        new = np.minimum(np.minimum(stay, move), first)
        src = np.where(new == stay, idx, np.where(new == move, before_arg, m))
        drop = prev + drop_cost
        dropped = drop < new
        new = np.where(dropped, drop, new)
        src = np.where(dropped, idx, src)
        trace.append((nlo, src.astype(np.int64), dropped))
        none_yet += drop_cost
        lo, hi, cost = nlo, nhi, new
    # Regions after the last kept word are skipped too.
    final = cost + prefix[m] - prefix[np.arange(lo, hi) + 1]
    state = lo + int(np.argmin(final))
    if none_yet + prefix[m] < final.min():
        state = m
    region_of: list[int | None] = [None] * n
    for i in range(n - 1, -1, -1):
        if state == m:
            break  # this word and every earlier one were dropped
        blo, src, dropped = trace[i]
        region_of[i] = None if dropped[state - blo] else state
        state = int(src[state - blo])
    return Placement(region_of)


def _bands(words: Sequence[Word], starts: np.ndarray, ends: np.ndarray) -> list[tuple[int, int]]:
    """For each word, the regions it may go to: those within BAND_MS of its rough time (and at
    least the nearest), the range never moving backwards from one word to the next."""
    m = len(starts)
    ws = np.array([w.start for w in words], float)
    we = np.array([max(w.end, w.start) for w in words], float)
    lo = np.searchsorted(ends, ws - BAND_MS, side="left")
    hi = np.searchsorted(starts, we + BAND_MS, side="right")
    nearest = np.clip(np.searchsorted(starts, ws, side="right") - 1, 0, m - 1)
    lo = np.minimum(lo, nearest)
    hi = np.maximum(hi, np.minimum(nearest + 2, m))
    lo = np.minimum.accumulate(lo[::-1])[::-1]  # non-decreasing from the left
    hi = np.maximum.accumulate(hi)
    return [(int(a), int(b)) for a, b in zip(lo, hi, strict=True)]


def _running_min(x: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running minimum of x, and the region index (from idx) where it was reached."""
    run = np.minimum.accumulate(x)
    positions = np.where(x <= run, np.arange(len(x)), 0)
    return run, idx[np.maximum.accumulate(positions)]


def _distance_cost(gap_ms: np.ndarray) -> np.ndarray:
    # Saturating: Whisper can misplace a sentence's last word by seconds, so beyond DIST_KNEE a
    # larger distance says little more than "somewhere else"; punctuation should decide then.
    s = gap_ms / 1000.0
    return DIST_PER_S * np.minimum(s, DIST_KNEE) + DIST_FAR_PER_S * np.maximum(0.0, s - DIST_KNEE)


def layout_words(
    words: Sequence[Word],
    placement: Placement,
    regions: Sequence[tuple[int, int]],
    *,
    keep_times: bool = False,
) -> list[Word]:
    """New words (dropped ones left out) laid out inside their regions (see module doc).

    ``keep_times``: the words' own times are good (whisper.cpp's DTW times): each keeps its
    time, clamped into its region (:func:`keep_in_place`), instead of being re-laid."""
    lay = keep_in_place if keep_times else _layout_run
    out: list[Word] = []
    i = 0
    n = len(words)
    while i < n:
        r = placement.region_of[i]
        if r is None:
            i += 1
            continue
        run = [words[i]]
        j = i + 1
        while j < n and placement.region_of[j] in (r, None):
            if placement.region_of[j] == r:
                run.append(words[j])
            j += 1
        out.extend(lay(run, *regions[r]))
        i = j
    return out


def keep_in_place(run: Sequence[Word], start: int, end: int) -> list[Word]:
    """The words of one region at their own times, clamped into ``start``-``end``, in order and
    at least ``MIN_WORD_MS`` long where the region has room; the first starts at the region's
    onset and the last ends at its offset, as in the layout."""
    span = max(end - start, 1)
    min_ms = min(MIN_WORD_MS, span // len(run))
    out: list[Word] = []
    prev = start
    for k, w in enumerate(run):
        latest_end = end - min_ms * (len(run) - k - 1)
        s = start if k == 0 else min(max(w.start, prev), latest_end - min_ms)
        e = end if k == len(run) - 1 else min(max(w.end, s + min_ms), latest_end)
        s = min(s, e)
        out.append(Word(start=s, end=e, text=w.text, probability=w.probability))
        prev = e
    return out


def _layout_run(run: Sequence[Word], start: int, end: int) -> list[Word]:
    span = max(end - start, 1)
    weights = np.array([max(1, len(w.text.strip())) + 1 for w in run], float)
    cum = np.concatenate(([0.0], np.cumsum(weights))) / weights.sum()
    char_s, char_e = cum[:-1], cum[1:]
    r0, r1 = run[0].start, max(w.end for w in run)
    if r1 - r0 >= 10 * len(run):
        lin_s = np.array([(w.start - r0) / (r1 - r0) for w in run])
        lin_e = np.array([(w.end - r0) / (r1 - r0) for w in run])
        rel_s = ROUGH_WEIGHT * np.clip(lin_s, 0, 1) + (1 - ROUGH_WEIGHT) * char_s
        rel_e = ROUGH_WEIGHT * np.clip(lin_e, 0, 1) + (1 - ROUGH_WEIGHT) * char_e
    else:
        rel_s, rel_e = char_s, char_e
    min_ms = min(MIN_WORD_MS, span // len(run))
    out: list[Word] = []
    prev = start
    for k, w in enumerate(run):
        s = start if k == 0 else max(prev, start + round(rel_s[k] * span))
        latest_end = end - min_ms * (len(run) - k - 1)
        e = end if k == len(run) - 1 else round(start + rel_e[k] * span)
        e = min(max(e, s + min_ms), latest_end)
        s = min(s, e)
        out.append(Word(start=s, end=e, text=w.text, probability=w.probability))
        prev = e
    return out


def estimate_offset(
    spans: Sequence[tuple[int, int]],
    regions: Sequence[tuple[int, int]],
    duration_ms: int,
    max_shift_ms: int = 15000,
    step_ms: int = 10,
) -> int:
    """The constant shift (ms, added to ``spans``) that best lays subtitle cues over the speech.

    Old subtitle files are often out of sync by a constant offset (another cut, another frame
    rate start); word placement can fix small errors but not a shift as long as the pauses.
    The shift maximises cue time over speech less cue time over silence (an FFT
    cross-correlation of the cue mask with a +1/-1 speech mask on a 10 ms grid), and is taken
    when that gains at least ``MIN_OFFSET_GAIN`` of the cue time over no shift. Counting cue
    time over silence against a shift matters for subtitles of continuous speech: a plain
    overlap gained only 10 % (the margin asked for) at a 2 s shift of sentence cues whose speech
    pauses for 1.5 s every 40 s, and the shift was missed.
    """
    n = duration_ms // step_ms + 1
    if not spans or not regions or n < 2:
        return 0
    cues = _mask(spans, n, step_ms)
    speech = 2.0 * _mask(regions, n, step_ms) - 1.0
    size = 1 << int(np.ceil(np.log2(2 * n)))
    corr = np.fft.irfft(np.fft.rfft(speech, size) * np.conj(np.fft.rfft(cues, size)), size)
    k = max_shift_ms // step_ms
    lags = np.concatenate((np.arange(0, k + 1), np.arange(-k, 0)))
    values = np.concatenate((corr[: k + 1], corr[size - k :]))
    best = int(np.argmax(values))
    if values[best] - corr[0] < MIN_OFFSET_GAIN * cues.sum():
        return 0
    return int(lags[best]) * step_ms


# A shift gaining less than this share of the cue time is left to word placement, which moves
# each cue's words to the speech nearby (300 ms on sentence cues of continuous speech: 2 %).
MIN_OFFSET_GAIN = 0.03


def _mask(spans: Sequence[tuple[int, int]], n: int, step_ms: int) -> np.ndarray:
    mask = np.zeros(n, float)
    for a, b in spans:
        mask[max(0, a // step_ms) : max(0, min(n, b // step_ms))] = 1.0
    return mask


MERGE_GAP_MS = 600  # a pause this short inside a word (a stop's closure, a slow "coun...try")
REACH_MS = 250  # the word's rough time reaches this close to the wordless region, or into it


def join_wordless_regions(
    words: Sequence[Word], placement: Placement, regions: Sequence[tuple[int, int]]
) -> tuple[list[tuple[int, int]], Placement]:
    """Regions with the wordless ones that a neighbouring word runs over joined to that word's.

    Silero may split one word at a long closure (JFK's last "country." is two regions, 0.3 s
    apart); the word goes to one of them and the other, left without words, is lost from the
    cue, whose end then came 0.6 s before the speech's. A wordless region joins its neighbour
    when the pause between them is short and the word next to it, by its rough time, reaches
    into it or nearly (whisper.cpp's rough end of "country." lay 0.5 s into the second region in
    one layout, 0.19 s before it in another). Returns the new regions and the placement
    re-indexed to them.
    """
    last_word: dict[int, Word] = {}
    first_word: dict[int, Word] = {}
    for w, r in zip(words, placement.region_of, strict=True):
        if r is not None:
            last_word[r] = w
            first_word.setdefault(r, w)
    joined_to: dict[int, int] = {}
    for k, (a, b) in enumerate(regions):
        if k in last_word:  # it has words of its own
            continue
        before, after = last_word.get(k - 1), first_word.get(k + 1)
        if (
            before is not None
            and a - regions[k - 1][1] <= MERGE_GAP_MS
            and before.end >= a - REACH_MS
        ):
            joined_to[k] = k - 1
        elif (
            after is not None
            and regions[k + 1][0] - b <= MERGE_GAP_MS
            and after.start <= b + REACH_MS
        ):
            joined_to[k] = k + 1
    if not joined_to:
        return list(regions), placement
    out: list[tuple[int, int]] = []
    new_index: dict[int, int] = {}
    for k, (a, b) in enumerate(regions):
        # A wordless region joining the one before it, or one whose wordless predecessor joins
        # it, extends the last region out; any other starts a new one.
        if joined_to.get(k) == k - 1 or joined_to.get(k - 1) == k:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
        new_index[k] = len(out) - 1
    return out, Placement([None if r is None else new_index[r] for r in placement.region_of])
