"""Word boundaries inside a stretch of speech from an acoustic forced alignment.

whisper.cpp's DTW times a word by where the decoder's attention looked, which on real read
speech puts half the boundaries inside a run of speech more than 160 ms off. Once the words are
known, an HMM forced alignment of their phones against the audio finds where the sounds change
instead; that is what forced aligners (MFA, Gentle) do. One stretch is aligned by
:mod:`phone_alignment` (CMU PocketSphinx and its US English model); this module decides what to
align and keeps of it what is better than what speech detection and whisper.cpp said.

Callers take only the boundaries *between* words of one speech region from here: a region's
outer edges are sharpened from the signal (:mod:`edge_sharpening`) to a few ms, better than the
aligner's 10 ms frames and silence model. A stretch the aligner cannot align (it gives up, or
its words do not come back in order) returns ``None``; :func:`retime_in_regions` then tries it
without its last word, without its first, and in halves, and what still fails keeps its earlier
times. Measured in ``benchmarks/word_timing.py`` and ``benchmarks/sentence_joins.py``.

English, and the languages in :data:`LANGUAGES` whose words espeak-ng spells in phones for the
same English phone models (:mod:`espeak_phones`); other languages keep whisper.cpp's times.
``WAVESCRIBE_FORCED_ALIGN=0`` turns it off (for comparisons).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from wavescribe.core import errors
from wavescribe.core.refine import espeak_phones
from wavescribe.core.refine.phone_alignment import (
    FRAME_MS,
    MAX_STRETCH_MS,
    align_words,
    base_language,
    known_word,
)
from wavescribe.core.transcript import Word

DOUBTFUL = 0.3  # whisper.cpp's word probability under which a word keeps its DTW edges
SPLIT_DEPTH = 3  # a run that does not align is halved this many times at most
SHORT_PAUSE_MS = 600  # at a pause this short, the aligner says which side each word is on
# The words either side of it aligned for that: 2, 3 and 4 moved the same words on the joins
# (sentence_joins.py); the aligner's time there 2.60 s without, 2.76 / 2.86 / 2.94 s with.
PAUSE_WORDS = 3
MIN_SPLIT_WORDS = 3
ENV = "WAVESCRIBE_FORCED_ALIGN"
# English from the CMU dictionary; the others spelled by espeak-ng, each kept because it measured
# better than whisper.cpp's DTW times at the splices of its FLEURS sentences (multilingual base,
# 15 splices each; median start/end ms, transcription and aligned script, DTW -> aligned):
# de 100/130 -> 98/80 and 100/158 -> 150/55; es 100/176 -> 25/110 and 102/176 -> 40/50;
# fr 95/178 -> 40/130 and 98/174 -> 60/60; pt 102/182 -> 23/90 and 102/182 -> 26/26.
LANGUAGES = ("en", "de", "es", "fr", "pt")
# Words of unknown language (opened subtitles) are taken for English when the pronouncing
# dictionary has this share of them: 0.94-1.00 on the FLEURS English texts, 0.28-0.71 on its
# German, Spanish, French and Portuguese ones.
ENGLISH_SHARE = 0.85
AUTO = "auto"


class Retime(Protocol):
    """Re-times words inside speech regions by forced alignment, as :func:`retime_words` does:
    the engine's worker's (``Engine.force_align``), or this process's."""

    def __call__(
        self,
        words: list[Word],
        regions: list[tuple[int, int]],
        doubted: dict[int, int],
        language: str | None,
        rough: bool = False,
    ) -> tuple[list[Word], dict[str, Any] | None]: ...


def enabled(language: str | None) -> bool:
    """Whether words in ``language`` are aligned here (English, PocketSphinx installed, not
    turned off by ``WAVESCRIBE_FORCED_ALIGN=0``)."""
    if os.environ.get(ENV, "").strip().lower() in ("0", "false", "no", "off"):
        return False
    code = base_language(language)
    if code not in LANGUAGES:
        return False
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return False
    return code == "en" or espeak_phones.available(code)


def looks_english(words: Sequence[Word]) -> bool:
    """Whether words of no stated language read as English (:data:`ENGLISH_SHARE` known)."""
    texts = [w.text for w in words if any(c.isalpha() for c in w.text)]
    if not texts:
        return False
    known = sum(known_word(t) for t in texts)
    return known >= ENGLISH_SHARE * len(texts)


def _language_of(words: Sequence[Word]) -> str:
    """The language of words that came with none: English if they read as English, else the
    one their function words say (:func:`languages.guess_language`), else "und"."""
    from wavescribe.core.languages import guess_language

    if words and enabled("en") and looks_english(words):
        return "en"
    return guess_language([w.text for w in words]) or "und"


def retime_by(
    retime: Retime | None,
    audio: np.ndarray,
    words: list[Word],
    regions: list[tuple[int, int]],
    doubted: dict[int, int],
    language: str | None,
    check: Callable[[], None] | None = None,
    progress: Callable[[float], None] | None = None,
    rough: bool = False,
) -> tuple[list[Word], dict[str, Any] | None]:
    """:func:`retime_words` in this process (``retime`` None) or through ``retime`` (the engine's
    worker). If the worker crashes, the words keep their times and the report says
    ``{"crashed": why}``."""
    if retime is None:
        return retime_words(audio, words, regions, language, check, doubted, progress, rough)
    try:
        return retime(words, regions, doubted, language, rough)
    except errors.EngineCrashed as exc:
        return list(words), {"crashed": str(exc)}


def retime_words(
    audio: np.ndarray,
    words: Sequence[Word],
    regions: Sequence[tuple[int, int]],
    language: str | None,
    check: Callable[[], None] | None = None,
    doubted_ends: Mapping[int, int] | None = None,
    progress: Callable[[float], None] | None = None,
    rough: bool = False,
) -> tuple[list[Word], dict[str, Any] | None]:
    """:func:`retime_in_regions` where it applies (:func:`enabled` for ``language``), and what it
    did for the transcript's metadata: ``{"failed_regions", "ends_from_energy", "seconds"}``,
    or ``None`` when it did not run (the words come back as they were). ``language`` ``AUTO``:
    not known (opened subtitles); found from the words (:func:`_language_of`).
    ``rough``: the words were laid by length, not heard (re-timed subtitles): first the aligner
    says which region each word is in (:func:`regions_by_alignment`)."""
    if language == AUTO:
        language = _language_of(words)
    if not words or not enabled(language):
        return list(words), None
    t0 = time.perf_counter()
    if rough:
        words = regions_by_alignment(audio, words, regions, base_language(language), check)
    out, failed, moved = retime_in_regions(
        audio, words, regions, check, doubted_ends, progress, base_language(language)
    )
    return out, {
        "failed_regions": failed,
        "ends_from_energy": moved,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def retime_in_regions(
    audio: np.ndarray,
    words: Sequence[Word],
    regions: Sequence[tuple[int, int]],
    check: Callable[[], None] | None = None,
    doubted_ends: Mapping[int, int] | None = None,
    progress: Callable[[float], None] | None = None,
    language: str = "en",
) -> tuple[list[Word], int, int]:
    """``words`` (each inside one of ``regions``, in order) with the boundaries between words of
    one region taken from the forced alignment; first starts and last ends stay, except where
    the aligner hears a word on the other side of a short pause (:func:`_sides_of_short_pauses`:
    it moves there, and the two regions' words end at their edges). Also returns
    how many stretches could not be aligned (they keep their times) and how many region ends
    were moved. ``check()`` is called before each region (it raises to cancel), and
    ``progress`` with the share of the words done.

    ``doubted_ends``: region end -> the energy edge that edge sharpening did not believe in noise
    (:func:`edge_sharpening.sharpen_edges`). Where the aligner ends the region's last word nearer
    the energy edge than the region's end, the last word ends there instead; the choice stays
    between the two edges, which are finer than the aligner's 10 ms frames. Measured on the long
    real layout ("... forced aligner" in pink noise): the end 242 -> 76 ms from the gold text's
    forced-aligned end."""
    out = list(words)
    doubted_ends = doubted_ends or {}
    starts = np.array([a for a, _ in regions], float)
    region_of = np.searchsorted(starts, [(w.start + w.end) / 2 for w in words], side="right") - 1
    out, region_of = _sides_of_short_pauses(audio, out, regions, region_of, check, language)
    failed = moved = 0
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and region_of[j] == region_of[i]:
            j += 1
        if j - i >= 2 and region_of[i] >= 0:
            if check is not None:
                check()
            if progress is not None:
                progress(i / len(words))
            given = out[i:j]
            out[i:j], missed, aligned_end = _retime_run(audio, given, SPLIT_DEPTH, language)
            floor = regions[region_of[i] - 1][1] if region_of[i] > 0 else 0
            earlier = _squeezed_start(audio, out[i:j], floor, language)
            if earlier is not None:  # the speech began before speech detection heard it
                first = given[0]
                given = [Word(earlier, first.end, first.text, first.probability), *given[1:]]
                out[i:j], missed, aligned_end = _retime_run(audio, given, SPLIT_DEPTH, language)
            failed += missed
            end = regions[region_of[i]][1]
            energy_end = doubted_ends.get(end)
            last = out[j - 1]
            if (
                energy_end is not None
                and aligned_end is not None
                and last.end == end
                and last.start < energy_end
                and abs(aligned_end - energy_end) < abs(aligned_end - end)
            ):
                out[j - 1] = Word(last.start, energy_end, last.text, last.probability)
                moved += 1
        i = j
    return out, failed, moved


SQUEEZED_MS = 50  # a region's first word shorter than this was likely said before it began
LOOKBACK_MS = 600  # how far before the region the aligner then looks for it


def _squeezed_start(
    audio: np.ndarray, run: Sequence[Word], floor_ms: int, language: str
) -> int | None:
    """Where a region's first word starts when speech detection began the region too late.

    Silero sometimes starts a region at the second word when a soft first word follows a noise
    ("[noise] The hospital ...": the region began at "hos-", 350 ms after "The"), and the
    aligner then squeezes the first word into nothing at the region's edge. For a first word
    under ``SQUEEZED_MS``, its first few words are aligned again from up to ``LOOKBACK_MS``
    earlier (not before ``floor_ms``, the previous region's end); an earlier start the aligner
    finds, with a word of at least ``SQUEEZED_MS``, is returned."""
    if len(run) < 2:
        return None
    first = run[0]
    if first.end - first.start >= SQUEEZED_MS:
        return None
    k = min(len(run), PAUSE_WORDS + 1)
    start = max(floor_ms + FRAME_MS, first.start - LOOKBACK_MS)
    if start >= first.start:
        return None
    spans = align_words(audio, start, run[k - 1].end, [w.text for w in run[:k]], language)
    if spans is None or spans[0] is None:
        return None
    a, b = spans[0]
    if a >= first.start - 3 * FRAME_MS or b - a < SQUEEZED_MS:
        return None
    return max(a, start)


def _sides_of_short_pauses(
    audio: np.ndarray,
    words: list[Word],
    regions: Sequence[tuple[int, int]],
    region_of: np.ndarray,
    check: Callable[[], None] | None,
    language: str = "en",
) -> tuple[list[Word], np.ndarray]:
    """Words moved to the side of a short pause the aligner hears them on.

    Regions are aligned one by one, and a word that speech detection and whisper.cpp's times
    put on the wrong side of a short pause cannot cross it there ("However, [pause]" laid after
    its pause; "... expressed. The [pause]" with "The" after it). At each pause under
    ``SHORT_PAUSE_MS`` between two regions with words, the ``PAUSE_WORDS`` words either side are
    aligned as one stretch over the pause, and each goes to the side its aligned middle lies on.
    The two regions' words then take the aligner's times inside them, edges at the regions'."""
    out = list(words)
    region_of = region_of.copy()
    if np.any(np.diff(region_of) < 0):  # not in time order: nothing here to go by
        return out, region_of
    for r in range(len(regions) - 1):
        if regions[r + 1][0] - regions[r][1] >= SHORT_PAUSE_MS:
            continue
        left = list(_words_in(region_of, r))[-PAUSE_WORDS:]
        right = list(_words_in(region_of, r + 1))[:PAUSE_WORDS]
        if not left or not right:
            continue
        if check is not None:
            check()
        idx = left + right
        texts = [out[n].text for n in idx]
        spans = align_words(audio, out[idx[0]].start, out[idx[-1]].end, texts, language)
        if spans is None or any(sp is None for sp in spans):
            continue
        middle = (regions[r][1] + regions[r + 1][0]) / 2
        after = [(sp[0] + sp[1]) / 2 > middle for sp in spans if sp is not None]  # all are
        if after != sorted(after) or after.count(False) == len(left):
            continue  # out of order, or nothing to move
        cut = after.count(False)
        for k, n in enumerate(idx):
            region_of[n] = r if k < cut else r + 1
        aligned = dict(zip(idx, spans, strict=True))
        for side in (r, r + 1):  # the aligner's times inside the region, its edges at the ends
            mine = _words_in(region_of, side)
            ra, rb = regions[side]
            prev = ra
            for m, n in enumerate(mine):
                w = out[n]
                span = aligned.get(n) or (w.start, w.end)
                start = ra if m == 0 else min(max(span[0], prev), rb - 1)
                end = rb if m == len(mine) - 1 else min(max(span[1], start + 1), rb - 1)
                out[n] = Word(start, end, w.text, w.probability)
                prev = end
    return out, region_of


def regions_by_alignment(
    audio: np.ndarray,
    words: Sequence[Word],
    regions: Sequence[tuple[int, int]],
    language: str = "en",
    check: Callable[[], None] | None = None,
) -> list[Word]:
    """Words laid by length (subtitles without word times) moved to the region the aligner hears
    them in. Regions apart by less than ``SHORT_PAUSE_MS`` are aligned together with all their
    words (up to ``MAX_STRETCH_MS``), and each word goes to the region its aligned middle is
    nearest, laid there at its aligned times, the region's first and last word at its edges. A
    length layout puts a cue's words across a short pause in proportion to the speech either
    side, and every word it puts on the wrong side makes both regions' alignments fail (French
    cues: 4 of 9 regions). Groups that do not align keep their words as they were."""
    out = list(words)
    starts = np.array([a for a, _ in regions], float)
    region_of = np.searchsorted(starts, [(w.start + w.end) / 2 for w in words], side="right") - 1
    if len(regions) < 2 or np.any(np.diff(region_of) < 0) or np.any(region_of < 0):
        return out
    first = 0
    while first < len(regions):
        last = first
        while (
            last + 1 < len(regions)
            and regions[last + 1][0] - regions[last][1] < SHORT_PAUSE_MS
            and regions[last + 1][1] - regions[first][0] <= MAX_STRETCH_MS
        ):
            last += 1
        if last > first:
            idx = list(
                range(
                    int(np.searchsorted(region_of, first, "left")),
                    int(np.searchsorted(region_of, last, "right")),
                )
            )
            if len(idx) >= 2:
                if check is not None:
                    check()
                texts = [out[n].text for n in idx]
                spans = align_words(audio, regions[first][0], regions[last][1], texts, language)
                if spans is not None:
                    _lay_in_nearest(out, idx, spans, regions[first : last + 1], first, region_of)
        first = last + 1
    return out


def _lay_in_nearest(
    out: list[Word],
    idx: list[int],
    spans: Sequence[tuple[int, int] | None],
    group: Sequence[tuple[int, int]],
    offset: int,
    region_of: np.ndarray,
) -> None:
    """The words ``idx`` each in the region of ``group`` nearest its aligned middle, in place."""
    side: list[int] = []
    for n, span in zip(idx, spans, strict=True):
        w = out[n]
        a, b = span if span is not None else (w.start, w.end)
        middle = (a + b) / 2
        near = min(range(len(group)), key=lambda g: max(group[g][0] - middle, middle - group[g][1]))
        side.append(max(near, side[-1]) if side else near)  # never back: words stay in order
    for g, (ra, rb) in enumerate(group):
        mine = [k for k, s in enumerate(side) if s == g]
        prev = ra
        for m, k in enumerate(mine):
            n = idx[k]
            w = out[n]
            span = spans[k] or (w.start, w.end)
            start = ra if m == 0 else min(max(span[0], prev), rb - 1)
            end = rb if m == len(mine) - 1 else min(max(span[1], start + 1), rb - 1)
            out[n] = Word(start, end, w.text, w.probability)
            region_of[n] = offset + g
            prev = end


def _words_in(region_of: np.ndarray, r: int) -> range:
    """The indices of region ``r``'s words (``region_of`` runs in time order)."""
    return range(
        int(np.searchsorted(region_of, r, "left")), int(np.searchsorted(region_of, r, "right"))
    )


def _retime_run(
    audio: np.ndarray, run: list[Word], depth: int, language: str = "en"
) -> tuple[list[Word], int, int | None]:
    """One region's words re-timed inside. A run that does not align is tried again without
    its last word, then without its first (a word that speech detection put on the wrong side
    of a region edge, which is then not in the stretch), then halved at its middle word
    boundary as it was, each half on its own, ``depth`` times at most: one bad word costs only
    its part. Also returns how many stretches stayed as they were, and where the aligner ended
    the last word (None: not aligned, or a word whisper.cpp doubts)."""
    spans = align_words(audio, run[0].start, run[-1].end, [w.text for w in run], language)
    if spans is not None:
        return _interior(run, spans), 0, _last_end(run, spans)
    if depth == 0 or len(run) < MIN_SPLIT_WORDS:
        return run, 1, None
    for part, rest, at_end in ((run[:-1], run[-1:], True), (run[1:], run[:1], False)):
        spans = align_words(audio, part[0].start, part[-1].end, [w.text for w in part], language)
        if spans is not None:
            done = _interior(part, spans)
            if at_end:
                return done + rest, 0, None
            return rest + done, 0, _last_end(part, spans)
    if len(run) < 2 * MIN_SPLIT_WORDS:
        return run, 1, None
    half = len(run) // 2
    left, f1, _ = _retime_run(audio, run[:half], depth - 1, language)
    right, f2, end = _retime_run(audio, run[half:], depth - 1, language)
    return left + right, f1 + f2, end


def _last_end(run: Sequence[Word], spans: Sequence[tuple[int, int] | None]) -> int | None:
    last, span = run[-1], spans[-1]
    if span is None or (last.probability is not None and last.probability < DOUBTFUL):
        return None
    return span[1]


def _interior(run: Sequence[Word], spans: Sequence[tuple[int, int] | None]) -> list[Word]:
    """The run's words with inner edges from ``spans`` (kept in order, inside the run's span).

    A word whisper.cpp itself doubts (probability under ``DOUBTFUL``) was likely misheard, and
    the aligner, given the wrong phones, drags the boundaries next to it (on
    ``sentence_joins.py``: "Byron" heard as "lawyer", p 0.17, moved both its edges 300 ms
    wrong): its own edges and its neighbours' edges next to it keep their earlier times."""
    edges = [
        span if span is not None else (w.start, w.end) for w, span in zip(run, spans, strict=True)
    ]
    doubted = [w.probability is not None and w.probability < DOUBTFUL for w in run]
    first, last = run[0].start, run[-1].end
    out: list[Word] = []
    prev = first
    for k, w in enumerate(run):
        s, e = edges[k]
        if doubted[k] or (k > 0 and doubted[k - 1]):
            s = w.start
        if doubted[k] or (k + 1 < len(run) and doubted[k + 1]):
            e = w.end
        s = first if k == 0 else min(max(s, prev), last)
        e = last if k == len(run) - 1 else min(max(e, s), last)
        out.append(Word(s, e, w.text, w.probability))
        prev = e
    return out
