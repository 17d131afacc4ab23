"""The speaker encoder's input: resemblyzer's mel spectrogram, reproduced in numpy.

resemblyzer computes ``librosa.feature.melspectrogram(y, sr=16000, n_fft=400, hop_length=160,
n_mels=40)``: a centred STFT (zero padding of n_fft/2 at both ends, as librosa 0.10+ pads), a
periodic Hann window, the power spectrum, and Slaney-style mel filters (Slaney mel scale, area
normalised). It is *not* a log-mel spectrogram: the encoder was trained on linear power. Doing the
same here keeps librosa (and numba) out of the app; ``tests/core/test_speakers_encoder.py`` checks
it against librosa.
"""

from __future__ import annotations

from functools import cache

import numpy as np

RATE = 16000
N_FFT = 400  # 25 ms
HOP = 160  # 10 ms: one frame per 10 ms
N_MELS = 40


def mel_frames(wav: np.ndarray) -> np.ndarray:
    """``(n_frames, 40)`` float32 mel power frames of 16 kHz mono audio, one per 10 ms."""
    wav = np.asarray(wav, dtype=np.float32)
    padded = np.pad(wav, N_FFT // 2)
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    if n_frames <= 0:
        return np.zeros((0, N_MELS), np.float32)
    frames = np.lib.stride_tricks.as_strided(
        padded,
        shape=(n_frames, N_FFT),
        strides=(padded.strides[0] * HOP, padded.strides[0]),
        writeable=False,
    )
    spectrum = np.fft.rfft(frames * _window(), axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    out: np.ndarray = (power @ _filters().T).astype(np.float32)
    return out


@cache
def _window() -> np.ndarray:
    n = np.arange(N_FFT)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)).astype(np.float32)


@cache
def _filters() -> np.ndarray:
    """Slaney mel filterbank ``(40, 201)``, area-normalised, as ``librosa.filters.mel``."""
    fft_freqs = np.linspace(0, RATE / 2, 1 + N_FFT // 2)
    mel_pts = np.linspace(_hz_to_mel(0.0), _hz_to_mel(RATE / 2), N_MELS + 2)
    hz_pts = _mel_to_hz(mel_pts)
    fdiff = np.diff(hz_pts)
    ramps = hz_pts[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (hz_pts[2:] - hz_pts[:-2]))[:, None]
    return weights.astype(np.float32)


_F_SP = 200.0 / 3  # Slaney: linear below 1 kHz, 66.67 Hz per mel
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def _hz_to_mel(hz: float) -> float:
    if hz < _MIN_LOG_HZ:
        return hz / _F_SP
    return float(_MIN_LOG_MEL + np.log(hz / _MIN_LOG_HZ) / _LOGSTEP)


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    hz = _F_SP * mels
    log_part = mels >= _MIN_LOG_MEL
    hz[log_part] = _MIN_LOG_HZ * np.exp(_LOGSTEP * (mels[log_part] - _MIN_LOG_MEL))
    return hz
