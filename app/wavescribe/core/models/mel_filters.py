"""Whisper's log-mel filterbank (Slaney scale and area normalisation), computed with numpy.

CTranslate2 folders do not carry the filterbank, but a GGML file must: whisper.cpp reads it from
the header. Whisper uses librosa's ``filters.mel(sr=16000, n_fft=400, n_mels=80 or 128)``.
"""

from __future__ import annotations

import numpy as np

from wavescribe.core.audio.load import SAMPLE_RATE

N_FFT = 400

# Slaney's mel scale: linear (200/3 Hz per mel) up to 1 kHz, logarithmic above.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOG_STEP = np.log(6.4) / 27.0


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    mel = hz / _F_SP
    log = hz >= _MIN_LOG_HZ
    mel[log] = _MIN_LOG_MEL + np.log(hz[log] / _MIN_LOG_HZ) / _LOG_STEP
    return mel


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    hz = mel * _F_SP
    log = mel >= _MIN_LOG_MEL
    hz[log] = _MIN_LOG_HZ * np.exp(_LOG_STEP * (mel[log] - _MIN_LOG_MEL))
    return hz


def mel_filters(n_mels: int, sr: int = SAMPLE_RATE, n_fft: int = N_FFT) -> np.ndarray:
    """Triangular filters as float32 ``[n_mels, n_fft // 2 + 1]``, each with unit area."""
    fft_hz = np.linspace(0.0, sr / 2, n_fft // 2 + 1)
    edges_mel = np.linspace(0.0, _hz_to_mel(np.array([sr / 2.0]))[0], n_mels + 2)
    edges_hz = _mel_to_hz(edges_mel)
    widths = np.diff(edges_hz)
    ramps = edges_hz[:, None] - fft_hz[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (edges_hz[2:] - edges_hz[:-2]))[:, None]
    return weights.astype(np.float32)
