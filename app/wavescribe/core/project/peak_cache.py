"""Where each audio file's waveform peaks are cached, and reading and writing them.

The peaks live beside the audio's project once it has been saved or opened (``talk.wsproj`` →
``talk.wspeaks``), else in a per-user folder. Only the project actions know which project holds
which audio, so they tell the :class:`PeakCache` (``remember_project``); the editor knows only
the audio path and asks it. One cache belongs to the app's workspace and is handed to the editor.

Reading and writing block (a pyramid of a 3-hour file is megabytes): call them off the GUI thread.
Importing this module stays light (the peaks themselves, with numpy, are imported on first use)
so the window can own a cache from start-up.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wavescribe.core import paths

if TYPE_CHECKING:
    from wavescribe.core.audio.peaks import PeakPyramid


class PeakCache:
    """Which project holds which audio, where its peaks are therefore kept, and their files.

    ``user_dir`` is the per-user folder (default: ``<data dir>/peaks``, looked up on each use so
    a changed data folder is followed). Safe to use from several threads.
    """

    def __init__(self, user_dir: Path | None = None) -> None:
        self._user_dir = user_dir
        self._lock = threading.Lock()
        self._projects: dict[Path, Path] = {}  # absolute audio path -> the project holding it

    @property
    def user_dir(self) -> Path:
        """The per-user folder of caches for audio that no saved project holds."""
        return self._user_dir if self._user_dir is not None else paths.data_dir() / "peaks"

    def user_path(self, audio_path: str | os.PathLike[str]) -> Path:
        """The per-user cache file of one audio path (the facts inside catch a changed file)."""
        from wavescribe.core.audio.peaks import CACHE_SUFFIX

        digest = hashlib.sha1(str(_key(audio_path)).encode()).hexdigest()[:20]
        return self.user_dir / f"{digest}{CACHE_SUFFIX}"

    def remember_project(
        self, audio_path: str | os.PathLike[str], project_path: Path | None
    ) -> None:
        """``project_path`` holds ``audio_path`` now: its peaks belong beside it (None: forget)."""
        with self._lock:
            if project_path is None:
                self._projects.pop(_key(audio_path), None)
            else:
                self._projects[_key(audio_path)] = Path(project_path)

    def locations(self, audio_path: str | os.PathLike[str]) -> list[Path]:
        """Where to look for the peaks, best first: beside the project (if saved), then per user."""
        with self._lock:
            project = self._projects.get(_key(audio_path))
        user = self.user_path(audio_path)
        if project is None or not project.is_file():  # deleted or moved since: never write there
            return [user]
        from wavescribe.core.audio.peaks import cache_path_for

        return [cache_path_for(project), user]

    def load(
        self, audio_path: str | os.PathLike[str], places: Path | Sequence[Path] | None = None
    ) -> PeakPyramid | None:
        """The first cached pyramid made from this file as it is now (``pyramid.path`` says which).

        ``places`` is one file or several, best first; by default :meth:`locations`. A missing,
        damaged or stale cache is skipped, never an error.
        """
        from wavescribe.core.audio.peaks import PeakCacheError, PeakPyramid

        candidates = self.locations(audio_path) if places is None else places
        for path in [candidates] if isinstance(candidates, Path) else candidates:
            try:
                pyramid = PeakPyramid.load(path)
            except (PeakCacheError, OSError):
                continue
            if pyramid.source is not None and pyramid.source.unchanged(audio_path):
                return pyramid
        return None

    def keep(
        self,
        pyramid: PeakPyramid,
        audio_path: str | os.PathLike[str],
        target: Path | None = None,
    ) -> None:
        """Write ``pyramid`` to ``target`` (default: where this audio's peaks belong now) unless
        it was read from there; a read-only place only costs the next open some seconds."""
        target = target if target is not None else self.locations(audio_path)[0]
        if pyramid.path != target:
            self._save(pyramid, target)

    def store_beside(self, audio_path: str | os.PathLike[str], project_path: Path) -> Path | None:
        """Put the audio's peaks beside the project just saved at ``project_path``.

        Copies them from wherever a good cache is (the project's previous place, the per-user
        cache) unless the project's own file already holds them; returns that file, or None when
        no peaks are cached yet (the editor writes them there once it has computed them).
        """
        from wavescribe.core.audio.peaks import cache_path_for

        target = cache_path_for(project_path)
        before = self.locations(audio_path)
        self.remember_project(audio_path, project_path)
        pyramid = self.load(audio_path, [target, *[p for p in before if p != target]])
        if pyramid is None:
            return None
        if pyramid.path != target and not self._save(pyramid, target):
            return None
        return target

    def _save(self, pyramid: PeakPyramid, target: Path) -> bool:
        """Write a cache; only the per-user folder is made (a project's folder that went is not)."""
        try:
            if target.parent == self.user_dir:
                target.parent.mkdir(parents=True, exist_ok=True)
            pyramid.save(target)
        except OSError:
            return False
        return True


def _key(audio_path: str | os.PathLike[str]) -> Path:
    return Path(audio_path).absolute()
