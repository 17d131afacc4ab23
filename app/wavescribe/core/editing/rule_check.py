"""Which cues break the subtitle rules and why, for the segment list's warnings.

The decision is :func:`wavescribe.core.subtitle_rules.cue_violations`'s alone (the refiner and
the timing benchmark use it too, so the editor never disagrees with them, excuses included: a
one-word line, a short cue with no room to grow). This module only gives each of its phrases a
kind, the measured value and the limit, and a message for people. A phrase it does not recognise
is kept as ``Rule.OTHER`` with the phrase as its message, never dropped.

One addition: a cue read faster than the reading-speed limit is flagged even where
``cue_violations`` excuses it (it touches the next cue, so the refiner could not lengthen it):
the refiner could do no better, but the person editing can, by shortening the text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from wavescribe.core.subtitle_rules import SubtitleRules, cps, cue_violations
from wavescribe.core.transcript import Segment, Transcript

__all__ = ["Rule", "RuleViolation", "check", "check_all", "check_at"]


class Rule(StrEnum):
    """The kind of rule a cue breaks."""

    TOO_MANY_LINES = "too_many_lines"
    LINE_TOO_LONG = "line_too_long"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    TOO_FAST = "too_fast"
    GAP_TOO_SMALL = "gap_too_small"
    OVERLAPS_NEXT = "overlaps_next"
    OVERLAPS_PREVIOUS = "overlaps_previous"
    ENDS_BEFORE_START = "ends_before_start"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """One broken rule of one cue; ``index`` is the cue's position when known."""

    rule: Rule
    message: str
    value: float | None = None
    limit: float | None = None
    index: int | None = None
    phrase: str = ""  # cue_violations' own words, for logs and tests


_NUM = r"(-?[\d.]+|inf)"
_PATTERNS: list[tuple[re.Pattern[str], Rule]] = [
    (re.compile(rf"{_NUM} lines > {_NUM}"), Rule.TOO_MANY_LINES),
    (re.compile(rf"line of {_NUM} chars > {_NUM}"), Rule.LINE_TOO_LONG),
    (re.compile(rf"lasts {_NUM} ms > {_NUM}"), Rule.TOO_LONG),
    (re.compile(rf"lasts {_NUM} ms < {_NUM}"), Rule.TOO_SHORT),
    (re.compile(rf"{_NUM} cps > {_NUM}"), Rule.TOO_FAST),
    (re.compile(rf"gap of {_NUM} ms < {_NUM}"), Rule.GAP_TOO_SMALL),
    (re.compile(r"overlaps the next cue"), Rule.OVERLAPS_NEXT),
    (re.compile(r"overlaps the previous cue"), Rule.OVERLAPS_PREVIOUS),
    (re.compile(r"ends before it starts"), Rule.ENDS_BEFORE_START),
]


def check(
    segment: Segment,
    rules: SubtitleRules,
    next_segment: Segment | None = None,
    *,
    prev_segment: Segment | None = None,
    media_end_ms: int | None = None,
    index: int | None = None,
) -> list[RuleViolation]:
    """The rules ``segment`` breaks, in ``cue_violations``'s order; empty if it keeps them all."""
    phrases = cue_violations(
        segment.start,
        segment.end,
        segment.text,
        rules,
        prev_end=prev_segment.end if prev_segment is not None else None,
        next_start=next_segment.start if next_segment is not None else None,
        media_end=media_end_ms,
    )
    found = [_classify(p, index) for p in phrases]
    speed = cps(segment.text, segment.end - segment.start)
    if speed > rules.max_cps + 1e-9 and all(v.rule is not Rule.TOO_FAST for v in found):
        # Excused by cue_violations (no room to stay longer before the next cue), but a viewer
        # still cannot read it: the editor flags it, and the fix is shorter text.
        phrase = f"{speed:.1f} cps > {rules.max_cps:g}"
        v = _classify(phrase, index)
        found.append(replace(v, message=f"{v.message}; no room to stay longer: shorten the text"))
    return found


def check_at(
    segments: Sequence[Segment],
    index: int,
    rules: SubtitleRules,
    media_end_ms: int | None = None,
) -> list[RuleViolation]:
    """Check one cue of a list against its neighbours (after an edit, recheck i-1..i+1)."""
    return check(
        segments[index],
        rules,
        segments[index + 1] if index + 1 < len(segments) else None,
        prev_segment=segments[index - 1] if index > 0 else None,
        media_end_ms=media_end_ms,
        index=index,
    )


def check_all(transcript: Transcript, rules: SubtitleRules) -> list[RuleViolation]:
    """Every broken rule of every cue, in cue order (the media's end from ``transcript.source``)."""
    segs = transcript.segments
    media_end = transcript.source.duration_ms if transcript.source else None
    return [v for i in range(len(segs)) for v in check_at(segs, i, rules, media_end)]


def _classify(phrase: str, index: int | None) -> RuleViolation:
    for pattern, rule in _PATTERNS:
        m = pattern.fullmatch(phrase)
        if m:
            nums: list[float | None] = [float(g) for g in m.groups()]
            value, limit = [*nums, None, None][:2]
            return RuleViolation(
                rule, _message(rule, value, limit, phrase), value, limit, index, phrase
            )
    return RuleViolation(Rule.OTHER, phrase, index=index, phrase=phrase)


def _message(rule: Rule, value: float | None, limit: float | None, phrase: str) -> str:
    v, lim = value or 0.0, limit or 0.0
    match rule:
        case Rule.TOO_MANY_LINES:
            return f"{v:g} lines (at most {lim:g})"
        case Rule.LINE_TOO_LONG:
            return f"a line of {v:g} characters (at most {lim:g})"
        case Rule.TOO_LONG:
            return f"on screen for {_seconds(v)} (at most {_seconds(lim)})"
        case Rule.TOO_SHORT:
            return f"on screen for only {_seconds(v)} (at least {_seconds(lim)})"
        case Rule.TOO_FAST:
            speed = "no time to read" if math.isinf(v) else f"{v:.1f} characters a second"
            return f"{speed} (at most {lim:g})"
        case Rule.GAP_TOO_SMALL:
            return f"only {v:g} ms before the next cue (at least {lim:g})"
        case Rule.OVERLAPS_NEXT:
            return "overlaps the next cue"
        case Rule.OVERLAPS_PREVIOUS:
            return "overlaps the previous cue"
        case Rule.ENDS_BEFORE_START:
            return "ends before it starts"
    return phrase


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms % 1000 else f"{ms / 1000:g} s"
