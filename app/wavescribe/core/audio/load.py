"""Any audio or video file in, 16 kHz mono float32 out: the only input whisper.cpp takes.

Decoding streams: each decoder yields half-second chunks already mixed down to mono (every channel
weighted the same, for 5.1 and 8-channel files too), a ``soxr`` stream resamples them to 16 kHz and
they are written into one preallocated float32 buffer sized from the probed duration. The buffer
grows in place if the header under-promised and is trimmed in place at the end (``ndarray.resize``,
which glibc serves with ``mremap``: no copy), so peak memory is about the output itself: a 3-hour
file costs ~0.7 GB, never the ~4 GB of its decoded 48 kHz stereo.

libsndfile decodes WAV/FLAC/Ogg (fast, exact); FFmpeg (PyAV) decodes the rest and anything
libsndfile refuses or stumbles on, from the start. With FFmpeg, sample 0 is the container's time
zero: if the audio track starts after the video (60-130 ms is common), that lead is padded with
silence so subtitle times line up with the picture.

Truncated and damaged files. A cut file usually still holds useful speech, so a decodable prefix is
returned rather than refused, and the returned ``AudioInfo.warnings`` says what happened ("decoded
only 3.3 s of the 11.0 s its header announces: the file looks truncated", "skipped 4 damaged
packets"). The caller shows warnings; it does not need to treat them as errors. When nothing decodes
(the header itself is cut, a lone frame that only refers to missing data), it is ``CorruptAudio``.
The returned ``AudioInfo.duration_ms`` is always that of the decoded samples, never the header's:
headers can be missing (FLAC without a sample count) or wrong (trimmed MP3s, trailing garbage), and
everything downstream (whisper's timestamps, the waveform) is measured in decoded samples.
Gaps inside a stream (a damaged section) are not filled with silence: later times shift by the gap.

whisper.cpp quietly returns no segments for input under 100 ms; padding such clips is the engine's
business: here a 20-sample WAV decodes to its 4 samples.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from contextlib import closing
from typing import TYPE_CHECKING

from wavescribe.core.audio.decode import (
    Chunks,
    DecodeReport,
    SoundfileRefused,
    pyav_chunks,
    soundfile_chunks,
)
from wavescribe.core.audio.probe import SOUNDFILE_KINDS, AudioInfo, Probed, probe_file
from wavescribe.core.errors import Cancelled, CorruptAudio, UnsupportedAudio

if TYPE_CHECKING:
    import numpy as np

__all__ = ["SAMPLE_RATE", "AudioInfo", "load_audio", "probe"]

SAMPLE_RATE = 16000

# The largest buffer reserved up front (6 h). Untouched pages cost no memory, but a header that
# claims days of audio should not make the allocation itself fail.
_MAX_RESERVE = 6 * 3600 * SAMPLE_RATE


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Say what a file is and how long it claims to be, cheaply: a UI can show it before decoding.

    Raises the same typed errors as ``load_audio`` for missing, empty and non-media files.
    """
    return probe_file(path).info


def load_audio(
    path: str | os.PathLike[str],
    *,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[np.ndarray, AudioInfo]:
    """Decode a file's audio track to what whisper.cpp needs: 16 kHz mono float32 in [-1, 1].

    ``progress`` gets a rising fraction and finally 1.0; ``cancel`` is polled between chunks and
    ``Cancelled`` raised when it returns true. The returned ``AudioInfo`` has the decoded duration
    and any ``warnings`` (see the module docstring for truncated files).
    """
    probed = probe_file(path)
    report_progress = _monotonic(progress)
    if probed.kind in SOUNDFILE_KINDS:
        report = DecodeReport()
        try:
            chunks = soundfile_chunks(probed.info.path, report)
            return _decode(probed, chunks, report, "soundfile", report_progress, cancel)
        except SoundfileRefused:
            pass  # whatever libsndfile decoded is dropped here, before FFmpeg starts over
    if probed.stream_index is None:  # only libsndfile could open it, and it just gave up
        raise CorruptAudio(f"{probed.info.path} cannot be decoded: truncated or damaged")
    report = DecodeReport()
    expected_s = probed.info.duration_ms / 1000 if probed.duration_trusted else 0.0
    chunks = pyav_chunks(probed.info.path, probed.stream_index, expected_s, probed.start_s, report)
    return _decode(probed, chunks, report, "pyav", report_progress, cancel)


def _decode(
    probed: Probed,
    chunks: Chunks,
    report: DecodeReport,
    decoder: str,
    progress: Callable[[float], None],
    cancel: Callable[[], bool] | None,
) -> tuple[np.ndarray, AudioInfo]:
    """Drive one decoder into a 16 kHz buffer, then judge the result."""
    info = probed.info
    out = _Mono16k(_reserve(info.duration_ms))
    if cancel is not None and cancel():
        raise Cancelled(f"Loading {info.path} was cancelled")
    with closing(chunks):  # on cancel, close the file now rather than at garbage collection
        for chunk in chunks:
            if out.size == 0 and report.lead_s > 0:
                out.silence(round(report.lead_s * SAMPLE_RATE))
            out.feed(chunk.samples, chunk.rate)
            if cancel is not None and cancel():
                raise Cancelled(f"Loading {info.path} was cancelled")
            progress(min(chunk.progress, 0.999))
    audio = out.finish()
    decoded = audio.size - round(report.lead_s * SAMPLE_RATE)
    if decoded <= 0 or report.bad_packets > report.good_packets:
        # Mostly errors is not audio: random bytes named .mp3 open as MP3 in FFmpeg and yield a
        # frame or two of noise among the failures.
        if probed.kind is None:
            raise UnsupportedAudio(f"{info.path} is not an audio or video file we can read")
        raise CorruptAudio(f"{info.path} contains no decodable audio: truncated or damaged")
    progress(1.0)
    duration_ms = round(audio.size * 1000 / SAMPLE_RATE)
    expected_ms = info.duration_ms if probed.duration_trusted else 0
    warnings = _warnings(expected_ms, duration_ms - round(report.lead_s * 1000), report)
    return audio, dataclasses.replace(
        info, duration_ms=duration_ms, warnings=warnings, decoder=decoder
    )


def _warnings(expected_ms: int, decoded_ms: int, report: DecodeReport) -> tuple[str, ...]:
    """Plain sentences about a decode that recovered from trouble."""
    found: list[str] = []
    missing_ms = expected_ms - decoded_ms
    if expected_ms > 0 and missing_ms > 500 and decoded_ms < 0.9 * expected_ms:
        found.append(
            f"decoded only {decoded_ms / 1000:.1f} s of the {expected_ms / 1000:.1f} s its header"
            " announces: the file looks truncated"
        )
    elif report.stopped_early:
        found.append(
            f"decoding stopped at {decoded_ms / 1000:.1f} s ({report.stopped_early}):"
            " the file looks truncated or damaged"
        )
    if report.damaged_inside:
        n = report.damaged_inside
        found.append(f"skipped {n} damaged packet{'s' if n > 1 else ''}")
    return tuple(found)


def _reserve(duration_ms: int) -> int:
    """Samples to reserve: the announced length plus slack, or a minute if it is unknown."""
    if duration_ms <= 0:
        return 60 * SAMPLE_RATE
    return min(duration_ms * SAMPLE_RATE // 1000 * 101 // 100 + SAMPLE_RATE, _MAX_RESERVE)


def _monotonic(callback: Callable[[float], None] | None) -> Callable[[float], None]:
    """Pass on only rising fractions (a decoder restart or a rate change may step back)."""
    last = -1.0

    def report(fraction: float) -> None:
        nonlocal last
        if callback is not None and fraction > last:
            last = fraction
            callback(fraction)

    return report


class _Mono16k:
    """Resamples mono chunks to 16 kHz into a growable, trimmable float32 buffer."""

    def __init__(self, capacity: int) -> None:
        import numpy as np

        # np.empty maps pages lazily: only the part written ever becomes resident memory.
        self._buf = np.empty(max(capacity, 1), dtype=np.float32)
        self._n = 0
        self._rate = 0
        self._stream = None  # soxr.ResampleStream, or None when the source is already 16 kHz

    @property
    def size(self) -> int:
        return self._n

    def silence(self, n: int) -> None:
        self._make_room(n)
        self._buf[self._n : self._n + n] = 0.0
        self._n += n

    def feed(self, samples: np.ndarray, rate: int) -> None:
        if rate != self._rate:
            self._flush()
            self._rate = rate
            self._stream = None
            if rate != SAMPLE_RATE:
                import soxr

                self._stream = soxr.ResampleStream(
                    rate, SAMPLE_RATE, 1, dtype="float32", quality="HQ"
                )
        if self._stream is not None:
            samples = self._stream.resample_chunk(samples)
        self._append(samples)

    def finish(self) -> np.ndarray:
        """The samples written so far, as one contiguous array that owns its memory."""
        self._flush()
        # In place (realloc -> mremap): copying 0.7 GB here would double the peak.
        self._buf.resize(self._n, refcheck=False)
        return self._buf

    def _flush(self) -> None:
        if self._stream is not None:
            import numpy as np

            self._append(self._stream.resample_chunk(np.empty(0, np.float32), last=True))

    def _append(self, samples: np.ndarray) -> None:
        import numpy as np

        n = samples.size
        if n == 0:
            return
        self._make_room(n)
        # Resampling overshoots a full-scale input slightly; whisper wants [-1, 1].
        view = self._buf[self._n : self._n + n]
        np.clip(samples, -1.0, 1.0, out=view)
        np.nan_to_num(view, copy=False, nan=0.0)  # a float WAV can hold NaN; whisper cannot
        self._n += n

    def _make_room(self, n: int) -> None:
        need = self._n + n
        if need > self._buf.size:
            # Grow by a quarter: the header was short, but usually not by much. resize() keeps the
            # data without a copy where the allocator can (mremap) and zero-fills only the new part.
            self._buf.resize(max(need, self._buf.size + self._buf.size // 4), refcheck=False)
