"""Real read-only and full file systems for failure tests (a bind mount, a tiny tmpfs).

Root ignores permission bits, so a read-only *mount* is the reliable way to get EROFS; a small
tmpfs gives a real ENOSPC. Both need mount rights (root or CAP_SYS_ADMIN): without them the test
is skipped with a message saying so, never silently passed.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

PAGE = 4096


def _mount(*args: str) -> None:
    r = subprocess.run(["mount", *args], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"this machine cannot mount file systems for the test: {r.stderr.strip()}")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """``folder`` (with what it holds now) made read-only by a bind mount onto itself."""
    _mount("--bind", str(folder), str(folder))
    try:
        _mount("-o", "remount,ro,bind", str(folder))
        yield folder
    finally:
        _umount(folder)


@contextlib.contextmanager
def tmpfs(folder: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of ``size_kb`` KiB mounted on ``folder`` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        _umount(folder)


def fill(folder: Path, leave_pages: int = 0) -> Path:
    """Fill the file system of ``folder`` so that ``leave_pages`` pages stay free."""
    free = os.statvfs(folder).f_bavail
    filler = folder / ".filler"
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave_pages) * PAGE)
    assert os.statvfs(folder).f_bavail == leave_pages
    return filler
