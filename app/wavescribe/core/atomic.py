"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The temporary file ``tempfile`` makes is mode 0600; before it is renamed over the target it gets
the mode a plain ``open()`` would have given a new file (0666 less the umask), or the mode of the
file it replaces, so exported subtitles are as readable as any other file the user writes.

:func:`atomic_group` extends this to several files that belong together (one job's SRT and JSON):
every file is written to its temporary name first and only when all of them succeeded are they
renamed into place, so a full disk never leaves a new SRT beside a stale JSON.

It is also the one place that knows which OS errors mean "the disk is full".
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

# EFBIG: a file system's size limit (FAT32's 4 GB); EDQUOT: a user's quota (not on Windows).
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)})


def is_disk_full(exc: OSError) -> bool:
    """Whether a failed write ran out of room (disk full, file too large, quota exceeded)."""
    return exc.errno in DISK_FULL_ERRNOS


def new_file_mode() -> int:
    """The permission bits ``open(path, "w")`` gives a new file: 0666 less the umask."""
    return 0o666 & ~_umask()


def _umask() -> int:
    # /proc tells it without changing it (os.umask has no read-only form and is process-wide,
    # so setting and restoring it would race other threads creating files).
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/self/status", encoding="ascii", errors="replace") as f,
    ):
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return new_file_mode()


def _temp_beside(target: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)


def _finish(fd_file: IO[Any], tmp: str, target: Path) -> None:
    """Flush and fsync the open temporary file and give it the mode the target should have."""
    fd_file.flush()
    os.fsync(fd_file.fileno())
    os.chmod(tmp, _mode_for(target))  # by path: os.fchmod is POSIX-only before Python 3.13


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "w", **kw: object) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync and rename it over ``path``.

    On any exception (including KeyboardInterrupt) the temporary file is removed and ``path``
    is left as it was.
    """
    target = Path(path)
    fd, tmp = _temp_beside(target)
    try:
        with os.fdopen(fd, mode, **kw) as f:  # type: ignore[call-overload]
            yield f
            _finish(f, tmp, target)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (newline translation off: we write what we mean)."""
    with atomic_writer(path, "w", encoding=encoding, newline="") as f:
        f.write(text)


class FileGroup:
    """Files staged by :func:`atomic_group`; nothing is visible at its target until commit."""

    def __init__(self) -> None:
        self._staged: list[tuple[str, Path]] = []

    def write_text(self, path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
        """Stage ``text`` for ``path`` (written and fsynced now, renamed at commit)."""
        target = Path(path)
        fd, tmp = _temp_beside(target)
        self._staged.append((tmp, target))  # before writing: a failed write is cleaned up too
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            f.write(text)
            _finish(f, tmp, target)

    def _commit(self) -> None:
        # Renames need no space and cannot half-happen, so once every file is staged they
        # succeed together in all but pathological cases (the folder removed meanwhile).
        while self._staged:
            tmp, target = self._staged[0]
            os.replace(tmp, target)
            self._staged.pop(0)

    def _discard(self) -> None:
        for tmp, _ in self._staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self._staged.clear()


@contextlib.contextmanager
def atomic_group() -> Iterator[FileGroup]:
    """All-or-nothing writes of several files: every file lands, or none does.

    ``with atomic_group() as group: group.write_text(a, ...); group.write_text(b, ...)`` — on
    any exception inside the block every staged temporary file is removed and the old files are
    left exactly as they were.
    """
    group = FileGroup()
    try:
        yield group
        group._commit()
    finally:
        group._discard()


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; OSError as the OS raised it (see is_disk_full)."""
    with atomic_writer(path, "wb") as f:
        f.write(data)
