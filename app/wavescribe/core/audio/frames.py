"""Short-time power spectra: 16 ms frames every 5 ms, the resolution refinement reads speech
edges at (Silero VAD's own grid is 32 ms)."""

from __future__ import annotations

import numpy as np

from wavescribe.core.audio.load import SAMPLE_RATE

WIN = 256  # 16 ms
HOP = 80  # 5 ms
HOP_MS = HOP * 1000 // SAMPLE_RATE
HALF_WIN_MS = WIN * 1000 // SAMPLE_RATE // 2

_window = np.hanning(WIN).astype(np.float32)


def frame_power(audio: np.ndarray, start_ms: int, end_ms: int) -> tuple[np.ndarray, int]:
    """Power spectra (frames x bins) of the frames whose centres lie in [start_ms, end_ms), and
    the first frame's first sample."""
    first = max(0, start_ms * SAMPLE_RATE // 1000 - WIN // 2)
    last = min(len(audio), end_ms * SAMPLE_RATE // 1000 + WIN // 2)
    n = (last - first - WIN) // HOP + 1
    if n <= 0:
        return np.zeros((0, WIN // 2 + 1), np.float32), first
    idx = first + np.arange(n)[:, None] * HOP + np.arange(WIN)[None, :]
    spec = np.fft.rfft(audio[idx] * _window, axis=1)
    return (spec.real**2 + spec.imag**2).astype(np.float32), first


def frame_ms(first_sample: int, i: int) -> int:
    """Time of the centre of frame i."""
    return (first_sample + i * HOP + WIN // 2) * 1000 // SAMPLE_RATE


def db(power: np.ndarray) -> np.ndarray:
    """Power in decibels, with a floor far below any audible level."""
    return 10.0 * np.log10(power + 1e-12)
