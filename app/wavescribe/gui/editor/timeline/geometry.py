"""Where a millisecond is on screen and back: the waveform's viewport, free of painting.

Kept apart from the widget so the zoom and scroll maths (and the tests that drive the mouse at
computed x positions) share one definition of "pixel ``x`` is time ``t``".
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_MS_PER_PX = 5.0  # the deepest zoom: word timings are a few pixels apart
ZOOM_STEP = 1.5  # one wheel notch or one +/- key press


@dataclass
class Viewport:
    """A window of ``width_px`` pixels onto ``duration_ms`` of audio, ``ms_per_px`` each."""

    duration_ms: int = 0
    width_px: int = 1
    start_ms: float = 0.0
    ms_per_px: float = 10.0

    @property
    def end_ms(self) -> float:
        return self.start_ms + self.width_px * self.ms_per_px

    @property
    def visible_ms(self) -> float:
        return self.width_px * self.ms_per_px

    @property
    def max_ms_per_px(self) -> float:
        """Whole-file zoom: the audio fills the width (never below the deepest zoom)."""
        return max(MIN_MS_PER_PX, self.duration_ms / max(self.width_px, 1))

    def x_of(self, ms: float) -> float:
        return (ms - self.start_ms) / self.ms_per_px

    def ms_at(self, x: float) -> int:
        """The time under pixel ``x``, clamped to the audio."""
        ms = round(self.start_ms + x * self.ms_per_px)
        return max(0, min(ms, self.duration_ms)) if self.duration_ms else max(0, ms)

    def resize(self, width_px: int) -> None:
        self.width_px = max(1, width_px)
        self.set_zoom(self.ms_per_px)

    def set_zoom(self, ms_per_px: float, anchor_x: float | None = None) -> None:
        """Zoom keeping the time under ``anchor_x`` (default: the middle) where it is."""
        anchor_x = self.width_px / 2 if anchor_x is None else anchor_x
        anchor_ms = self.start_ms + anchor_x * self.ms_per_px
        self.ms_per_px = min(max(ms_per_px, MIN_MS_PER_PX), self.max_ms_per_px)
        self.scroll_to(anchor_ms - anchor_x * self.ms_per_px)

    def zoom_by(self, steps: float, anchor_x: float | None = None) -> None:
        """Positive steps zoom in."""
        self.set_zoom(self.ms_per_px / ZOOM_STEP**steps, anchor_x)

    def fit_all(self) -> None:
        self.ms_per_px = self.max_ms_per_px
        self.start_ms = 0.0

    def show_range(self, start_ms: float, end_ms: float, margin: float = 0.1) -> None:
        """Zoom so ``[start, end]`` fills the view (less a margin each side)."""
        span = max(end_ms - start_ms, 1.0)
        self.set_zoom(span * (1 + 2 * margin) / self.width_px)
        self.scroll_to(start_ms - span * margin)

    def ensure_visible(self, start_ms: float, end_ms: float) -> None:
        """Scroll the least that brings ``[start, end]`` into view (its start if it is wider)."""
        if start_ms < self.start_ms or end_ms - start_ms > self.visible_ms:
            self.scroll_to(start_ms - self.visible_ms * 0.1)
        elif end_ms > self.end_ms:
            self.scroll_to(end_ms - self.visible_ms * 0.9)

    def scroll_to(self, start_ms: float) -> None:
        last = max(0.0, self.duration_ms - self.visible_ms)
        self.start_ms = min(max(0.0, start_ms), last)


def tick_step(ms_per_px: float, min_px: float = 80.0) -> int:
    """The ruler's step in ms: the smallest 1-2-5 step that leaves ``min_px`` between labels."""
    for step in (
        10,
        20,
        50,
        100,
        200,
        500,
        1000,
        2000,
        5000,
        10_000,
        15_000,
        30_000,
        60_000,
        120_000,
        300_000,
        600_000,
        900_000,
        1_800_000,
        3_600_000,
    ):
        if step / ms_per_px >= min_px:
            return step
    return 3_600_000


def ruler_label(ms: int, step: int) -> str:
    """``m:ss`` for coarse steps, with tenths or milliseconds when the step needs them."""
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    head = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    if step >= 1000:
        return head
    return f"{head}.{milli // 100}" if step % 100 == 0 else f"{head}.{milli:03d}"
