"""What an audio file looked like: to recognise it later, and to trust what was made from it.

A project records these facts to find its audio again (and to notice another recording); a peak
cache records them to know it still belongs to the file. Size and modification time are read from
the file system; the content fingerprint (a hash of 192 KiB) only when asked for.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wavescribe.core.errors import InputNotFound

_SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class AudioFacts:
    """Size, modification time and, where measured, duration and content fingerprint."""

    size: int
    mtime_ns: int
    duration_ms: int | None = None
    fingerprint: str | None = None  # quick_fingerprint(), None when not measured

    @classmethod
    def of(
        cls, path: str | os.PathLike[str], duration_ms: int | None = None, *, content: bool = True
    ) -> AudioFacts:
        """Measure ``path``; ``content`` also hashes 192 KiB of it (cheap even for 3 hours)."""
        p = Path(path)
        try:
            st = p.stat()
            fingerprint = quick_fingerprint(p) if content else None
        except FileNotFoundError as exc:
            raise InputNotFound(f"No audio file at {p}") from exc
        return cls(st.st_size, st.st_mtime_ns, duration_ms, fingerprint)

    def unchanged(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` still has this size and modification time (no content is read)."""
        try:
            st = Path(path).stat()
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns) == (self.size, self.mtime_ns)

    def same_source(self, other: AudioFacts) -> bool:
        """Same file as it was: size and time equal, duration and fingerprint where both know."""
        if (self.size, self.mtime_ns) != (other.size, other.mtime_ns):
            return False
        pairs = ((self.duration_ms, other.duration_ms), (self.fingerprint, other.fingerprint))
        return all(a == b for a, b in pairs if a is not None and b is not None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; unknown facts are left out."""
        d: dict[str, Any] = {"size": self.size, "mtime_ns": self.mtime_ns}
        if self.duration_ms is not None:
            d["duration_ms"] = self.duration_ms
        if self.fingerprint is not None:
            d["fingerprint"] = self.fingerprint
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AudioFacts:
        """Read :meth:`to_dict`'s form (also a project's or a peak cache's older one)."""
        duration, fingerprint = d.get("duration_ms"), d.get("fingerprint")
        return cls(
            size=int(d["size"]),
            mtime_ns=int(d.get("mtime_ns", 0)),
            duration_ms=None if duration is None else int(duration),
            fingerprint=None if fingerprint is None else str(fingerprint),
        )


def quick_fingerprint(path: str | os.PathLike[str]) -> str:
    """SHA-256 of the size and 64 KiB from the start, middle and end: tells files apart cheaply."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        digest.update(str(size).encode())
        for offset in sorted(
            {0, max(0, size // 2 - _SAMPLE_BYTES // 2), max(0, size - _SAMPLE_BYTES)}
        ):
            f.seek(offset)
            digest.update(f.read(_SAMPLE_BYTES))
    return digest.hexdigest()
