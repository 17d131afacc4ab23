"""Sizes and durations in words a person reads: one way of writing them, for the CLI and the GUI.

Sizes are decimal (1 MB = 1,000,000 bytes), as file managers show them.
"""

from __future__ import annotations

GB = 1_000_000_000
_UNITS = (("GB", 1e9), ("MB", 1e6), ("kB", 1e3))


def format_size(size: float | None) -> str:
    """``1_234_567`` -> ``"1.2 MB"``; under a kilobyte ``"512 bytes"``; unknown (None) ``"?"``."""
    if size is None:
        return "?"
    for unit, scale in _UNITS:
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{int(size)} bytes"


def format_gb(size: float) -> str:
    """``1.234e9`` -> ``"1.2 GB"``, under 0.1 GB in whole MB: memory figures, side by side."""
    return f"{size / GB:.1f} GB" if size >= 0.1 * GB else f"{size / 1e6:.0f} MB"


def format_duration(seconds: float) -> str:
    """A span in words: ``"7 s"``, ``"2 min 05 s"``, ``"1 h 02 min"`` (for what is left)."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s // 60 % 60:02d} min"


def format_clock(seconds: float | None, *, hours: bool = False) -> str:
    """A position or length as a clock: ``"1:15"``, ``"1:02:05"`` (``hours``: always ``h:mm:ss``).

    None (not known yet) is ``""``.
    """
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h or hours else f"{m}:{s:02d}"


def format_ms(ms: int) -> str:
    """``[h:]mm:ss.mmm`` (hours only when needed), as subtitle editors show cue times."""
    sign = "-" if ms < 0 else ""
    ms = abs(int(ms))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{sign}{h}:{m:02d}:{s:02d}.{milli:03d}" if h else f"{sign}{m:02d}:{s:02d}.{milli:03d}"
