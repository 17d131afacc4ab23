"""Sharpen speech-region edges to a few milliseconds, from the signal itself.

Silero VAD decides *whether* a stretch is speech but only on a 32 ms grid, and it lets go of
speech a frame or two after it ends (measured on the test speech: onsets ~20 ms late, offsets
~55 ms late). Near each edge we therefore look at 16 ms frames every 5 ms and ask where the speech
energy rises out of (or falls back into) the background.

The background next to the edge (the gap before an onset, after an offset) may be digital silence,
noise or a steady tone, so its power spectrum is measured there and subtracted bin by bin; what is
left is energy the background does not explain. The edge is where that residual crosses
``peak - 40 dB`` (38 dB for offsets; the loudest speech nearby: about where speech stops being
audible) or, in a noisy gap, what the background itself leaves, whichever is higher. The gap is
measured only up to a sound that sets in later in it (a music bed a second after the speech).

In noise, the quiet ends of words sink under the background, and the energy edge comes out early
(offsets) or late (onsets). When the threshold was set by the background and the energy edge lies
well inside the VAD's edge, the VAD edge corrected by its usual lag is the better estimate.
"""

from __future__ import annotations

import numpy as np

from wavescribe.core.audio.frames import HALF_WIN_MS, HOP_MS, db, frame_ms, frame_power

SEARCH_MS = 260  # how far an edge may move from where the VAD put it
BELOW_PEAK_DB = 40.0
# Offsets stop 2 dB sooner, in the faint tail after the last word: measured against the forced-
# aligned end of the last word on 58 clean real clips (FLEURS, JFK, the MFA voice-quality set),
# median |error| 30 -> 23 ms (signed +14 -> +12); espeak's exact word ends unchanged (7 ms, p90
# 28); 36 dB and lower cut into espeak's final sounds (p90 55 ms).
OFFSET_BELOW_PEAK_DB = 38.0
ABOVE_BACKGROUND_DB = 1.0
OVERSUBTRACT = 3.0
SURE_DB = 10.0  # residual this far above the threshold is certainly speech
MAX_DIP_FRAMES = 3  # a stop consonant's closure (15 ms) does not end the speech
VAD_ONSET_LAG_MS = 15
# The background after an offset is measured this far before the next region (or, where that
# leaves less than 80 ms of the pause, 60 ms before): Silero's onsets come up to ~100 ms after
# speech starts, and a background taking in the next word's first 100 ms set the threshold by
# that word (espeak "bridge. Farmers": 90 ms late onset).
NEXT_ONSET_MARGIN_MS = 150
VAD_OFFSET_LAG_MS = 50
# A noise-limited energy edge this far inside the VAD's edge is not believed (onsets always;
# offsets when the background may hide the word's tail: it is louder than the quiet moments of
# the speech next to it, a sound that set in at the edge such as music, hum or noise after a
# cut; or it lies within MASKING_MARGIN_DB of the speech's peak, where soft final sounds sink).
# A steady room noise further down (FLEURS: 26-48 dB under the peak) hides little and its
# energy edge is believed: on the long real layouts it lies 17-160 ms from the reference where
# Silero's lies 90-300 ms (benchmarks/longform.py); the pink noise 21-22 dB under the peak of
# tests/core/test_refine.py's "noisy" condition needs the fallback.
TRUST_MS = 60
FLOOR_PERCENTILE = 10
OWN_FLOOR_DB = 6.0
MASKING_MARGIN_DB = 23.0
# A sound that sets in later in the pause (a hum or music bed after a second of quiet) is not the
# background the speech fades into: the pause is measured only up to it. Measured on the long real
# layout, where a hum starting 0.9 s after "... right here" set the threshold 26 dB above the
# quiet and left the end at Silero's edge, 124 ms after the forced-aligned end of the last word.
NEW_SOUND_DB = 12.0
NEW_SOUND_HOLD = 8  # frames (40 ms): a click is not a new sound
PAUSE_REF_FRAMES = 20  # the pause's level next to the edge: its first 100 ms


def refine_edges(
    audio: np.ndarray, regions: list[tuple[int, int]], duration_ms: int
) -> list[tuple[int, int]]:
    """Each region with its start and end moved to where speech energy really starts and stops."""
    return sharpen_edges(audio, regions, duration_ms)[0]


def sharpen_edges(
    audio: np.ndarray, regions: list[tuple[int, int]], duration_ms: int
) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """:func:`refine_edges`, and the ends it doubts: for each end taken from the VAD because
    the energy edge lay too far inside it in noise (``TRUST_MS``), that end -> the energy edge.
    Nothing in the signal seen here tells the two apart; a forced alignment of the words can."""
    out: list[tuple[int, int]] = []
    doubted: dict[int, int] = {}
    for k, (a, b) in enumerate(regions):
        prev_end = out[-1][1] if out else 0
        next_start = regions[k + 1][0] if k + 1 < len(regions) else duration_ms
        new_a = _onset(audio, a, b, prev_end)
        new_b, energy_b = _offset(audio, b, a, next_start)
        new_a = max(prev_end, min(new_a, b - HOP_MS))
        new_b = min(next_start, max(new_b, new_a + HOP_MS))
        if energy_b is not None and new_a + HOP_MS < energy_b < new_b:
            doubted[new_b] = energy_b
        out.append((new_a, new_b))
    return out, doubted


def _onset(audio: np.ndarray, edge: int, end: int, prev_end: int) -> int:
    found = _energy_edge(audio, edge, end, prev_end, onset=True)
    if found is None:
        return edge
    t, noise_limited = found
    vad_guess = edge - VAD_ONSET_LAG_MS
    if noise_limited and t > vad_guess + TRUST_MS:
        return vad_guess
    return t


def _offset(audio: np.ndarray, edge: int, start: int, next_start: int) -> tuple[int, int | None]:
    """The offset, and the energy edge when that was not believed (else None)."""
    found = _energy_edge(audio, edge, start, next_start, onset=False)
    if found is None:
        return edge, None
    t, noise_limited = found
    vad_guess = edge - VAD_OFFSET_LAG_MS
    if noise_limited and t < vad_guess - TRUST_MS:
        return vad_guess, t
    return t, None


def _energy_edge(
    audio: np.ndarray, edge: int, other_end: int, neighbour: int, *, onset: bool
) -> tuple[int, bool] | None:
    """Where the residual energy crosses the threshold near ``edge``, and whether that threshold
    was set by the background (noise-limited); None when there is too little to go on.
    ``other_end`` is the region's other edge, ``neighbour`` the next region's edge outward."""
    if onset:  # background: the gap outside the edge, clear of both speech edges
        bg_lo, bg_hi = max(neighbour + 60, edge - 1000), edge - 120
        lo, hi = max(neighbour + 20, edge - SEARCH_MS), min(other_end, edge + SEARCH_MS)
        near_lo, near_hi = edge, min(other_end, edge + 1500)
    else:
        bg_lo, bg_hi = edge + 120, min(neighbour - NEXT_ONSET_MARGIN_MS, edge + 1000)
        if bg_hi - bg_lo < 80:  # a short pause: what there is of it
            bg_hi = min(neighbour - 60, edge + 1000)
        lo, hi = max(other_end, edge - SEARCH_MS), min(neighbour - 20, edge + SEARCH_MS)
        near_lo, near_hi = max(other_end, edge - 1500), edge
    if bg_hi - bg_lo < 40 or hi - lo < 2 * HOP_MS:
        return None
    background = _until_a_new_sound(frame_power(audio, bg_lo, bg_hi)[0], outward_first=not onset)
    frames, first = frame_power(audio, lo, hi)
    near, _ = frame_power(audio, near_lo, max(near_hi, near_lo + 20))
    if len(background) < 4 or len(frames) < 3 or len(near) == 0:
        return None
    noise = np.median(background, axis=0)
    residual = db(np.maximum(frames - OVERSUBTRACT * noise, 0.0).sum(axis=1))
    bg_residual = db(np.maximum(background - OVERSUBTRACT * noise, 0.0).sum(axis=1))
    near_db = db(near.sum(axis=1))
    by_peak = float(near_db.max()) - (BELOW_PEAK_DB if onset else OFFSET_BELOW_PEAK_DB)
    by_background = float(np.percentile(bg_residual, 95)) + ABOVE_BACKGROUND_DB
    threshold = max(by_peak, by_background)
    times = np.array([frame_ms(first, i) for i in range(len(frames))])
    inside = times >= edge if onset else times <= edge
    if not inside.any():
        return None
    sure_level = min(threshold + SURE_DB, (threshold + float(residual[inside].max())) / 2)
    sure = np.nonzero(inside & (residual >= sure_level))[0]
    if len(sure) == 0:
        return None
    # From the speech nearest the VAD edge, walk outward while the residual stays loud.
    anchor = int(sure[0] if onset else sure[-1])
    step = -1 if onset else 1
    edge_i, quiet, i = anchor, 0, anchor
    while 0 <= i < len(frames):
        if residual[i] >= threshold:
            edge_i, quiet = i, 0
        else:
            quiet += 1
            if quiet > MAX_DIP_FRAMES:
                break
        i += step
    # A frame counts as loud once speech fills part of it: the edge is a quarter frame outward.
    t = int(times[edge_i]) + (-HALF_WIN_MS // 2 if onset else HALF_WIN_MS // 2)
    return t, by_background > by_peak and (onset or _may_hide_tail(near_db, background))


def _until_a_new_sound(background: np.ndarray, *, outward_first: bool) -> np.ndarray:
    """The pause's frames up to where a sound clearly louder than its start next to the edge
    sets in and holds (the frames run outward from the edge when ``outward_first``)."""
    level = db(background.sum(axis=1)) if len(background) else np.zeros(0)
    outward = level if outward_first else level[::-1]
    if len(outward) < 2 * PAUSE_REF_FRAMES:
        return background
    loud = outward > float(np.median(outward[:PAUSE_REF_FRAMES])) + NEW_SOUND_DB
    held = np.flatnonzero(np.convolve(loud, np.ones(NEW_SOUND_HOLD), "valid") == NEW_SOUND_HOLD)
    if not len(held) or held[0] < PAUSE_REF_FRAMES:
        return background
    cut = int(held[0])
    return background[:cut] if outward_first else background[len(background) - cut :]


def _may_hide_tail(near_db: np.ndarray, background: np.ndarray) -> bool:
    """Whether an offset's background may hide the word's tail (see ``TRUST_MS``); measured on
    offsets only: onsets keep the fallback whenever noise-limited."""
    background_db = float(np.median(db(background.sum(axis=1))))
    return (
        background_db > float(np.percentile(near_db, FLOOR_PERCENTILE)) + OWN_FLOOR_DB
        or float(near_db.max()) - background_db < MASKING_MARGIN_DB
    )
