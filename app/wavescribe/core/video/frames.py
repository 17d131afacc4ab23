"""The frame of a video at a time, as an RGB array: seek to the keyframe before, decode forward.

The frame shown at ``t`` is the last one whose presentation time is at or before ``t`` (what a
player shows). Moving forward a little (playback, a frame step) decodes on from where the decoder
is instead of seeking again; a jump back or far ahead seeks to the nearest keyframe before the
target and decodes forward from there. Recent frames are kept in a small cache, so stepping back
and forth over a few frames decodes nothing. PyAV is imported on first use: start-up stays fast.

A :class:`FrameReader` is not thread-safe: the GUI keeps one per decoding thread.
"""

from __future__ import annotations

import contextlib
import math
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wavescribe.core.errors import CorruptAudio, InputNotFound, UnsupportedAudio

CACHE_FRAMES = 48
FORWARD_DECODE_MS = 2500  # ahead of the decoder by less than this: decode on rather than seek
_COVER_ART = 0x400  # AV_DISPOSITION_ATTACHED_PIC: a music file's cover image, not a video


@dataclass(frozen=True)
class VideoInfo:
    """A video stream's size, frame rate and length."""

    width: int
    height: int
    fps: float
    duration_ms: int

    @property
    def frame_ms(self) -> float:
        """One frame's duration (what a frame step moves)."""
        return 1000.0 / self.fps


@dataclass(frozen=True)
class Frame:
    """One decoded picture: ``rgb`` is (height, width, 3) uint8, shown from ``start_ms``."""

    start_ms: int
    end_ms: int  # the next frame's start (or start + one frame at the end)
    rgb: np.ndarray


def _open(path: str | Path) -> Any:
    import av

    p = Path(path)
    if not p.exists():
        raise InputNotFound(f"{p}: no such file")
    try:
        return av.open(str(p))
    except av.error.FFmpegError as exc:
        raise UnsupportedAudio(f"{p.name}: cannot be opened as video ({exc})") from exc


def _video_stream(container: Any) -> Any | None:
    for stream in container.streams.video:
        if not int(stream.disposition) & _COVER_ART:
            return stream
    return None


def _info(container: Any, stream: Any) -> VideoInfo:
    fps = _measured_fps(container, stream)
    if fps is None:
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 25.0
    if stream.duration is not None and stream.time_base is not None:
        duration_ms = int(stream.duration * stream.time_base * 1000)
    elif container.duration is not None:
        duration_ms = int(container.duration / 1000)  # microseconds
    else:
        duration_ms = 0
    return VideoInfo(stream.width, stream.height, fps, duration_ms)


def _measured_fps(container: Any, stream: Any, frames: int = 12) -> float | None:
    """The frame rate from the first frames' timestamps: Matroska files often announce a rate
    of 1000 (their time base) or a guess that is twice the real one."""
    times: list[float] = []
    try:
        for packet in container.demux(stream):
            if packet.pts is not None and packet.time_base is not None:
                times.append(float(packet.pts * packet.time_base))
            if len(times) >= frames:
                break
    except Exception:
        return None
    finally:
        with contextlib.suppress(Exception):
            container.seek(0, stream=stream, backward=True)
    steps = np.diff(np.sort(np.array(times)))
    steps = steps[steps > 0]
    if len(steps) < 2:
        return None
    fps = 1.0 / float(np.median(steps))
    return fps if math.isfinite(fps) and 1.0 <= fps <= 240.0 else None


def probe_video(path: str | Path) -> VideoInfo | None:
    """The file's video stream, or None for audio (a music file's cover art is not a video)."""
    container = _open(path)
    try:
        stream = _video_stream(container)
        return None if stream is None else _info(container, stream)
    finally:
        container.close()


def fit_size(width: int, height: int, box_w: int, box_h: int) -> tuple[int, int]:
    """The largest size with the aspect of ``width`` x ``height`` that fits the box (even sides,
    which the scaler prefers; never 0)."""
    if width <= 0 or height <= 0 or box_w <= 0 or box_h <= 0:
        return max(2, width), max(2, height)
    scale = min(box_w / width, box_h / height)
    w = max(2, int(width * scale) // 2 * 2)
    h = max(2, int(height * scale) // 2 * 2)
    return w, h


class FrameReader:
    """Frames of one video file by time, scaled on request (see the module docstring)."""

    def __init__(self, path: str | Path, cache_frames: int = CACHE_FRAMES) -> None:
        self.path = str(path)
        self._container = _open(path)
        stream = _video_stream(self._container)
        if stream is None:
            self._container.close()
            raise UnsupportedAudio(f"{Path(path).name}: has no video stream")
        stream.thread_type = "AUTO"
        self._stream = stream
        self.info = _info(self._container, stream)
        self._cache: OrderedDict[tuple[int, tuple[int, int] | None], Frame] = OrderedDict()
        self._cache_frames = cache_frames
        self._frames: Any = None  # the decoder's frame iterator
        self._prev: Any = None  # the last av.VideoFrame at or before the last target
        self._next: Any = None  # the frame decoded after it (starts after that target), if any
        self.seeks = 0  # how many times the reader sought (tests and the benchmark read it)
        self.decoded = 0

    def close(self) -> None:
        self._frames = None
        self._container.close()

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- looking up ---------------------------------------------------------------------------
    def frame_at(self, ms: int, size: tuple[int, int] | None = None) -> Frame:
        """The frame shown at ``ms`` (clamped to the video), as RGB scaled to ``size`` (w, h)."""
        ms = max(0, int(ms))
        for (start, key_size), frame in reversed(self._cache.items()):
            if key_size == size and frame.start_ms <= ms < frame.end_ms:
                self._cache.move_to_end((start, key_size))
                return frame
        found = self._decode_to(ms)
        if found is None:
            raise CorruptAudio(f"{Path(self.path).name}: no picture could be decoded at {ms} ms")
        av_frame, end_ms = found
        start_ms = self._ms(av_frame)
        if size is None:
            rgb = av_frame.to_ndarray(format="rgb24")
        else:
            rgb = av_frame.to_ndarray(format="rgb24", width=size[0], height=size[1])
        rgb = np.ascontiguousarray(rgb)  # scaled frames come with padded rows
        frame = Frame(start_ms, max(end_ms, start_ms + 1), rgb)
        self._cache[(start_ms, size)] = frame
        while len(self._cache) > self._cache_frames:
            self._cache.popitem(last=False)
        return frame

    def _ms(self, av_frame: Any) -> int:
        if av_frame.pts is None:
            return int((av_frame.time or 0.0) * 1000)
        return round(float(av_frame.pts * self._stream.time_base) * 1000)

    def _decode_to(self, ms: int) -> tuple[Any, int] | None:
        """Decode to the last frame starting at or before ``ms``; (frame, next frame's start)."""
        prev = self._prev
        if prev is None or not self._ms(prev) <= ms < self._ms(prev) + FORWARD_DECODE_MS:
            self._seek(ms)
        one = round(self.info.frame_ms)
        while True:
            if self._next is None:
                self._next = self._pull()
                if self._next is None:  # the end: the last frame stays on screen
                    return None if self._prev is None else (self._prev, self._ms(self._prev) + one)
            if self._ms(self._next) > ms:
                if self._prev is None:  # the first frame starts after ``ms``: show it
                    self._prev, self._next = self._next, None
                    return self._prev, self._ms(self._prev) + one
                return self._prev, self._ms(self._next)
            self._prev, self._next = self._next, None

    def _pull(self) -> Any | None:
        """The next decoded frame, or None at the end (damaged packets are skipped)."""
        import av

        while self._frames is not None:
            try:
                frame = next(self._frames)
            except StopIteration:
                self._frames = None
            except av.error.FFmpegError:
                continue
            else:
                self.decoded += 1
                return frame
        return None

    def _seek(self, ms: int) -> None:
        self.seeks += 1
        offset = int(ms / 1000 / self._stream.time_base) if self._stream.time_base else 0
        if self._stream.start_time is not None:
            offset += self._stream.start_time
        try:
            self._container.seek(max(0, offset), stream=self._stream, backward=True)
        except Exception:  # a file without an index: from the start
            self._container.seek(0, stream=self._stream, backward=True)
        self._frames = self._container.decode(self._stream)
        self._prev = self._next = None
