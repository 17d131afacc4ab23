"""GGML q8_0 quantization: blocks of 32 values stored as an fp16 scale and 32 int8s.

Bit-compatible with ggml's reference ``quantize_row_q8_0``: ``d = max|x| / 127``, each value
becomes ``roundf(x / d)`` (ties away from zero), computed in float32.
"""

from __future__ import annotations

import numpy as np

QK8_0 = 32
BLOCK_Q8_0 = np.dtype([("d", "<f2"), ("qs", "i1", (QK8_0,))])  # 34 bytes, packed

assert BLOCK_Q8_0.itemsize == 34


def quantize_q8_0(x: np.ndarray) -> np.ndarray:
    """Quantize rows (last axis a multiple of 32) into an array of q8_0 blocks, row-major."""
    x = np.asarray(x, dtype=np.float32)
    if x.shape[-1] % QK8_0:
        raise ValueError(f"rows of {x.shape[-1]} values do not split into blocks of {QK8_0}")
    blocks = x.reshape(-1, QK8_0)
    d = np.abs(blocks).max(axis=1) / np.float32(127)
    inv = np.divide(np.float32(1), d, out=np.zeros_like(d), where=d != 0)
    scaled = blocks * inv[:, None]
    whole = np.trunc(scaled)
    ties = np.abs(scaled - whole) == np.float32(0.5)
    q = np.where(ties, whole + np.sign(scaled), np.rint(scaled))
    out = np.empty(len(blocks), dtype=BLOCK_Q8_0)
    out["d"] = d
    out["qs"] = np.clip(q, -127, 127)
    return out


def dequantize_q8_0(blocks: np.ndarray) -> np.ndarray:
    """The float32 values q8_0 blocks stand for (flat), as ggml reads them back."""
    return (blocks["qs"].astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(-1)
