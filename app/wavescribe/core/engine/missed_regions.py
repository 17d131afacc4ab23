"""Which speech regions a decoded window left (almost) without words.

Speech-first decoding decodes such a region again on its own (``speech_first``): whisper skips
a short utterance now and then, or ends a window's text early. A word counts for the region
its middle lies in, unless it was cut off from its segment into another piece of the window
(:func:`anchored_words`).
"""

from __future__ import annotations

from wavescribe.core.engine.speech_windows import JOIN_GAP_MS, Window
from wavescribe.core.transcript import Segment, Word

Span = tuple[int, int]

MIN_REGION_MS = 1000  # every speech region this long must yield text or be reported
# Fewer words than this per second of a region: whisper skipped (part of) it, as it does after
# ending a window's text early; the region is decoded again on its own.
MIN_WORDS_PER_S = 0.5
# Regions of one piece at most speech_windows.JOIN_GAP_MS apart (a pause that short is part of
# the speech flow) are one passage: Silero cut JFK's "And so, my fellow Americans, ask not" into
# two regions under 1 s (1.1 s apart); whisper skipped it and timed the next clip's first word
# over it, and neither region was long enough to be checked.


def regions_without_words(
    regions: list[Span], window: Window, segments: list[Segment]
) -> list[Span]:
    """Passages (:func:`passages`) of at least ``MIN_REGION_MS`` of speech inside ``window``
    with (almost) no decoded word."""
    kept = [w for seg in segments for w in anchored_words(seg, window)]
    out = []
    for (a, b), speech_ms in passages(regions, window):
        if speech_ms < MIN_REGION_MS:
            continue
        if sum(middle_in(w, (a, b)) for w in kept) < max(1.0, MIN_WORDS_PER_S * speech_ms / 1000):
            out.append((a, b))
    return out


def passages(regions: list[Span], window: Window) -> list[tuple[Span, int]]:
    """The regions inside ``window``'s pieces joined into passages (regions of one piece at
    most ``JOIN_GAP_MS`` apart), each with its milliseconds of speech."""
    out: list[tuple[Span, int]] = []
    last_piece = None
    for a, b in sorted(regions):
        piece = next((k for k, (pa, pb) in enumerate(window.pieces) if pa <= a and b <= pb), None)
        if piece is None:
            continue
        if out and piece == last_piece and a - out[-1][0][1] <= JOIN_GAP_MS:
            (pa, _), ms = out[-1]
            out[-1] = ((pa, b), ms + b - a)
        else:
            out.append(((a, b), b - a))
        last_piece = piece
    return out


def anchored_words(seg: Segment, window: Window) -> list[Word]:
    """``seg``'s words less those cut off from it into another piece of ``window`` (a word
    whose neighbours in the segment are all in another piece).

    Where whisper skips a short utterance at a window's start, the next sentence's first word
    is timed at its segment's start, inside the skipped utterance's piece; counted, that one word
    hid the loss ("This is a long stop" on real-long, multilingual base: the region was never
    decoded again)."""

    def piece(w: Word) -> int | None:
        return next((k for k, p in enumerate(window.pieces) if middle_in(w, p)), None)

    where = [piece(w) for w in seg.words]
    kept = []
    for i, w in enumerate(seg.words):
        near = [where[j] for j in (i - 1, i + 1) if 0 <= j < len(where)]
        if not near or any(k == where[i] for k in near):
            kept.append(w)
    return kept


def words_in(segments: list[Segment], span: Span) -> int:
    """Words whose middle lies in ``span``."""
    return sum(middle_in(w, span) for s in segments for w in s.words)


def without_words_in(segments: list[Segment], span: Span) -> list[Segment]:
    """``segments`` less their words whose middle lies in ``span``."""
    out = []
    for seg in segments:
        keep = [w for w in seg.words if not middle_in(w, span)]
        if len(keep) == len(seg.words):
            out.append(seg)
        elif keep:
            text = "".join(w.text for w in keep).strip()
            out.append(
                Segment(keep[0].start, max(w.end for w in keep), text, keep, None, seg.suspect)
            )
    return out


def middle_in(w: Word, span: Span) -> bool:
    """Whether ``w``'s middle lies in ``span`` (edges included): where a word counts."""
    return span[0] <= (w.start + w.end) / 2 <= span[1]
