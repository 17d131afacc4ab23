"""The timing controller: where a dragged, nudged or typed cue edge may go, in milliseconds.

The waveform widget turns the mouse into milliseconds and asks this controller for a command;
snapping, neighbours and minimum durations are decided here, where they can be tested without a
window (as Aegisub keeps its snapping out of the audio display).

Overlap policy: refuse, never push. A time that would cross a neighbour stops at it (minus the
rules' minimum gap when there is room), and every result says what stopped it (``limit``), so the
GUI can show why an edge will not go further. A cue keeps at least ``MIN_CUE_MS`` (100 ms)
where its neighbours leave room; the rules' longer minimum duration is a warning
(``core.rule_check``), not a wall.

Snapping goes by priority, then distance: within the tolerance, the playhead beats neighbouring
cue edges, which beat word boundaries, which beat silence edges. Priority first makes snapping
predictable: a target the user put there (the playhead) always wins over one the audio suggests.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from wavescribe.core.editing.commands import Edge, Insert, SetTimes, Split
from wavescribe.core.editing.document import EditCommand, EditRefused, SubtitleDocument
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment

__all__ = [
    "MIN_CUE_MS",
    "SnapKind",
    "SnapTarget",
    "Snapping",
    "TimingController",
    "TimingResult",
    "snap",
]

MIN_CUE_MS = 100
SnapKind = Literal["playhead", "cue", "word", "silence"]
DEFAULT_ORDER: tuple[SnapKind, ...] = ("playhead", "cue", "word", "silence")


@dataclass(frozen=True, slots=True)
class SnapTarget:
    """A time an edge may snap to, and what is there."""

    ms: int
    kind: SnapKind


@dataclass(frozen=True, slots=True)
class Snapping:
    """Snapping settings; ``order`` lists the kinds in use, highest priority first.

    The GUI sets ``tolerance_ms`` from a few pixels at the current zoom.
    """

    enabled: bool = True
    tolerance_ms: int = 100
    order: tuple[SnapKind, ...] = DEFAULT_ORDER


@dataclass(frozen=True, slots=True)
class TimingResult:
    """A proposed change: ``command`` is None when nothing would change or it is refused.

    ``limit`` says what stopped the time short of where it was asked to go (a neighbour, the
    minimum duration, the audio's ends), or why nothing can be done; ``snapped`` what it snapped to.
    """

    command: EditCommand | None
    snapped: SnapTarget | None = None
    limit: str | None = None


def snap(
    ms: float,
    candidates: Iterable[SnapTarget],
    tolerance_ms: float,
    order: Sequence[SnapKind] = DEFAULT_ORDER,
) -> SnapTarget | None:
    """The candidate to snap ``ms`` to: highest priority within tolerance, then the nearest."""
    best, best_key = None, None
    for c in candidates:
        distance = abs(c.ms - ms)
        if distance > tolerance_ms or c.kind not in order:
            continue
        key = (order.index(c.kind), distance, c.ms)
        if best_key is None or key < best_key:
            best, best_key = c, key
    return best


class TimingController:
    """Turns timing gestures on one document into commands that keep it valid.

    ``silences`` is a sorted list of silence edges (from :func:`silence_edges`); ``playhead_ms``
    is kept up to date by the player; ``media_end_ms`` defaults to the transcript's source
    duration. A stale cue index raises ``EditRefused``. Drags return commands with an ``edge``,
    so the history merges a whole drag into one step (call ``UndoHistory.seal()`` on release);
    nudges do not merge.
    """

    def __init__(
        self,
        doc: SubtitleDocument,
        rules: SubtitleRules | None = None,
        *,
        snapping: Snapping | None = None,
        silences: Sequence[int] = (),
        media_end_ms: int | None = None,
        min_cue_ms: int = MIN_CUE_MS,
    ) -> None:
        self.doc = doc
        self.rules = rules or SubtitleRules()
        self.snapping = snapping or Snapping()
        self.silences = list(silences)
        source = doc.transcript.source
        self.media_end_ms = (
            media_end_ms if media_end_ms is not None or not source else (source.duration_ms or None)
        )
        self.min_cue_ms = min_cue_ms
        self.playhead_ms: int | None = None

    # --- gestures ----------------------------------------------------------------------------
    def drag_edge(self, index: int, edge: Literal["start", "end"], to_ms: int) -> TimingResult:
        """Move one edge of a cue towards ``to_ms`` (snapped, then clamped)."""
        target = self._snap(index, edge, to_ms)
        value = target.ms if target else to_ms
        return self._retime(index, edge, value, snapped=target, merge=True)

    def drag_body(self, index: int, to_start_ms: int) -> TimingResult:
        """Move a whole cue so that it starts near ``to_start_ms`` (either edge may snap)."""
        seg = self.doc.segment(index)
        duration = seg.end - seg.start
        by_start = self._snap(index, "start", to_start_ms, own_words=False)
        by_end = self._snap(index, "end", to_start_ms + duration, own_words=False)
        order = self.snapping.order

        def rank(t: SnapTarget, at: int) -> tuple[int, int]:
            return order.index(t.kind), abs(t.ms - at)

        target, start = None, to_start_ms
        if by_start and (
            not by_end or rank(by_start, to_start_ms) <= rank(by_end, start + duration)
        ):
            target, start = by_start, by_start.ms
        elif by_end:
            target, start = by_end, by_end.ms - duration
        return self._retime(index, "body", start, snapped=target, merge=True)

    def nudge(self, index: int, edge: Edge, delta_ms: int) -> TimingResult:
        """Move an edge (or the whole cue) by ``delta_ms``; each nudge is its own undo step."""
        seg = self.doc.segment(index)
        value = (seg.end if edge == "end" else seg.start) + delta_ms
        return self._retime(index, edge, value, snapped=None, merge=False)

    def set_edge_at(
        self, index: int, edge: Literal["start", "end"], playhead_ms: int
    ) -> TimingResult:
        """Set a cue's start or end to the playhead.

        A start set at or after the cue's end moves the whole cue there instead (keeping its
        length), as when timing cues by ear one after the other; an end set before the start
        stops at the minimum duration.
        """
        seg = self.doc.segment(index)
        if edge == "start" and playhead_ms > seg.end - self.min_cue_ms:
            return self._retime(index, "body", playhead_ms, snapped=None, merge=False)
        return self._retime(index, edge, playhead_ms, snapped=None, merge=False)

    def split_at_playhead(self, playhead_ms: int, index: int | None = None) -> TimingResult:
        """Split the cue under the playhead (or ``index``) there, leaving the rules' gap."""
        if index is None:
            index = self.cue_at(playhead_ms)
            if index is None:
                return TimingResult(None, limit="the playhead is not on a cue")
        return self._split(index, playhead_ms, None)

    def split_at_word(self, index: int, word_index: int) -> TimingResult:
        """Split a cue before its word ``word_index``, halfway between that word and the last."""
        words = self.doc.segment(index).words
        if not 0 < word_index < len(words):
            return TimingResult(None, limit="a cue splits between two of its words")
        at = (words[word_index - 1].end + words[word_index].start) // 2
        return self._split(index, at, word_index)

    def create_cue(self, start_ms: int, end_ms: int, text: str = "") -> TimingResult:
        """A new cue from a drag on empty waveform, fitted into the gap the drag began in."""
        anchor = start_ms
        segs = self.doc.segments
        index = bisect.bisect_right(segs, anchor, key=lambda s: s.start)
        if index > 0 and segs[index - 1].end > anchor:
            return TimingResult(None, limit=f"it starts inside cue {index}")
        lo, hi = self._hard_bounds(index, slot=True)
        gap = self.rules.min_gap_ms
        roomy = (lo + gap if index > 0 else lo, hi - gap if index < len(segs) else hi)
        fits = [r for r in (roomy, (lo, hi)) if r[1] - r[0] >= self.min_cue_ms]
        if not fits:
            return TimingResult(None, limit="there is no room for a cue here")
        lo, hi = fits[0]
        candidates = self._create_candidates(index, lo, hi)
        a, b = sorted(self._snapped_value(candidates, t) for t in (start_ms, end_ms))
        start, end = max(lo, a), min(hi, b)
        limit = None if (start, end) == (a, b) else "its neighbours"
        if end - start < self.min_cue_ms:
            end = min(start + self.min_cue_ms, hi)
            start = end - self.min_cue_ms
            limit = limit or f"the minimum length of {self.min_cue_ms} ms"
        return TimingResult(Insert(index, Segment(start, end, text)), limit=limit)

    def cue_at(self, ms: int) -> int | None:
        """The cue shown at ``ms`` (start inclusive, end exclusive), if any."""
        segs = self.doc.segments
        i = bisect.bisect_right(segs, ms, key=lambda s: s.start) - 1
        return i if i >= 0 and segs[i].start <= ms < segs[i].end else None

    # --- the rules ---------------------------------------------------------------------------
    def _hard_bounds(self, index: int, *, slot: bool = False) -> tuple[int, int]:
        """The earliest start and latest end the neighbours (or the audio) allow."""
        segs = self.doc.segments
        after = index if slot else index + 1
        lo = segs[index - 1].end if index > 0 else 0
        hi = segs[after].start if after < len(segs) else (self.media_end_ms or 2**62)
        return lo, hi

    def _retime(
        self, index: int, edge: Edge, value: int, *, snapped: SnapTarget | None, merge: bool
    ) -> TimingResult:
        seg = self.doc.segment(index)
        lo, hi = self._hard_bounds(index)
        lo_why = f"cue {index}" if index > 0 else "the start of the audio"
        hi_why = f"cue {index + 2}" if index + 1 < len(self.doc) else "the end of the audio"
        gap = self.rules.min_gap_ms
        lo_gap = lo + gap if index > 0 else lo
        hi_gap = hi - gap if index + 1 < len(self.doc) else hi
        duration, min_len = seg.end - seg.start, self.min_cue_ms
        # Nested ranges, hard limits first: each applies only while it leaves some room.
        if edge == "start":
            short = "the minimum duration"
            ranges = [
                (lo, seg.end, lo_why, "the cue's end"),
                (lo, seg.end - min_len, lo_why, short),
            ]
            ranges.append((lo_gap, seg.end - min_len, lo_why, short))
        elif edge == "end":
            short = "the minimum duration"
            ranges = [
                (seg.start, hi, "the cue's start", hi_why),
                (seg.start + min_len, hi, short, hi_why),
            ]
            ranges.append((seg.start + min_len, hi_gap, short, hi_why))
        else:  # the body: ``value`` is the new start
            ranges = [
                (lo, hi - duration, lo_why, hi_why),
                (lo_gap, hi_gap - duration, lo_why, hi_why),
            ]
        a, b, a_why, b_why = ranges[0]
        if a > b:
            return TimingResult(None, limit=f"there is no room between {lo_why} and {hi_why}")
        for lo_c, hi_c, lo_w, hi_w in ranges[1:]:
            if max(a, lo_c) <= min(b, hi_c):
                a, b, a_why, b_why = max(a, lo_c), min(b, hi_c), lo_w, hi_w
        clamped = min(max(value, a), b)
        limit = None if clamped == value else (a_why if clamped == a else b_why)
        if limit is not None:
            snapped = None
        if edge == "start":
            start, end = clamped, seg.end
        elif edge == "end":
            start, end = seg.start, clamped
        else:
            start, end = clamped, clamped + duration
        if (start, end) == (seg.start, seg.end):
            return TimingResult(None, snapped, limit)
        try:  # a transcript loaded with overlaps can leave no valid place for this cue
            self.doc.check_fits(index, start, end)
        except EditRefused as exc:
            return TimingResult(None, limit=exc.reason)
        return TimingResult(SetTimes(index, start, end, edge if merge else None), snapped, limit)

    def _split(self, index: int, at: int, word_index: int | None) -> TimingResult:
        seg = self.doc.segment(index)
        gap = self.rules.min_gap_ms
        for g in (gap, 0):  # the rules' gap where the halves are long enough, else none
            left_end = at - g // 2
            if (
                left_end - seg.start >= self.min_cue_ms
                and seg.end - (left_end + g) >= self.min_cue_ms
            ):
                return TimingResult(Split(index, at, word_index=word_index, gap_ms=g))
        return TimingResult(None, limit=f"each half must last at least {self.min_cue_ms} ms")

    # --- snapping ----------------------------------------------------------------------------
    def _snap(
        self, index: int, edge: Literal["start", "end"], ms: int, *, own_words: bool = True
    ) -> SnapTarget | None:
        """Snap an edge of cue ``index``; a moving cue's own words move with it (``own_words``)."""
        if not self.snapping.enabled:
            return None
        candidates = self._candidates(index, edge, ms, own_words)
        return snap(ms, candidates, self.snapping.tolerance_ms, self.snapping.order)

    def _snapped_value(self, candidates: list[SnapTarget], ms: int) -> int:
        if not self.snapping.enabled:
            return ms
        t = snap(ms, candidates, self.snapping.tolerance_ms, self.snapping.order)
        return t.ms if t else ms

    def _candidates(
        self, index: int, edge: Literal["start", "end"], ms: int, own_words: bool
    ) -> list[SnapTarget]:
        segs = self.doc.segments
        around = (index - 1, index, index + 1) if own_words else (index - 1, index + 1)
        near = [segs[i] for i in around if 0 <= i < len(segs)]
        out = self._common_candidates(ms, near)
        gap = self.rules.min_gap_ms
        if edge == "start" and index > 0:
            out.append(SnapTarget(segs[index - 1].end + gap, "cue"))
        if edge == "end" and index + 1 < len(segs):
            out.append(SnapTarget(segs[index + 1].start - gap, "cue"))
        return out

    def _create_candidates(self, index: int, lo: int, hi: int) -> list[SnapTarget]:
        segs = self.doc.segments
        near = segs[max(0, index - 1) : index + 1]
        out = self._common_candidates((lo + hi) // 2, near, reach=(hi - lo) // 2 + 1)
        if index > 0:
            out.append(SnapTarget(lo, "cue"))
        if index < len(segs):
            out.append(SnapTarget(hi, "cue"))
        return out

    def _common_candidates(
        self, ms: int, near: Sequence[Segment], reach: int | None = None
    ) -> list[SnapTarget]:
        reach = self.snapping.tolerance_ms if reach is None else reach + self.snapping.tolerance_ms
        out = [SnapTarget(self.playhead_ms, "playhead")] if self.playhead_ms is not None else []
        out += [SnapTarget(t, "word") for s in near for w in s.words for t in (w.start, w.end)]
        a = bisect.bisect_left(self.silences, ms - reach)
        b = bisect.bisect_right(self.silences, ms + reach)
        out += [SnapTarget(t, "silence") for t in self.silences[a:b]]
        return out
