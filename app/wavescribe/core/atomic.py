"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Also the one place that knows which OS errors mean "the disk is full".
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

# EFBIG: a file system's size limit (FAT32's 4 GB); EDQUOT: a user's quota (not on Windows).
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)})


def is_disk_full(exc: OSError) -> bool:
    """Whether a failed write ran out of room (disk full, file too large, quota exceeded)."""
    return exc.errno in DISK_FULL_ERRNOS


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "w", **kw: object) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync and rename it over ``path``.

    On any exception (including KeyboardInterrupt) the temporary file is removed and ``path``
    is left as it was.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, mode, **kw) as f:  # type: ignore[call-overload]
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (newline translation off: we write what we mean)."""
    with atomic_writer(path, "w", encoding=encoding, newline="") as f:
        f.write(text)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; OSError as the OS raised it (see is_disk_full)."""
    with atomic_writer(path, "wb") as f:
        f.write(data)
