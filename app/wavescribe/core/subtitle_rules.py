"""Subtitle shape rules, with defaults from broadcast practice (e.g. Netflix/BBC style guides)."""

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
