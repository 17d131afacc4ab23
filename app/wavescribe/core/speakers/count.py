"""How many speakers to look for: ``auto``, an exact number, or a range such as ``2-4``."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SPEAKERS = 20


@dataclass(frozen=True, slots=True)
class SpeakerCount:
    """Bounds on the number of speakers; ``auto`` is 1..MAX_SPEAKERS."""

    low: int = 1
    high: int = MAX_SPEAKERS

    @property
    def exact(self) -> int | None:
        return self.low if self.low == self.high else None

    def __str__(self) -> str:
        if self.low == 1 and self.high == MAX_SPEAKERS:
            return "auto"
        return str(self.low) if self.exact else f"{self.low}-{self.high}"


AUTO = SpeakerCount()


def parse_speaker_count(text: str) -> SpeakerCount:
    """``auto``, ``N`` or ``A-B`` (1 <= A <= B <= 20); ``ValueError`` with a one-line reason."""
    t = text.strip().lower()
    if t in ("auto", ""):
        return AUTO
    m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", t)
    if m is None:
        raise ValueError(f"speakers: expected auto, a number or a range like 2-4, not {text!r}")
    low = int(m[1])
    high = int(m[2]) if m[2] else low
    if not 1 <= low <= high <= MAX_SPEAKERS:
        raise ValueError(
            f"speakers: {text!r} is not a count between 1 and {MAX_SPEAKERS} (low first)"
        )
    return SpeakerCount(low, high)
