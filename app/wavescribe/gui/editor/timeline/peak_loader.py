"""Getting the waveform's peaks (and the samples for playback) off the GUI thread.

A cached pyramid is shown first, so a re-opened 3-hour file has its waveform at once; the audio
is decoded afterwards for playback (and for peaks when there was no usable cache, which are then
saved). Both run through ``run_task``; these functions are plain and testable on their own.

Where the peaks live: beside the audio's project once it has been saved or opened
(``talk.wsproj`` → ``talk.wspeaks``, :func:`~wavescribe.core.audio.peaks.cache_path_for`), else in a
per-user cache. Project actions tell this module which project holds which audio
(:func:`remember_project`); the editor only knows the audio path, and asks here.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from wavescribe.core import paths
from wavescribe.core.audio.load import load_audio
from wavescribe.core.audio.peaks import (
    PeakCacheError,
    PeakPyramid,
    SourceFingerprint,
    cache_path_for,
)

RATE = 16000  # what core.audio decodes to

_lock = threading.Lock()
_projects: dict[Path, Path] = {}  # absolute audio path -> the project file that holds it


def peak_cache_path(audio_path: str | os.PathLike[str]) -> Path:
    """A per-user cache: one file per audio path (the fingerprint inside catches changes)."""
    digest = hashlib.sha1(str(_key(audio_path)).encode()).hexdigest()[:20]
    return paths.data_dir() / "peaks" / f"{digest}.wspeaks"


def remember_project(audio_path: str | os.PathLike[str], project_path: Path | None) -> None:
    """``project_path`` holds ``audio_path`` now: its peaks belong beside it (None: forget)."""
    with _lock:
        if project_path is None:
            _projects.pop(_key(audio_path), None)
        else:
            _projects[_key(audio_path)] = Path(project_path)


def peak_cache_paths(audio_path: str | os.PathLike[str]) -> list[Path]:
    """Where to look for the peaks, best first: beside the project (when saved), then per user."""
    with _lock:
        project = _projects.get(_key(audio_path))
    user = peak_cache_path(audio_path)
    if project is None or not project.is_file():  # deleted or moved since: never write there
        return [user]
    return [cache_path_for(project), user]


def load_cached_peaks(
    audio_path: str | os.PathLike[str], cache: Path | Sequence[Path] | None = None
) -> PeakPyramid | None:
    """The first cached pyramid made from this file as it is now (``pyramid.path`` says which).

    ``cache`` is one file or several, best first; by default :func:`peak_cache_paths`. A missing,
    damaged or stale cache is skipped, never an error.
    """
    caches = peak_cache_paths(audio_path) if cache is None else cache
    for path in [caches] if isinstance(caches, Path) else caches:
        try:
            pyramid = PeakPyramid.load(path)
            st = Path(audio_path).stat()
        except (PeakCacheError, OSError):
            continue
        src = pyramid.source
        if src is not None and (src.size, src.mtime_ns) == (st.st_size, st.st_mtime_ns):
            return pyramid
    return None


def decode_with_peaks(
    audio_path: str | os.PathLike[str],
    cache: Path | None = None,
    pyramid: PeakPyramid | None = None,
) -> tuple[np.ndarray, PeakPyramid]:
    """Decode for playback; compute the peaks unless ``pyramid`` is already good, and cache them.

    Without ``cache`` the peaks go where they belong once decoding is done (beside a project
    saved meanwhile); a pyramid read from another file (the per-user cache, when the project's
    copy was missing, stale or damaged) is written there too.
    """
    samples, _info = load_audio(audio_path)
    if pyramid is None:
        source = SourceFingerprint.of(audio_path, len(samples) * 1000 // RATE)
        pyramid = PeakPyramid.compute(samples, RATE, source=source)
    target = cache if cache is not None else peak_cache_paths(audio_path)[0]
    if pyramid.path != target:
        _save(pyramid, target)
    return samples, pyramid


def store_peaks_beside(audio_path: str | os.PathLike[str], project_path: Path) -> Path | None:
    """Put the audio's peaks beside the project just saved at ``project_path`` (worker thread).

    Copies them from wherever a good cache is (the project's previous place, the per-user cache)
    unless the project's own file already holds them; returns that file, or None when no peaks
    are cached yet (the editor writes them there once it has computed them).
    """
    target = cache_path_for(project_path)
    before = peak_cache_paths(audio_path)
    remember_project(audio_path, project_path)
    pyramid = load_cached_peaks(audio_path, [target, *[p for p in before if p != target]])
    if pyramid is None:
        return None
    if pyramid.path != target and not _save(pyramid, target):
        return None
    return target


def _save(pyramid: PeakPyramid, target: Path) -> bool:
    """Write a cache; only the per-user folder is made (a project's folder that went is not)."""
    try:
        if target.parent == paths.data_dir() / "peaks":
            target.parent.mkdir(parents=True, exist_ok=True)
        pyramid.save(target)
    except OSError:
        return False  # a read-only folder only costs the next open some seconds
    return True


def _key(audio_path: str | os.PathLike[str]) -> Path:
    return Path(audio_path).absolute()
