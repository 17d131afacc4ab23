"""Where the speech is: Silero VAD, loaded offline from the ``silero-vad`` package.

Why Silero and not a loudness mask: the tests (and real recordings) have stretches of steady tone
(a hum, a test tone, music beds) and noise between sentences. A loudness mask calls all of that
"sound", so hallucinated words placed there survive and cue ends run on into the hum; Silero is a
speech model and scores a steady 440 Hz tone or pink noise at -35 dBFS as non-speech. Its model
ships inside the ``silero-vad`` wheel, so it loads without any network, unlike stable-ts's own
``vad=True`` which goes through ``torch.hub``. It is loaded once per process and kept.

One runtime under every path: ONNX Runtime on the wheel's ``silero_vad.onnx``
(:attr:`SpeechMap.method` ``"silero-onnx"``). The packaged app ships no torch, and where torch is
installed (stable-ts's path) the same regions and probabilities feed stable-ts's silence
suppression, so both paths see the same speech. The file is found without importing
``silero_vad`` (its ``__init__`` imports torch): beside a frozen app's files (``sys._MEIPASS``),
else through the package's import spec. The ONNX graph is stateless, so :class:`_OnnxSilero`
carries the LSTM state and the 64-sample context between 512-sample frames, as the package's
``OnnxWrapper`` does (its scores match the package's TorchScript model to ~1e-6).

If Silero cannot run (or is off), :func:`detect_speech` falls back to a loudness mask,
:func:`loudness_regions` (a numpy port of stable-ts's ``audio2timings``), and says so in
:attr:`SpeechMap.method` / ``notes``.

Silero scores 32 ms frames, so its edges are only that precise (and lag by a frame or two);
:mod:`wavescribe.core.refine.edge_sharpening` sharpens them from the signal itself.

onnxruntime is imported inside a function: importing this module is cheap.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from wavescribe.core import errors
from wavescribe.core.audio.load import SAMPLE_RATE
from wavescribe.core.audio.silence import gaps, runs

RATE = SAMPLE_RATE  # what core.audio decodes to, and the rate Silero runs at
FRAME = 512  # Silero's window at 16 kHz: 32 ms
FRAME_MS = FRAME * 1000 // RATE

SPEECH_THRESHOLD = 0.5
MIN_SILENCE_MS = 200  # a shorter dip is a pause inside a phrase, not a gap between phrases
MIN_SPEECH_MS = 90
CANCEL_CHECK_FRAMES = 500  # 16 s of audio, a few ms of work
CONTEXT = 64  # samples of the previous frame the ONNX model sees before each frame (at 16 kHz)
ONNX_FILE = os.path.join("silero_vad", "data", "silero_vad.onnx")  # also its path in a frozen app

_lock = threading.Lock()
_onnx: _OnnxSilero | None = None
_onnx_error: str | None = None


@dataclass(slots=True)
class SpeechMap:
    """Speech regions (ms, sorted, disjoint) and per-frame speech probabilities when known."""

    regions: list[tuple[int, int]]
    duration_ms: int
    method: str  # "silero-onnx" or "loudness"
    probs: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def silences(self, min_ms: int = 0) -> list[tuple[int, int]]:
        """The gaps between regions (and before the first / after the last), at least min_ms."""
        return gaps(self.regions, self.duration_ms, min_ms)

    def speech_ms_in(self, start: int, end: int) -> int:
        """How much of [start, end) is inside speech regions."""
        return sum(max(0, min(b, end) - max(a, start)) for a, b in self.regions)

    def add_speech(self, spans: list[tuple[int, int]], why: str) -> None:
        """Mark ``spans`` as speech (regions merged, their frames' probability at least 0.9):
        speech the decoder heard where Silero scored none, so that refinement and speaker
        detection, which share this map, keep it."""
        if not spans:
            return
        merged: list[list[int]] = []
        for a, b in sorted([*self.regions, *spans]):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.regions = [(a, b) for a, b in merged]
        if self.probs is not None:
            probs = self.probs.copy()
            for a, b in spans:
                f0, f1 = a // FRAME_MS, -(-b // FRAME_MS)
                probs[f0:f1] = np.maximum(probs[f0:f1], 0.9)
            self.probs = probs
        self.notes.append(f"{len(spans)} stretch(es) of speech added: {why}")


def silero_probabilities(
    audio: np.ndarray, cancelled: Callable[[], bool] | None = None
) -> np.ndarray:
    """Silero's speech probability for each 32 ms frame of 16 kHz mono audio, on ONNX Runtime.

    Frames go through the model one by one, in order (its state carries context from frame to
    frame; batching chunks changed the edges measurably). Raises ``errors.Cancelled``, or
    ``RuntimeError`` when the model cannot run.
    """
    return load_silero_onnx().probabilities(audio, cancelled)


def onnx_model_path() -> str:
    """Where ``silero_vad.onnx`` is: beside a frozen app's files, else in the installed
    ``silero_vad`` package (found through its import spec: importing it would import torch)."""
    candidates = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(os.path.join(frozen, ONNX_FILE))
    try:
        spec = importlib.util.find_spec("silero_vad")
    except (ImportError, ValueError):
        spec = None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidates.append(os.path.join(os.path.dirname(folder), ONNX_FILE))
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"silero_vad.onnx not found (looked at {candidates or 'nothing'})")


class _OnnxSilero:
    """Silero VAD on ONNX Runtime. The graph takes [1, 64 + 512] samples (the previous frame's
    last 64, then this frame), the LSTM ``state`` [2, 1, 128] and ``sr``; it returns the
    probability [1, 1] and the next state. Both carried here, reset per call."""

    def __init__(self, path: str) -> None:
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1  # one 32 ms frame at a time: threads only add overhead
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 3  # no warnings about unused initialisers on stderr
        self.session = onnxruntime.InferenceSession(
            path, sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self.path = path

    def probabilities(
        self, audio: np.ndarray, cancelled: Callable[[], bool] | None = None
    ) -> np.ndarray:
        n = len(audio) // FRAME * FRAME
        if n == 0:
            return np.zeros(0, np.float32)
        x = np.ascontiguousarray(audio[:n], dtype=np.float32)
        probs = np.empty(n // FRAME, np.float32)
        state = np.zeros((2, 1, 128), np.float32)
        sr = np.array(RATE, np.int64)
        window = np.zeros((1, CONTEXT + FRAME), np.float32)
        run = self.session.run
        for i in range(n // FRAME):
            if i % CANCEL_CHECK_FRAMES == 0 and cancelled is not None and cancelled():
                raise errors.Cancelled("voice activity detection cancelled")
            frame = x[i * FRAME : (i + 1) * FRAME]
            window[0, CONTEXT:] = frame  # window[0, :CONTEXT] holds the last frame's tail
            out, state = run(None, {"input": window, "state": state, "sr": sr})
            probs[i] = out[0, 0]
            window[0, :CONTEXT] = frame[-CONTEXT:]
        return probs


def load_silero_onnx() -> _OnnxSilero:
    """The ONNX Silero model, loaded once per process (raises ``RuntimeError`` if it cannot be)."""
    global _onnx, _onnx_error
    with _lock:
        if _onnx is None and _onnx_error is None:
            try:
                _onnx = _OnnxSilero(onnx_model_path())
            except Exception as exc:  # no onnxruntime, no model file, a broken file
                _onnx_error = f"Silero VAD (ONNX) unavailable ({type(exc).__name__}: {exc})"
        if _onnx is None:
            raise RuntimeError(_onnx_error)
        return _onnx


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
    """Fallback: the regions stable-ts's loudness mask does not call silent (its numpy port,
    :func:`silent_timings`; no stable-ts, no torch)."""
    duration_ms = len(audio) * 1000 // RATE
    timings = silent_timings(audio)
    if timings is None:
        return [(0, duration_ms)] if duration_ms else []
    return regions_between(timings, duration_ms, min_silence_ms)


def silent_timings(
    audio: np.ndarray, q_levels: int = 20, k_size: int = 5
) -> tuple[np.ndarray, np.ndarray] | None:
    """Silent stretches (start and end arrays, seconds), as stable-ts's ``audio2timings`` finds
    them, in numpy: |audio| scaled by its top 0.1 % (x1.75, never up), sampled (linear) at 50
    points a second, averaged over 5 points, quantised to 1/20; silent where that is 0, except
    sound runs over 0.1 s (and the point after each). ``None``: no silence (or too short)."""
    a = np.abs(np.asarray(audio, np.float32).reshape(-1))
    n = a.size
    per_unit = RATE // 50
    units = round(n / per_unit) + 1
    if units <= 2:
        return None
    k = int(n * 0.001)
    threshold = float(np.partition(a, n - k)[n - k]) if k else float(np.quantile(a, 0.999))
    if threshold < 1e-5:
        loud = np.zeros(units, np.float32)
    else:
        a = (a / np.float32(min(1.0, threshold * 1.75))).astype(np.float32)
        # torch's linear interpolate (align_corners=False), in float32 as torch computes it: at
        # sample positions near 10^6 float32 rounding moves the weights, and so the mask's edges.
        f32 = np.float32
        pos = f32(n / units) * (np.arange(units, dtype=f32) + f32(0.5)) - f32(0.5)
        pos = np.maximum(pos, f32(0))
        i0 = np.minimum(np.floor(pos).astype(np.int64), n - 1)
        frac = pos - i0.astype(f32)
        loud = a[i0] * (f32(1) - frac) + a[np.minimum(i0 + 1, n - 1)] * frac
    p = k_size // 2
    if p and p < units:
        padded = np.pad(loud, p, mode="reflect")
        total = sum(padded[j : j + units] for j in range(k_size))  # sum, then divide: as torch
        mask = total / np.float32(k_size)
    else:
        mask = loud
    sound = np.round(mask * q_levels) != 0 if q_levels else mask != 0
    if not sound.any():  # all silent
        return np.array([0.0]), np.array([units / 50])
    starts, ends = runs(sound)
    keep = (ends / 50 - starts / 50) > 0.1  # in seconds, as stable-ts (float rounding included)
    silent = np.ones(units, bool)
    for s0, e0 in zip(starts[keep], ends[keep], strict=True):
        silent[s0 : e0 + 1] = False  # as stable-ts's timing2mask: one unit past each end
    if not silent.any():
        return None
    s1, e1 = runs(silent)
    return s1 / 50, e1 / 50


def regions_between(
    timings: tuple[np.ndarray, np.ndarray], duration_ms: int, min_silence_ms: int
) -> list[tuple[int, int]]:
    """The complement of ``timings`` (silences, seconds) longer than ``min_silence_ms``, in ms."""
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
    """Speech regions of ``audio``: Silero VAD (ONNX), or the loudness mask if Silero is off or
    cannot run."""
    duration_ms = len(audio) * 1000 // RATE
    notes: list[str] = []
    if use_vad:
        try:
            probs = silero_probabilities(audio, cancelled)
        except errors.Cancelled:
            raise
        except Exception as exc:
            notes.append(f"{exc}; fell back to the loudness mask")
        else:
            regions = regions_from_probs(probs, duration_ms)
            return SpeechMap(regions, duration_ms, "silero-onnx", probs)
    return SpeechMap(loudness_regions(audio), duration_ms, "loudness", None, notes)
