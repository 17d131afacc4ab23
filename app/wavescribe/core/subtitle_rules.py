"""Subtitle shape rules, with defaults from broadcast practice (Netflix / BBC style guides).

Reading speed counts every character a viewer reads, spaces and punctuation included, as Netflix's
tools do; a line break counts as the space it replaces. :func:`cue_violations` is the one place
that decides whether a cue keeps the rules, so the refiner's tests and the timing benchmark agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SubtitleRules:
    """Limits a cue should respect where the speech allows; times in ms."""

    max_chars_per_line: int = 42
    max_lines: int = 2
    max_duration_ms: int = 7000
    min_duration_ms: int = 1000
    min_gap_ms: int = 80
    max_cps: float = 17.0

    @property
    def max_chars(self) -> int:
        return self.max_chars_per_line * self.max_lines

    def min_duration_for(self, text: str) -> int:
        """How long ``text`` must stay on screen: the minimum, or longer for reading speed."""
        reading = int(-(-reading_chars(text) * 1000 // self.max_cps)) if self.max_cps > 0 else 0
        return max(self.min_duration_ms, reading)


def reading_chars(text: str) -> int:
    """Characters a viewer reads in a cue (line breaks count as one space)."""
    return len(" ".join(line.strip() for line in text.splitlines() if line.strip()))


def cps(text: str, duration_ms: int) -> float:
    """Reading speed of a cue in characters per second (``inf`` for a zero-length cue)."""
    chars = reading_chars(text)
    if duration_ms <= 0:
        return float("inf") if chars else 0.0
    return chars * 1000.0 / duration_ms


def cue_violations(
    start: int,
    end: int,
    text: str,
    rules: SubtitleRules,
    *,
    prev_end: int | None = None,
    next_start: int | None = None,
    media_end: int | None = None,
) -> list[str]:
    """The rules this cue breaks, as short phrases; empty if it keeps them all.

    :mod:`wavescribe.core.editing.rule_check` reads these phrases back (kind, value, limit): change
    their wording there too.

    Excused, as "where the speech allows": a line or a duration that one word alone exceeds, and
    a too-short or too-fast cue that could not be longer without crowding the next cue (or
    running past the media's end). Overlaps and short gaps are never excused.
    """
    out: list[str] = []
    lines = [ln for ln in text.splitlines() if ln.strip()]
    single_word = len(text.split()) <= 1
    if len(lines) > rules.max_lines:
        out.append(f"{len(lines)} lines > {rules.max_lines}")
    for ln in lines:
        if len(ln) > rules.max_chars_per_line and len(ln.split()) > 1:
            out.append(f"line of {len(ln)} chars > {rules.max_chars_per_line}")
    duration = end - start
    if duration < 0:
        out.append("ends before it starts")
    if duration > rules.max_duration_ms and not single_word:
        out.append(f"lasts {duration} ms > {rules.max_duration_ms}")
    limit = next_start - rules.min_gap_ms if next_start is not None else media_end
    blocked = limit is not None and end >= limit
    if single_word and rules.min_duration_for(text) > rules.max_duration_ms:
        blocked = blocked or duration >= rules.max_duration_ms
    if duration < rules.min_duration_ms and not blocked:
        out.append(f"lasts {duration} ms < {rules.min_duration_ms}")
    if cps(text, duration) > rules.max_cps + 1e-9 and not blocked:
        out.append(f"{cps(text, duration):.1f} cps > {rules.max_cps:g}")
    if next_start is not None and next_start < end:
        out.append("overlaps the next cue")
    elif next_start is not None and next_start - end < rules.min_gap_ms:
        out.append(f"gap of {next_start - end} ms < {rules.min_gap_ms}")
    if prev_end is not None and start < prev_end:
        out.append("overlaps the previous cue")
    return out
