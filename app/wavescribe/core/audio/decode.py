"""Decoders that stream a file as mono float32 chunks at the source rate.

Two paths: libsndfile (``soundfile``) for WAV/FLAC/Ogg, which is fast and exact, and FFmpeg (PyAV)
for everything else and for whatever libsndfile refuses. Both yield small chunks already mixed
down to mono, so no decoder ever holds the whole file, nor more than one chunk of multichannel
audio. Recoverable trouble (a damaged packet, a read error near the end) is counted in a
``DecodeReport`` instead of raised, so that the caller can keep a usable prefix and say why.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from av.audio.frame import AudioFrame

# About half a second of audio per chunk: small enough for prompt cancel and flat memory, large
# enough that per-chunk Python overhead stays negligible next to decoding.
_CHUNK_FRAMES = 32768


class SoundfileRefused(Exception):
    """libsndfile cannot (or should not) decode this file; use FFmpeg instead."""


@dataclass
class Chunk:
    """Mono samples at ``rate``, and how far through the file decoding has come (0..1)."""

    samples: np.ndarray
    rate: int
    progress: float


@dataclass
class DecodeReport:
    """What a decoder learned on the way: trouble it got past, and where the audio starts."""

    good_packets: int = 0
    bad_packets: int = 0  # every packet FFmpeg could not decode
    damaged_inside: int = 0  # those with good audio on both sides (junk at either end is no news)
    stopped_early: str = ""  # why decoding ended before the end of the file, if it did
    lead_s: float = 0.0  # silence to put first so that sample 0 is the container's time zero


Chunks = Generator[Chunk, None, None]


def soundfile_chunks(path: Path, report: DecodeReport) -> Chunks:
    """Stream a file through libsndfile; raise ``SoundfileRefused`` rather than half-decode."""
    import numpy as np
    import soundfile

    try:
        sf = soundfile.SoundFile(str(path))
    except (RuntimeError, OSError, ValueError) as exc:
        raise SoundfileRefused(str(exc)) from None
    with sf:
        total = sf.frames
        if not 0 < total < 2**62:  # FLAC without a sample count: FFmpeg can report progress
            raise SoundfileRefused("unknown length")
        block = np.empty((_CHUNK_FRAMES, sf.channels), dtype=np.float32)
        done = 0
        while True:
            try:
                n = sf.read(out=block).shape[0]
            except (RuntimeError, OSError) as exc:
                # libsndfile gives up at the first bad FLAC frame; FFmpeg skips it and goes on.
                raise SoundfileRefused(str(exc)) from None
            if n == 0:
                break
            done += n
            report.good_packets += 1
            yield Chunk(_mix_down(block[:n]), sf.samplerate, min(done / total, 1.0))
            if n < _CHUNK_FRAMES:
                break


def pyav_chunks(
    path: Path, stream_index: int, expected_s: float, start_s: float, report: DecodeReport
) -> Chunks:
    """Stream one audio track through FFmpeg, skipping packets it cannot decode."""
    import av
    import numpy as np

    size = max(path.stat().st_size, 1)
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = next(s for s in container.streams.audio if s.index == stream_index)
        packets = container.demux(stream)
        pending: list[np.ndarray] = []
        pending_n, rate, decoded_s, byte_pos = 0, 0, 0.0, 0
        first = True
        bad_run = 0
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except (av.FFmpegError, OSError) as exc:
                report.stopped_early = _reason(exc)
                break
            if packet.pos is not None and packet.pos >= 0:
                byte_pos = packet.pos
            try:
                frames = stream.decode(packet)
            except (av.FFmpegError, ValueError):
                report.bad_packets += 1
                bad_run += 1
                continue
            if frames:
                report.damaged_inside += bad_run if report.good_packets else 0
                report.good_packets += 1
                bad_run = 0
            for frame in frames:
                if first and frame.time is not None:
                    lead = frame.time - start_s
                    report.lead_s = lead if 0 < lead < 10 else 0.0  # ignore absurd timestamps
                first = False
                if frame.sample_rate != rate and pending:
                    yield Chunk(np.concatenate(pending), rate, 0.0)
                    pending, pending_n = [], 0
                rate = frame.sample_rate
                mono = _frame_to_mono(frame)
                pending.append(mono)
                pending_n += mono.size
                decoded_s += mono.size / rate
            if pending_n >= _CHUNK_FRAMES:
                progress = decoded_s / expected_s if expected_s > 0 else byte_pos / size
                yield Chunk(np.concatenate(pending), rate, min(progress, 1.0))
                pending, pending_n = [], 0
        if pending:
            yield Chunk(np.concatenate(pending), rate, 1.0)


def _reason(exc: BaseException) -> str:
    """A short cause for a warning, without FFmpeg's errno noise or the file name."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).split(":")[0].strip().lower()


def _mix_down(block: np.ndarray) -> np.ndarray:
    """Average (frames, channels) float32 into a new mono array: every channel counts the same."""
    import numpy as np

    if block.shape[1] == 1:
        return np.asarray(block[:, 0].copy())
    return np.asarray(block.mean(axis=1, dtype=np.float32))


def _frame_to_mono(frame: AudioFrame) -> np.ndarray:
    """An FFmpeg frame of any sample format as mono float32 in [-1, 1]."""
    import numpy as np

    a = frame.to_ndarray()
    channels = frame.layout.nb_channels
    if not frame.format.is_planar:
        a = a.reshape(-1, channels).T  # interleaved (1, n*ch) -> (ch, n), a view
    mono = a[0].astype(np.float32) if a.shape[0] == 1 else a.mean(axis=0, dtype=np.float32)
    kind = a.dtype
    if kind == np.uint8:
        mono -= 128.0
        mono *= 1.0 / 128.0
    elif kind.kind == "i":
        mono *= 1.0 / float(2 ** (8 * kind.itemsize - 1))
    return np.asarray(mono)
