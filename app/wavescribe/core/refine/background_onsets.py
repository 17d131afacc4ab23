"""Short "speech" regions that are only the start of a steady background.

Silero marks 0.1-0.3 s of speech where a steady sound sets in (mains hum after a sentence: its
onset is a level step the network has not seen as background yet). Such a region lies in the
pause after the speech, so the layout stretches the sentence's last word over the pause into it
(measured: "tomorrow." ending 579 ms late, in the hum). A region is the background's own onset
when it is short, no louder than what follows it, and has the same spectrum: speech, even a
short word in noise, is louder at its peaks and differs in spectrum from the noise after it.
"""

from __future__ import annotations

import numpy as np

from wavescribe.core.audio.frames import db, frame_power

MAX_MS = 500  # only this short a region can be a background's onset
BACKGROUND_MS = (120, 1000)  # where after the region its background is measured
MIN_BACKGROUND_MS = 200
LEVEL_DB = 2.0  # region's 90th-percentile frame level at most this far over the background's
SPECTRUM_DB = 3.0  # mean |difference| of median log spectra, speech bands (~190 Hz-6 kHz)
BANDS = slice(3, 100)  # 62.5 Hz bins of the 16 ms frames


def without_background_onsets(
    audio: np.ndarray, regions: list[tuple[int, int]], duration_ms: int
) -> list[tuple[int, int]]:
    """``regions`` less those that only hold the onset of the steady sound that follows them."""
    keep: list[tuple[int, int]] = []
    for k, (a, b) in enumerate(regions):
        next_start = regions[k + 1][0] if k + 1 < len(regions) else duration_ms
        if not (b - a <= MAX_MS and _is_background_onset(audio, a, b, next_start)):
            keep.append((a, b))
    return keep


def _is_background_onset(audio: np.ndarray, a: int, b: int, next_start: int) -> bool:
    lo, hi = b + BACKGROUND_MS[0], min(next_start - 60, b + BACKGROUND_MS[1])
    if hi - lo < MIN_BACKGROUND_MS:
        return False
    region, _ = frame_power(audio, a, b)
    after, _ = frame_power(audio, lo, hi)
    if len(region) < 3 or len(after) < 8:
        return False
    level = float(np.percentile(db(region.sum(axis=1)), 90))
    background = float(np.percentile(db(after.sum(axis=1)), 90))
    if level > background + LEVEL_DB:
        return False
    spectrum = db(np.median(region, axis=0)) - db(np.median(after, axis=0))
    return float(np.mean(np.abs(spectrum[BANDS]))) < SPECTRUM_DB
