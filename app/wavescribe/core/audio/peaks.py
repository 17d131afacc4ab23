"""A min/max peak pyramid of the audio, computed once, cached beside the project, painted from.

As in BBC audiowaveform and peaks.js, level 0 holds the lowest and highest sample of every
``base`` samples and each next level halves the one before (pairs of bins combined), down to a
few hundred bins. A view of any zoom reads the level whose bins are just finer than a pixel, so
painting touches about two bins per pixel and never the samples.

Storage is int16 (``FULL_SCALE`` = 1.0): 8-bit peaks would flatten quiet speech (-40 dBFS is one
step of int8). Minimums round down and maximums up, so quantising never hides a peak and a level
built from the one below equals one built from the samples. The default ``base`` of 64 samples is
4 ms at 16 kHz: 3 hours of audio make 2.7 M bins at level 0, about 21.6 MB for all levels, and
zoom reaches 4 ms per pixel before columns start to repeat a bin (the editor wants ~5 ms/px).

The cache file is a small JSON header (version, rate, base, sample count, the audio's fingerprint,
the level sizes, a CRC-32 of the data) followed by the levels as little-endian int16. A cache that
is missing, damaged, truncated, written by a newer version or made from other audio is refused
with a typed :class:`PeakCacheError`, never half-read.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from wavescribe.core.atomic import atomic_writer
from wavescribe.core.audio.facts import AudioFacts
from wavescribe.core.errors import Cancelled, WavescribeError

__all__ = [
    "DEFAULT_BASE",
    "FULL_SCALE",
    "PeakCacheCorrupt",
    "PeakCacheError",
    "PeakCacheMissing",
    "PeakCacheStale",
    "PeakPyramid",
    "cache_path_for",
]

DEFAULT_BASE = 64  # samples per level-0 bin: 4 ms at 16 kHz
FULL_SCALE = 32767  # the int16 value of a sample at 1.0
TOP_BINS = 256  # halving stops once a level is this small
FORMAT_VERSION = 1
CACHE_SUFFIX = ".wspeaks"
_MAGIC = b"WSPEAKS\0"
_MAX_HEADER = 64 * 1024
_BLOCK = 1 << 20  # samples per step when a whole array is given: keeps temporaries small


class PeakCacheError(WavescribeError):
    """A peak cache cannot be used; recompute the peaks (``reason`` says why, for the log)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PeakCacheMissing(PeakCacheError):
    """There is no cache file yet."""


class PeakCacheCorrupt(PeakCacheError):
    """The file is not a peak cache, or it is truncated, damaged or from a newer version."""


class PeakCacheStale(PeakCacheError):
    """The cache was made from different audio (size, modification time or duration differ)."""


def cache_path_for(project_path: str | os.PathLike[str]) -> Path:
    """Where a project's peaks are cached: beside it, ``talk.wsproj`` → ``talk.wspeaks``."""
    return Path(project_path).with_suffix(CACHE_SUFFIX)


class PeakPyramid:
    """Min/max peaks at halving resolutions; immutable once built.

    ``levels[k]`` is an ``(n, 2)`` int16 array of ``[min, max]`` per bin of ``base * 2**k``
    samples; the last bin of a level may cover fewer samples. ``path`` is the cache file it was
    read from (None when computed), so a caller can tell whether it still needs saving elsewhere.
    """

    def __init__(
        self,
        rate: int,
        base: int,
        n_samples: int,
        levels: list[np.ndarray],
        source: AudioFacts | None = None,
    ) -> None:
        self.rate = rate
        self.base = base
        self.n_samples = n_samples
        self.levels = levels
        self.source = source
        self.path: Path | None = None

    # --- building ----------------------------------------------------------------------------
    @classmethod
    def compute(
        cls,
        samples: np.ndarray | Iterable[np.ndarray],
        rate: int,
        *,
        base: int = DEFAULT_BASE,
        total_samples: int | None = None,
        source: AudioFacts | None = None,
        progress: Callable[[float], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> PeakPyramid:
        """Build the pyramid from one mono float array or from an iterator of blocks.

        Blocks may have any length; a whole array is walked in 1 M-sample steps. ``progress`` gets
        a rising fraction (for an iterator only if ``total_samples`` is given) and finally 1.0;
        ``cancel`` is polled between blocks and ``Cancelled`` raised when it returns true.
        """
        if base < 1 or rate < 1:
            raise ValueError("rate and base must be positive")
        if isinstance(samples, np.ndarray):
            if samples.ndim != 1:
                raise ValueError("peaks are computed from mono audio (a 1-D array)")
            total_samples = len(samples)
            blocks: Iterable[np.ndarray] = (
                samples[i : i + _BLOCK] for i in range(0, len(samples), _BLOCK)
            )
        else:
            blocks = samples
        builder = _Level0(base)
        for block in blocks:
            if cancel is not None and cancel():
                raise Cancelled("peak computation cancelled")
            builder.add(np.asarray(block, dtype=np.float32).reshape(-1))
            if progress is not None and total_samples:
                progress(min(builder.n_samples / total_samples, 1.0) * 0.99)
        levels = [builder.finish()]
        while len(levels[-1]) > TOP_BINS:
            levels.append(_halve(levels[-1]))
        if progress is not None:
            progress(1.0)
        return cls(rate, base, builder.n_samples, levels, source)

    # --- reading -----------------------------------------------------------------------------
    @property
    def duration_ms(self) -> int:
        return self.n_samples * 1000 // self.rate

    def samples_per_bin(self, level: int) -> int:
        return self.base << level

    def bin_ms(self, level: int) -> float:
        """How many milliseconds one bin of ``level`` covers."""
        return self.samples_per_bin(level) * 1000.0 / self.rate

    def level_for(self, ms_per_pixel: float) -> int:
        """The coarsest level whose bins are no wider than a pixel (0 when zoomed further in)."""
        level = 0
        while level + 1 < len(self.levels) and self.bin_ms(level + 1) <= ms_per_pixel:
            level += 1
        return level

    def slice(self, start_ms: float, end_ms: float, width_px: int) -> tuple[np.ndarray, np.ndarray]:
        """Exactly ``width_px`` columns of ``(mins, maxs)`` (int16) for the view [start, end).

        With ``s0``/``s1`` the view's edges in samples (rounded), column ``i`` covers samples
        ``[s0 + i*(s1-s0)//w, s0 + (i+1)*(s1-s0)//w)`` (at least one) and gets the peaks of
        every bin of ``level_for(ms per pixel)`` that overlaps them: a peak is never lost between
        two columns. Columns outside the audio are 0.
        """
        if not end_ms > start_ms:
            raise ValueError("a view must end after it starts")
        if width_px <= 0 or self.n_samples == 0:
            n = max(width_px, 0)
            return np.zeros(n, np.int16), np.zeros(n, np.int16)
        level = self.level_for((end_ms - start_ms) / width_px)
        peaks, spb = self.levels[level], self.samples_per_bin(level)
        s0 = round(start_ms * self.rate / 1000)
        s1 = max(round(end_ms * self.rate / 1000), s0 + 1)
        edges = s0 + np.arange(width_px + 1, dtype=np.int64) * (s1 - s0) // width_px
        first, stop = edges[:-1], np.maximum(edges[1:], edges[:-1] + 1)
        inside = (stop > 0) & (first < self.n_samples)
        n = len(peaks)
        lo = np.clip(first // spb, 0, n - 1)
        hi = np.clip(-(-stop // spb), lo + 1, n)  # exclusive, at least one bin
        span = int((hi - lo).max())
        idx = np.minimum(lo[:, None] + np.arange(span), hi[:, None] - 1)
        mins = peaks[idx, 0].min(axis=1)
        maxs = peaks[idx, 1].max(axis=1)
        mins[~inside] = 0
        maxs[~inside] = 0
        return mins, maxs

    # --- the cache file ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the cache atomically (a reader sees the old file or the new one)."""
        payload = [np.ascontiguousarray(lv, dtype="<i2") for lv in self.levels]
        crc = 0
        for part in payload:
            crc = zlib.crc32(part.data.cast("B"), crc)
        header = {
            "version": FORMAT_VERSION,
            "rate": self.rate,
            "base": self.base,
            "samples": self.n_samples,
            "source": None if self.source is None else self.source.to_dict(),
            "levels": [len(lv) for lv in self.levels],
            "crc32": crc,
        }
        head = json.dumps(header, separators=(",", ":")).encode()
        with atomic_writer(path, "wb") as f:
            f.write(_MAGIC + struct.pack("<I", len(head)) + head)
            for part in payload:
                f.write(part.data.cast("B"))

    @classmethod
    def load(cls, path: str | os.PathLike[str], expected: AudioFacts | None = None) -> PeakPyramid:
        """Read a cache; with ``expected``, refuse one made from other audio.

        Raises ``PeakCacheMissing``, ``PeakCacheCorrupt`` or ``PeakCacheStale``, never anything
        else for bad content. The levels are read-only views of the file's bytes.
        """
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError as exc:
            raise PeakCacheMissing(f"no peak cache at {path}") from exc
        except OSError as exc:
            raise PeakCacheCorrupt(f"cannot read the peak cache: {exc}") from exc
        pyramid = _parse(data)
        pyramid.path = Path(path)
        if expected is not None and (
            pyramid.source is None or not pyramid.source.same_source(expected)
        ):
            raise PeakCacheStale(
                f"the peak cache was made from other audio ({pyramid.source} != {expected})"
            )
        return pyramid


class _Level0:
    """Streams blocks into level-0 bins, carrying an unfinished bin from one block to the next."""

    def __init__(self, base: int) -> None:
        self.base = base
        self.n_samples = 0
        self.parts: list[np.ndarray] = []
        self.carry_n = 0
        self.carry_min = 0.0
        self.carry_max = 0.0

    def add(self, block: np.ndarray) -> None:
        if len(block) == 0:
            return
        self.n_samples += len(block)
        if self.carry_n:
            head = block[: self.base - self.carry_n]
            self.carry_min = min(self.carry_min, float(head.min()))
            self.carry_max = max(self.carry_max, float(head.max()))
            self.carry_n += len(head)
            block = block[len(head) :]
            if self.carry_n < self.base:
                return
            self._emit_carry()
        full = len(block) // self.base * self.base
        if full:
            frames = block[:full].reshape(-1, self.base)
            self.parts.append(_quantize(frames.min(axis=1), frames.max(axis=1)))
        tail = block[full:]
        if len(tail):
            self.carry_n = len(tail)
            self.carry_min, self.carry_max = float(tail.min()), float(tail.max())

    def _emit_carry(self) -> None:
        lo = np.array([self.carry_min], np.float32)
        hi = np.array([self.carry_max], np.float32)
        self.parts.append(_quantize(lo, hi))
        self.carry_n = 0

    def finish(self) -> np.ndarray:
        if self.carry_n:
            self._emit_carry()
        if not self.parts:
            return np.zeros((0, 2), np.int16)
        return np.concatenate(self.parts)


def _quantize(mins: np.ndarray, maxs: np.ndarray) -> np.ndarray:
    """Float peaks to int16, rounding outwards so that no peak shrinks."""
    out = np.empty((len(mins), 2), np.int16)
    out[:, 0] = np.clip(np.floor(mins * np.float32(FULL_SCALE)), -FULL_SCALE - 1, FULL_SCALE)
    out[:, 1] = np.clip(np.ceil(maxs * np.float32(FULL_SCALE)), -FULL_SCALE - 1, FULL_SCALE)
    return out


def _halve(level: np.ndarray) -> np.ndarray:
    pairs = len(level) // 2
    out = np.empty(((len(level) + 1) // 2, 2), np.int16)
    even, odd = level[0 : 2 * pairs : 2], level[1 : 2 * pairs : 2]
    np.minimum(even[:, 0], odd[:, 0], out=out[:pairs, 0])
    np.maximum(even[:, 1], odd[:, 1], out=out[:pairs, 1])
    if len(level) % 2:
        out[-1] = level[-1]
    return out


def _parse(data: bytes) -> PeakPyramid:
    """Check everything before trusting anything: a damaged cache must not crash the editor."""
    if data[: len(_MAGIC)] != _MAGIC or len(data) < len(_MAGIC) + 4:
        raise PeakCacheCorrupt("not a Wavescribe peak cache")
    (head_len,) = struct.unpack_from("<I", data, len(_MAGIC))
    start = len(_MAGIC) + 4
    if head_len > _MAX_HEADER or start + head_len > len(data):
        raise PeakCacheCorrupt("the peak cache header is truncated or damaged")
    try:
        h = json.loads(data[start : start + head_len])
        version = int(h["version"])
        if version > FORMAT_VERSION:
            raise PeakCacheCorrupt(f"peak cache version {version} is newer than this Wavescribe")
        rate, base, n_samples = int(h["rate"]), int(h["base"]), int(h["samples"])
        sizes = [int(n) for n in h["levels"]]
        crc = int(h["crc32"])
        src = h["source"]
        source = None if src is None else AudioFacts.from_dict(src)
    except PeakCacheCorrupt:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise PeakCacheCorrupt(f"the peak cache header is damaged ({exc})") from exc
    if rate < 1 or base < 1 or n_samples < 0 or not sizes or sizes != _level_sizes(n_samples, base):
        raise PeakCacheCorrupt("the peak cache header is inconsistent")
    offset = start + head_len
    if len(data) - offset != 4 * sum(sizes):
        raise PeakCacheCorrupt("the peak cache is truncated or has trailing bytes")
    if zlib.crc32(memoryview(data)[offset:]) != crc:
        raise PeakCacheCorrupt("the peak cache is damaged (checksum mismatch)")
    levels = []
    for n in sizes:
        levels.append(np.frombuffer(data, "<i2", 2 * n, offset).reshape(n, 2))
        offset += 4 * n
    return PeakPyramid(rate, base, n_samples, levels, source)


def _level_sizes(n_samples: int, base: int) -> list[int]:
    sizes = [-(-n_samples // base)]
    while sizes[-1] > TOP_BINS:
        sizes.append((sizes[-1] + 1) // 2)
    return sizes
