"""resemblyzer's trained speaker encoder, run with numpy: no torch in the app.

The network (resemblyzer ``VoiceEncoder``, Apache-2.0): a 3-layer LSTM (hidden 256) over 40-band
mel frames, the last layer's final hidden state through a linear layer (256 -> 256), ReLU and an
L2 norm. Its weights ship in the resemblyzer wheel as ``pretrained.pt`` (a torch pickle); they are
converted once to ``voice_encoder.npz`` (5.7 MB) with torch, where torch is installed (the
development environment, or the packaging step: ``python -m wavescribe.core.speakers.encoder
OUT.npz``), and read with numpy everywhere else. Where the ``.npz`` is looked for: beside a frozen
app's files, then in the data folder (``<data>/speakers/``), then converted from the wheel.

``tests/core/test_speakers_diarize.py`` runs both encoders on real speech: cosine > 0.999.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import numpy as np

from wavescribe.core import errors
from wavescribe.core.paths import data_dir

NPZ_NAME = "voice_encoder.npz"
HIDDEN = 256
LAYERS = 3
BATCH = 64  # windows per LSTM pass: large enough for BLAS to pay, small enough to cancel quickly

_lock = threading.Lock()
_weights: dict[str, np.ndarray] | None = None


class EncoderUnavailable(errors.WavescribeError):
    """The speaker encoder's weights are neither bundled, cached, nor convertible here."""


def bundled_npz() -> Path | None:
    """The ``.npz`` a frozen app ships (``sys._MEIPASS/wavescribe_speakers/``), if any."""
    base = getattr(sys, "_MEIPASS", None)
    if base is None:
        return None
    path = Path(base) / "wavescribe_speakers" / NPZ_NAME
    return path if path.is_file() else None


def cached_npz() -> Path:
    """Where a converted copy of the weights is kept: ``<data>/speakers/voice_encoder.npz``."""
    return data_dir() / "speakers" / NPZ_NAME


def resemblyzer_checkpoint() -> Path | None:
    """The wheel's ``pretrained.pt``, found without importing resemblyzer (which imports torch)."""
    try:
        spec = importlib.util.find_spec("resemblyzer")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "pretrained.pt"
        if path.is_file():
            return path
    return None


def convert_checkpoint(checkpoint: Path, out: Path) -> None:
    """Write the encoder's weights from resemblyzer's torch checkpoint as ``.npz`` (needs torch)."""
    import torch

    state = torch.load(checkpoint, map_location="cpu", weights_only=True)["model_state"]
    arrays = {
        k.replace(".", "_"): v.detach().numpy().astype(np.float32)
        for k, v in state.items()
        if k.startswith(("lstm.", "linear."))
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".{os.getpid()}.part")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, out)


def load_weights() -> dict[str, np.ndarray]:
    """The encoder's weights (loaded once per process); raises :class:`EncoderUnavailable`."""
    global _weights
    with _lock:
        if _weights is None:
            path = bundled_npz() or cached_npz()
            if not path.is_file():
                checkpoint = resemblyzer_checkpoint()
                if checkpoint is None:
                    raise EncoderUnavailable(
                        "speaker detection needs the voice encoder: install the 'speakers' extra"
                        " (pip install 'wavescribe[speakers]')"
                    )
                try:
                    convert_checkpoint(checkpoint, path)
                except ImportError as exc:
                    raise EncoderUnavailable(
                        f"cannot convert the voice encoder without torch ({exc})"
                    ) from exc
            with np.load(path) as npz:
                _weights = _gates_ifog({k: npz[k] for k in npz.files})
        return _weights


def _gates_ifog(w: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Reorder torch's gate blocks (input, forget, cell, output) to (input, forget, output, cell)
    and fold the two biases, so one sigmoid covers a contiguous slice in :func:`_forward`."""
    order = np.r_[0:512, 768:1024, 512:768]
    out = {k: v for k, v in w.items() if k.startswith("linear")}
    for layer in range(LAYERS):
        out[f"w_ih{layer}"] = np.ascontiguousarray(w[f"lstm_weight_ih_l{layer}"][order].T)
        out[f"w_hh{layer}"] = np.ascontiguousarray(w[f"lstm_weight_hh_l{layer}"][order].T)
        bias = w[f"lstm_bias_ih_l{layer}"] + w[f"lstm_bias_hh_l{layer}"]
        out[f"b{layer}"] = bias[order]
    return out


def embed(
    mels: np.ndarray,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """L2-normed speaker embeddings ``(n, 256)`` of mel windows ``(n, frames, 40)``."""
    w = load_weights()
    out = np.zeros((len(mels), HIDDEN), np.float32)
    with _one_blas_thread():
        for first in range(0, len(mels), BATCH):
            if cancelled is not None and cancelled():
                raise errors.Cancelled("speaker detection cancelled")
            out[first : first + BATCH] = _forward(w, mels[first : first + BATCH])
            if progress is not None:
                progress(min(1.0, (first + BATCH) / len(mels)))
    return out


def _one_blas_thread() -> AbstractContextManager[object]:
    """The LSTM's matmuls are small (64x256 by 256x1024, 450 in a row): OpenBLAS threads cost
    more than they bring, and on a busy machine their spin-waits made them 14x slower here."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    limits: AbstractContextManager[object] = threadpool_limits(limits=1, user_api="blas")
    return limits


def _forward(w: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    seq = np.ascontiguousarray(x, dtype=np.float32)
    n, steps, _ = seq.shape
    h = np.zeros((n, HIDDEN), np.float32)
    for layer in range(LAYERS):
        w_hh = w[f"w_hh{layer}"]
        # The input half of every gate for all steps at once: one large matmul instead of T small.
        projected = seq.reshape(n * steps, -1) @ w[f"w_ih{layer}"] + w[f"b{layer}"]
        projected = projected.reshape(n, steps, 4 * HIDDEN)
        h = np.zeros((n, HIDDEN), np.float32)
        c = np.zeros((n, HIDDEN), np.float32)
        last = layer == LAYERS - 1
        outputs = None if last else np.empty((n, steps, HIDDEN), np.float32)
        for t in range(steps):
            gates = projected[:, t] + h @ w_hh
            ifo = 0.5 + 0.5 * np.tanh(0.5 * gates[:, :768])  # sigmoid, one ufunc pass
            g = np.tanh(gates[:, 768:])
            c = ifo[:, 256:512] * c + ifo[:, :256] * g
            h = ifo[:, 512:] * np.tanh(c)
            if outputs is not None:
                outputs[:, t] = h
        if outputs is not None:
            seq = outputs
    raw = np.maximum(h @ w["linear_weight"].T + w["linear_bias"], 0.0)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    unit: np.ndarray = raw / np.maximum(norms, 1e-12)
    return unit


if __name__ == "__main__":  # packaging: python -m wavescribe.core.speakers.encoder OUT.npz
    source = resemblyzer_checkpoint()
    if source is None:
        sys.exit("resemblyzer is not installed: pip install resemblyzer")
    convert_checkpoint(source, Path(sys.argv[1] if len(sys.argv) > 1 else NPZ_NAME))
