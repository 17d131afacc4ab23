"""One way to keep progress reports from flooding a display: at most one per interval.

Whisper.cpp, the converter and downloads report far more often than a person can read (per
tensor, per chunk); each shell shows at most a few updates a second, and always the edges (a
stage starting or ending), which callers pass as ``force``.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Throttle:
    """Says whether a report may go out now: the first always, then one per ``interval_s``."""

    def __init__(self, interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._last: float | None = None

    def ready(self, force: bool = False) -> bool:
        """True (and the interval restarts) when forced, first, or the interval has passed."""
        now = self._clock()
        if force or self._last is None or now - self._last >= self.interval_s:
            self._last = now
            return True
        return False
