"""GGML tensor types and file types, as numbered by ggml 0.13 (the one whisper.cpp 1.8.5 bundles).

The numbers are part of the on-disk format: a tensor header stores a ``ggml_type`` id and the
model header stores a ``ggml_ftype`` (plus ``1000 * quantization version`` for quantized files).
"""

from __future__ import annotations

from dataclasses import dataclass

QNT_VERSION = 2  # GGML_QNT_VERSION: written into the header of quantized files
QNT_VERSION_FACTOR = 1000  # GGML_QNT_VERSION_FACTOR


@dataclass(frozen=True)
class TensorType:
    """One ggml tensor type: ``block`` values are stored in ``block_bytes`` bytes."""

    id: int
    name: str
    block: int
    block_bytes: int

    def nbytes(self, n_elements: int) -> int:
        """Bytes that ``n_elements`` values take (``n_elements`` must be a multiple of block)."""
        return n_elements // self.block * self.block_bytes


_TYPES = [
    TensorType(0, "f32", 1, 4),
    TensorType(1, "f16", 1, 2),
    TensorType(2, "q4_0", 32, 18),
    TensorType(3, "q4_1", 32, 20),
    TensorType(6, "q5_0", 32, 22),
    TensorType(7, "q5_1", 32, 24),
    TensorType(8, "q8_0", 32, 34),
    TensorType(9, "q8_1", 32, 36),
    TensorType(10, "q2_k", 256, 84),
    TensorType(11, "q3_k", 256, 110),
    TensorType(12, "q4_k", 256, 144),
    TensorType(13, "q5_k", 256, 176),
    TensorType(14, "q6_k", 256, 210),
    TensorType(15, "q8_k", 256, 292),
    TensorType(16, "iq2_xxs", 256, 66),
    TensorType(17, "iq2_xs", 256, 74),
    TensorType(18, "iq3_xxs", 256, 98),
    TensorType(19, "iq1_s", 256, 50),
    TensorType(20, "iq4_nl", 32, 18),
    TensorType(21, "iq3_s", 256, 110),
    TensorType(22, "iq2_s", 256, 82),
    TensorType(23, "iq4_xs", 256, 136),
    TensorType(24, "i8", 1, 1),
    TensorType(25, "i16", 1, 2),
    TensorType(26, "i32", 1, 4),
    TensorType(27, "i64", 1, 8),
    TensorType(28, "f64", 1, 8),
    TensorType(29, "iq1_m", 256, 56),
    TensorType(30, "bf16", 1, 2),
]
TENSOR_TYPES: dict[int, TensorType] = {t.id: t for t in _TYPES}
F32 = TENSOR_TYPES[0]
F16 = TENSOR_TYPES[1]
Q8_0 = TENSOR_TYPES[8]

# ggml_ftype -> the ggml_type whisper.cpp gives its weight matrices (ggml_ftype_to_ggml_type).
# Missing numbers (4 = Q4_1_SOME_F16, 5, 6) are refused by whisper.cpp as "bad ftype value".
FTYPE_WEIGHT_TYPE: dict[int, TensorType] = {
    ftype: TENSOR_TYPES[type_id]
    for ftype, type_id in {
        0: 0,
        1: 1,
        2: 2,
        3: 3,
        7: 8,
        8: 6,
        9: 7,
        10: 10,
        11: 11,
        12: 12,
        13: 13,
        14: 14,
        15: 16,
        16: 17,
        17: 18,
        18: 19,
        19: 20,
        20: 21,
        21: 22,
        22: 23,
        23: 29,
        24: 30,
    }.items()
}

FTYPE_BY_NAME: dict[str, int] = {t.name: ftype for ftype, t in FTYPE_WEIGHT_TYPE.items()}


def header_ftype(name: str) -> int:
    """The ftype value to write in a GGML header for weights of type ``name`` ("f16", "q8_0")."""
    ftype = FTYPE_BY_NAME[name]
    return ftype if ftype <= 1 else ftype + QNT_VERSION * QNT_VERSION_FACTOR
