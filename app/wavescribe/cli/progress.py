"""A one-line progress display on stderr (plain log lines when stderr is not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_STAGES = {
    "convert": "Preparing model",
    "load": "Loading model",
    "decode": "Decoding audio",
    "transcribe": "Transcribing",
    "refine": "Refining timing",
    "speakers": "Finding speakers",
    "download": "Downloading",
}


class ProgressLine:
    """Draw ``[label] 42% ████░░ detail`` in place; throttled to ~10 redraws a second."""

    def __init__(self, stream: TextIO | None = None, prefix: str = "") -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.prefix = prefix
        self._last_draw = 0.0
        self._last_key: tuple[str, int] | None = None
        self._started = time.monotonic()
        self._drawn = False

    def update(self, stage: str, fraction: float | None, detail: str = "") -> None:
        label = _STAGES.get(stage, stage)
        pct = -1 if fraction is None else round(100 * max(0.0, min(1.0, fraction)))
        now = time.monotonic()
        if self.tty:
            if (
                now - self._last_draw < 0.1
                and pct not in (0, 100)
                and (stage, pct) != self._last_key
            ):
                return
            bar = "" if pct < 0 else f"{pct:3d}% {_bar(pct)} "
            line = f"{self.prefix}{label:<16} {bar}{detail}"
            self.stream.write("\r\x1b[2K" + line[:118])
            self._drawn = True
        else:
            # Log lines: one per stage change and every 25 %.
            key = (stage, pct // 25 if pct >= 0 else -1)
            if key == self._last_key:
                return
            self._last_key = key
            shown = "" if pct < 0 else f" {pct}%"
            self.stream.write(f"{self.prefix}{label}{shown} {detail}".rstrip() + "\n")
        self._last_key = (stage, pct) if self.tty else self._last_key
        self._last_draw = now
        self.stream.flush()

    def message(self, text: str) -> None:
        """Print a line without breaking the progress line."""
        self.clear()
        self.stream.write(text + "\n")
        self.stream.flush()

    def clear(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._drawn = False


def _bar(pct: int, width: int = 24) -> str:
    filled = pct * width // 100
    return "█" * filled + "░" * (width - filled)
