"""The tensors a whisper.cpp model file must hold: names, shapes and types.

whisper.cpp creates every tensor itself from the header's hparams and then only checks that the
file's tensors fit them, so this table is what both the converter writes and the validator expects.
Shapes are in ggml order (fastest-varying dimension first, i.e. PyTorch's shape reversed).
"""

from __future__ import annotations

from dataclasses import dataclass

from wavescribe.core.models.ggml_types import (
    F16,
    F32,
    FTYPE_WEIGHT_TYPE,
    QNT_VERSION_FACTOR,
    TensorType,
)

HPARAM_FIELDS = (
    "n_vocab",
    "n_audio_ctx",
    "n_audio_state",
    "n_audio_head",
    "n_audio_layer",
    "n_text_ctx",
    "n_text_state",
    "n_text_head",
    "n_text_layer",
    "n_mels",
    "ftype",
)

N_FFT_BINS = 201  # whisper's STFT: n_fft = 400 -> 201 frequency bins in the mel filterbank


@dataclass(frozen=True)
class Hparams:
    """The eleven int32 values after the magic, in file order."""

    n_vocab: int
    n_audio_ctx: int
    n_audio_state: int
    n_audio_head: int
    n_audio_layer: int
    n_text_ctx: int
    n_text_state: int
    n_text_head: int
    n_text_layer: int
    n_mels: int
    ftype: int

    @property
    def weight_type(self) -> TensorType | None:
        """The type whisper.cpp gives weight matrices, or None if it refuses this ftype."""
        return FTYPE_WEIGHT_TYPE.get(self.ftype % QNT_VERSION_FACTOR)


@dataclass(frozen=True)
class TensorSpec:
    shape: tuple[int, ...]
    type: TensorType


_ATTN = ("query", "key", "value", "out")


def _block(prefix: str, d: int, wtype: TensorType, cross: bool) -> dict[str, TensorSpec]:
    def vec(n: int) -> TensorSpec:
        return TensorSpec((n,), F32)

    t = {
        f"{prefix}.mlp_ln.weight": vec(d),
        f"{prefix}.mlp_ln.bias": vec(d),
        f"{prefix}.mlp.0.weight": TensorSpec((d, 4 * d), wtype),
        f"{prefix}.mlp.0.bias": vec(4 * d),
        f"{prefix}.mlp.2.weight": TensorSpec((4 * d, d), wtype),
        f"{prefix}.mlp.2.bias": vec(d),
    }
    for attn in ("attn", "cross_attn") if cross else ("attn",):
        t[f"{prefix}.{attn}_ln.weight"] = vec(d)
        t[f"{prefix}.{attn}_ln.bias"] = vec(d)
        for proj in _ATTN:
            t[f"{prefix}.{attn}.{proj}.weight"] = TensorSpec((d, d), wtype)
            if proj != "key":  # Whisper's key projections have no bias
                t[f"{prefix}.{attn}.{proj}.bias"] = vec(d)
    return t


def expected_tensors(hp: Hparams) -> dict[str, TensorSpec]:
    """Every tensor whisper.cpp 1.8.5 loads for these hparams (it refuses extra or missing ones).

    Raises KeyError if whisper.cpp would refuse the header's ftype.
    """
    wtype = hp.weight_type
    if wtype is None:
        raise KeyError(hp.ftype)
    # Convolution kernels stay f16 in quantized files (im2col needs f16 kernels).
    conv = F32 if wtype is F32 else F16
    a, t = hp.n_audio_state, hp.n_text_state
    spec = {
        "encoder.positional_embedding": TensorSpec((a, hp.n_audio_ctx), F32),
        "encoder.conv1.weight": TensorSpec((3, hp.n_mels, a), conv),
        "encoder.conv1.bias": TensorSpec((1, a), F32),
        "encoder.conv2.weight": TensorSpec((3, a, a), conv),
        "encoder.conv2.bias": TensorSpec((1, a), F32),
        "encoder.ln_post.weight": TensorSpec((a,), F32),
        "encoder.ln_post.bias": TensorSpec((a,), F32),
    }
    for i in range(hp.n_audio_layer):
        spec.update(_block(f"encoder.blocks.{i}", a, wtype, cross=False))
    spec.update(
        {
            "decoder.positional_embedding": TensorSpec((t, hp.n_text_ctx), F32),
            "decoder.token_embedding.weight": TensorSpec((t, hp.n_vocab), wtype),
            "decoder.ln.weight": TensorSpec((t,), F32),
            "decoder.ln.bias": TensorSpec((t,), F32),
        }
    )
    for i in range(hp.n_text_layer):
        spec.update(_block(f"decoder.blocks.{i}", t, wtype, cross=True))
    return spec
