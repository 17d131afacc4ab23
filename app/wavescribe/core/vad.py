"""Where the speech is: Silero VAD, loaded offline from the ``silero-vad`` package.

Why Silero and not a loudness mask: the tests (and real recordings) have stretches of steady tone
(a hum, a test tone, music beds) and noise between sentences. A loudness mask calls all of that
"sound", so hallucinated words placed there survive and cue ends run on into the hum; Silero is a
speech model and scores a steady 440 Hz tone or pink noise at -35 dBFS as non-speech. Its model
ships inside the ``silero-vad`` wheel (``silero_vad.jit``), so it loads without any network, unlike
stable-ts's own ``vad=True`` which goes through ``torch.hub``. It is loaded once per process and
kept. If it cannot be loaded or run, :func:`detect_speech` falls back to stable-ts's loudness mask
and says so in :attr:`SpeechMap.method`.

Silero scores 32 ms frames, so its edges are only that precise (and lag by a frame or two);
:mod:`wavescribe.core.speech_edges` sharpens them from the signal itself.

torch, silero_vad and stable_whisper are imported inside functions: importing this module is cheap.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wavescribe.core import errors

RATE = 16000
FRAME = 512  # Silero's window at 16 kHz: 32 ms
FRAME_MS = FRAME * 1000 // RATE

SPEECH_THRESHOLD = 0.5
MIN_SILENCE_MS = 200  # a shorter dip is a pause inside a phrase, not a gap between phrases
MIN_SPEECH_MS = 90
CANCEL_CHECK_FRAMES = 500  # 16 s of audio, a few ms of work

_lock = threading.Lock()
_model: Any = None
_model_error: str | None = None


@dataclass(slots=True)
class SpeechMap:
    """Speech regions (ms, sorted, disjoint) and per-frame speech probabilities when known."""

    regions: list[tuple[int, int]]
    duration_ms: int
    method: str  # "silero" or "loudness"
    probs: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def silences(self, min_ms: int = 0) -> list[tuple[int, int]]:
        """The gaps between regions (and before the first / after the last), at least min_ms."""
        out: list[tuple[int, int]] = []
        prev = 0
        for a, b in [*self.regions, (self.duration_ms, self.duration_ms)]:
            if a - prev >= max(1, min_ms):
                out.append((prev, a))
            prev = max(prev, b)
        return out

    def speech_ms_in(self, start: int, end: int) -> int:
        """How much of [start, end) is inside speech regions."""
        return sum(max(0, min(b, end) - max(a, start)) for a, b in self.regions)


def load_silero() -> Any:
    """The Silero VAD model, loaded once per process from the wheel's own files (no network)."""
    global _model, _model_error
    with _lock:
        if _model is None and _model_error is None:
            try:
                with warnings.catch_warnings():  # deprecation chatter from torch.jit / resources
                    warnings.simplefilter("ignore", DeprecationWarning)
                    from silero_vad import load_silero_vad

                    _model = load_silero_vad()
            except Exception as exc:  # missing package, broken file, torch trouble
                _model_error = f"Silero VAD unavailable ({type(exc).__name__}: {exc})"
        if _model is None:
            raise RuntimeError(_model_error)
        return _model


def speech_probabilities(
    audio: np.ndarray, cancelled: Callable[[], bool] | None = None
) -> np.ndarray:
    """Silero's speech probability for each 32 ms frame of 16 kHz mono audio.

    Frames go through the model one by one, in order (its state carries context from frame to
    frame; batching chunks changed the edges measurably). Raises ``errors.Cancelled``.
    """
    import torch

    model = load_silero()
    n = len(audio) // FRAME * FRAME
    if n == 0:
        return np.zeros(0, np.float32)
    x = torch.from_numpy(np.ascontiguousarray(audio[:n], dtype=np.float32))
    probs = np.empty(n // FRAME, np.float32)
    with _lock, torch.inference_mode():
        model.reset_states()
        for i, chunk in enumerate(x.split(FRAME)):
            if i % CANCEL_CHECK_FRAMES == 0 and cancelled is not None and cancelled():
                raise errors.Cancelled("voice activity detection cancelled")
            probs[i] = model(chunk, RATE).item()
    return probs


def regions_from_probs(
    probs: np.ndarray,
    duration_ms: int,
    *,
    threshold: float = SPEECH_THRESHOLD,
    min_silence_ms: int = MIN_SILENCE_MS,
    min_speech_ms: int = MIN_SPEECH_MS,
) -> list[tuple[int, int]]:
    """Speech regions from frame probabilities, with hysteresis (enter at threshold, leave below
    threshold - 0.15) and no padding: padding is for cutting audio, we want the true edges."""
    low = max(0.01, threshold - 0.15)
    regions: list[tuple[int, int]] = []
    start: int | None = None
    quiet_since: int | None = None
    for i, p in enumerate(probs.tolist()):
        t = i * FRAME_MS
        if start is None:
            if p >= threshold:
                start, quiet_since = t, None
            continue
        if p >= threshold:
            quiet_since = None
        elif p < low and quiet_since is None:
            quiet_since = t
        if quiet_since is not None and t - quiet_since >= min_silence_ms:
            regions.append((start, quiet_since))
            start, quiet_since = None, None
    if start is not None:
        regions.append((start, quiet_since if quiet_since is not None else duration_ms))
    return [(a, min(b, duration_ms)) for a, b in regions if b - a >= min_speech_ms]


def loudness_regions(
    audio: np.ndarray, min_silence_ms: int = MIN_SILENCE_MS
) -> list[tuple[int, int]]:
    """Fallback: regions that stable-ts's loudness mask does not call silent."""
    from stable_whisper.stabilization.nonvad import audio2timings

    duration_ms = len(audio) * 1000 // RATE
    timings = audio2timings(np.asarray(audio, np.float32), sr=RATE)
    if timings is None:
        return [(0, duration_ms)] if duration_ms else []
    starts, ends = timings
    regions: list[tuple[int, int]] = []
    prev = 0
    for s, e in zip((starts * 1000).astype(int), (ends * 1000).astype(int), strict=True):
        if e - s < min_silence_ms:
            continue
        if s > prev:
            regions.append((prev, int(s)))
        prev = max(prev, int(e))
    if prev < duration_ms:
        regions.append((prev, duration_ms))
    return regions


def detect_speech(
    audio: np.ndarray, *, use_vad: bool = True, cancelled: Callable[[], bool] | None = None
) -> SpeechMap:
    """Speech regions of ``audio``: Silero VAD, or the loudness mask if Silero is off or fails."""
    duration_ms = len(audio) * 1000 // RATE
    notes: list[str] = []
    if use_vad:
        try:
            probs = speech_probabilities(audio, cancelled)
        except errors.Cancelled:
            raise
        except Exception as exc:
            notes.append(f"{exc}; fell back to the loudness mask")
        else:
            return SpeechMap(regions_from_probs(probs, duration_ms), duration_ms, "silero", probs)
    return SpeechMap(loudness_regions(audio), duration_ms, "loudness", None, notes)
