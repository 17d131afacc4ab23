"""What a long job tells its caller while it runs: progress, decoded segments, warnings.

Plain data shared by the engine (which sends them) and the work built on it (script alignment
sends its own), so that neither has to import the other for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wavescribe.core.transcript import Segment


@dataclass(frozen=True, slots=True)
class Progress:
    """``stage`` is one of decode, load, transcribe, refine, align; ``fraction`` 0..1 within
    it."""

    stage: str
    fraction: float


@dataclass(frozen=True, slots=True)
class SegmentDecoded:
    segment: Segment


@dataclass(frozen=True, slots=True)
class Warning_:
    message: str


Event = Progress | SegmentDecoded | Warning_
EventCallback = Callable[[Event], None]
