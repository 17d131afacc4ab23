"""Getting the waveform's peaks (and the samples for playback) off the GUI thread.

A cached pyramid is shown first, so a re-opened 3-hour file has its waveform at once; the audio
is decoded afterwards for playback (and for peaks when there was no usable cache, which are then
saved). Both run through ``run_task``. Where the caches live and which project holds which audio
is the app's :class:`~wavescribe.core.project.peak_cache.PeakCache`, handed in by the caller.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from wavescribe.core.audio.facts import AudioFacts
from wavescribe.core.audio.load import SAMPLE_RATE, load_audio
from wavescribe.core.audio.peaks import PeakPyramid
from wavescribe.core.project.peak_cache import PeakCache


def decode_with_peaks(
    cache: PeakCache,
    audio_path: str | os.PathLike[str],
    target: Path | None = None,
    pyramid: PeakPyramid | None = None,
) -> tuple[np.ndarray, PeakPyramid]:
    """Decode for playback; compute the peaks unless ``pyramid`` is already good, and cache them.

    Without ``target`` the peaks go where they belong once decoding is done (beside a project
    saved meanwhile); a pyramid read from another file (the per-user cache, when the project's
    copy was missing, stale or damaged) is written there too.
    """
    samples, _info = load_audio(audio_path)
    if pyramid is None:
        duration_ms = len(samples) * 1000 // SAMPLE_RATE
        source = AudioFacts.of(audio_path, duration_ms, content=False)
        pyramid = PeakPyramid.compute(samples, SAMPLE_RATE, source=source)
    cache.keep(pyramid, audio_path, target)
    return samples, pyramid
