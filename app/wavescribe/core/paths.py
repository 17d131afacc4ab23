"""Where Wavescribe keeps its files (platformdirs), overridable for tests and portable installs."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from pathlib import Path

import platformdirs

try:
    import fcntl
except ImportError:  # Windows: a file another process has open cannot be deleted anyway
    fcntl = None  # type: ignore[assignment]

from wavescribe.core.errors import WavescribeError

APP_NAME = "Wavescribe"
STALE_PART_AGE_S = 3600.0  # a .part untouched this long belongs to a process that was killed


class DataFolderError(WavescribeError):
    """The data folder cannot be created or written to."""


def data_dir() -> Path:
    """User data folder; ``WAVESCRIBE_DATA_DIR`` overrides it."""
    override = os.environ.get("WAVESCRIBE_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))


def models_dir() -> Path:
    """Folder of installed models: ``<data>/models``."""
    return data_dir() / "models"


def logs_dir() -> Path:
    """Engine logs: ``<data>/logs`` (not the system temp folder, where a kill leaves them)."""
    return data_dir() / "logs"


def ensure_data_dir() -> Path:
    """Create the data folder if needed and prove it writable; DataFolderError if not.

    Called once at start, so an unusable folder is one clear sentence rather than a traceback
    from whichever write happens to come first.
    """
    root = data_dir()
    if root.exists() and not root.is_dir():
        raise DataFolderError(
            f"cannot use the data folder {root}: it is a file, not a folder. Point "
            "WAVESCRIBE_DATA_DIR at a folder."
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            reason = "it is read-only" if exc.errno == errno.EROFS else "permission denied"
        raise DataFolderError(
            f"cannot use the data folder {root}: {reason}. Make it writable, or point "
            "WAVESCRIBE_DATA_DIR at a folder that is."
        ) from None
    return root


def clean_stale_parts(max_age_s: float = STALE_PART_AGE_S) -> list[Path]:
    """Remove ``*.part`` / ``*.incoming`` leftovers of killed downloads and conversions.

    A file counts as stale when it was not modified for ``max_age_s`` and no process holds a
    lock on it (an ongoing write in another Wavescribe would be recent anyway). Engine logs of
    killed runs older than that go too. Returns what was removed; errors are ignored.
    """
    removed: list[Path] = []
    now = time.time()
    root = data_dir()
    candidates = [
        *_glob(root / "models", "*.part"),
        *_glob(root / "models", ".*.incoming"),
        *_glob(root / "models", ".*.converting.bin"),
        *_glob(root / "models", ".*.copying.bin"),
        *_glob(root / "models" / ".downloads", "*.part"),
        *_glob(logs_dir(), "engine-*.log"),
    ]
    for path in candidates:
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime < max_age_s or _is_locked(path):
                continue
            path.unlink()
            removed.append(path)
    return removed


def _glob(folder: Path, pattern: str) -> list[Path]:
    try:
        return [p for p in folder.glob(pattern) if p.is_file()]
    except OSError:
        return []


def _is_locked(path: Path) -> bool:
    if fcntl is None:
        return False
    try:
        with open(path, "rb") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False
