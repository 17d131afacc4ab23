"""Getting the waveform's peaks (and the samples for playback) off the GUI thread.

A cached pyramid is shown first, so a re-opened 3-hour file has its waveform at once; the audio
is decoded afterwards for playback (and for peaks when there was no usable cache, which are then
saved). Both run through ``run_task``; these functions are plain and testable on their own.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from wavescribe.core import paths
from wavescribe.core.audio import load_audio
from wavescribe.core.peaks import PeakCacheError, PeakPyramid, SourceFingerprint

RATE = 16000  # what core.audio decodes to


def peak_cache_path(audio_path: str | os.PathLike[str]) -> Path:
    """A per-user cache: one file per audio path (the fingerprint inside catches changes)."""
    digest = hashlib.sha1(str(Path(audio_path).absolute()).encode()).hexdigest()[:20]
    return paths.data_dir() / "peaks" / f"{digest}.wspeaks"


def load_cached_peaks(audio_path: str | os.PathLike[str], cache: Path) -> PeakPyramid | None:
    """The cached pyramid if it was made from this file as it is now, else None."""
    try:
        pyramid = PeakPyramid.load(cache)
        st = Path(audio_path).stat()
    except (PeakCacheError, OSError):
        return None
    src = pyramid.source
    if src is None or (src.size, src.mtime_ns) != (st.st_size, st.st_mtime_ns):
        return None
    return pyramid


def decode_with_peaks(
    audio_path: str | os.PathLike[str], cache: Path, pyramid: PeakPyramid | None
) -> tuple[np.ndarray, PeakPyramid]:
    """Decode for playback; compute and cache the peaks unless ``pyramid`` is already good."""
    samples, _info = load_audio(audio_path)
    if pyramid is None:
        source = SourceFingerprint.of(audio_path, len(samples) * 1000 // RATE)
        pyramid = PeakPyramid.compute(samples, RATE, source=source)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            pyramid.save(cache)
        except OSError:
            pass  # a read-only cache only costs the next open some seconds
    return samples, pyramid
