"""Reading and validating whisper.cpp GGML model files before whisper.cpp sees them.

whisper.cpp trusts the file: an unknown tensor type indexes past its type table, a huge length
makes it allocate, and a file that stops right after the vocabulary loads as an "empty model for
testing". So every file is walked here first, header by header, seeking over the tensor data.

Layout (little-endian): uint32 magic; 11 int32 hparams; int32 n_mel, int32 n_fft and
n_mel * n_fft float32 filters; int32 count and that many (uint32 length, bytes) tokens; then
tensors until the end of the file: int32 n_dims, int32 name length, int32 ggml type,
n_dims int32 dims (ggml order), the name, and the raw data.
"""

from __future__ import annotations

import os
import struct
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import numpy as np

from wavescribe.core.errors import Hint, HintKind, ModelCorrupt, ModelError, ModelNotFound
from wavescribe.core.models.ggml_layout import HPARAM_FIELDS, N_FFT_BINS, Hparams, expected_tensors
from wavescribe.core.models.ggml_types import QNT_VERSION_FACTOR, TENSOR_TYPES

MAGIC = 0x67676D6C  # "ggml", stored little-endian as b"lmgg"
N_VOCAB_EN = 51864  # English-only vocabulary; 51865 multilingual, 51866 large-v3
MAX_TOKEN_BYTES = 1024  # GPT-2 tokens are far shorter; anything longer is garbage
MAX_NAME_BYTES = 256
MAX_DIMS = 4  # whisper.cpp reads dims into an int32[4]

_MODEL_TYPES = {4: "tiny", 6: "base", 12: "small", 24: "medium", 32: "large"}
_FIX = Hint(HintKind.REIMPORT_MODEL)  # which model the file is, its caller knows

# Plausible ranges for the header: wide enough for every Whisper variant, narrow enough that
# nothing later allocates or seeks based on an absurd number.
_BOUNDS = {
    "n_vocab": (N_VOCAB_EN, 60_000),
    "n_audio_ctx": (1, 1 << 16),
    "n_audio_state": (1, 1 << 14),
    "n_audio_head": (1, 1024),
    "n_audio_layer": (1, 256),
    "n_text_ctx": (1, 1 << 16),
    "n_text_state": (1, 1 << 14),
    "n_text_head": (1, 1024),
    "n_text_layer": (1, 256),
    "n_mels": (1, 1024),
}


@dataclass(frozen=True)
class GgmlInfo(Hparams):
    """What a validated GGML model file holds: its hparams plus file facts."""

    size_bytes: int
    n_tensors: int

    @property
    def multilingual(self) -> bool:
        return self.n_vocab >= N_VOCAB_EN + 1

    @property
    def model_type(self) -> str:
        """Whisper size by encoder depth: "tiny" ... "large" ("unknown" for other depths)."""
        return _MODEL_TYPES.get(self.n_audio_layer, "unknown")

    @property
    def quantization(self) -> str:
        """Type of the weight matrices: "f32", "f16", "q8_0", "q5_0", ..."""
        return _quantization(self.hparams)

    @property
    def hparams(self) -> Hparams:
        return Hparams(**{k: getattr(self, k) for k in HPARAM_FIELDS})


def _quantization(hp: Hparams) -> str:
    wtype = hp.weight_type
    return wtype.name if wtype else f"unknown({hp.ftype})"


def header_multilingual(path: str | os.PathLike[str]) -> bool | None:
    """Whether a GGML file's model knows more than English, from its header's ``n_vocab``
    (English-only Whisper models have 51864 tokens); None if the file is not readable GGML.

    Reads 8 bytes: cheap enough for a list of installed models, unlike :func:`validate_ggml`.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return None
    if len(head) < 8 or int.from_bytes(head[:4], "little") != MAGIC:
        return None
    n_vocab = int.from_bytes(head[4:8], "little", signed=True)
    return n_vocab > N_VOCAB_EN if n_vocab >= N_VOCAB_EN else None


def validate_ggml(path: str | os.PathLike[str]) -> GgmlInfo:
    """Check a whole GGML model file the way whisper.cpp will read it, without reading weights.

    Raises ModelNotFound if there is no such file and ModelCorrupt (one line naming the file and
    the first problem) for anything whisper.cpp would refuse, misread or crash on.
    """
    p = Path(path)
    if not p.exists():
        raise ModelNotFound(f"{p} does not exist")
    if not p.is_file():
        raise ModelNotFound(f"{p} is not a file")
    try:
        with p.open("rb") as f:
            return validate_ggml_stream(f, p.name)
    except OSError as e:
        raise ModelError(f"{p.name} cannot be read: {e.strerror or e}") from e


def validate_ggml_stream(f: IO[bytes], name: str) -> GgmlInfo:
    """Like validate_ggml, for an open seekable file (a converter checks its output before the
    rename); ``name`` is used in messages."""
    size = f.seek(0, os.SEEK_END)
    f.seek(0)
    return _Walker(f, name, size).walk()


class _Walker:
    def __init__(self, f: IO[bytes], name: str, size: int) -> None:
        self.f, self.name, self.size = f, name, size

    def corrupt(self, problem: str) -> ModelCorrupt:
        return ModelCorrupt(f"{self.name} {problem}", hint=_FIX)

    def ints(self, n: int, where: str) -> tuple[int, ...]:
        data = self.f.read(4 * n)
        if len(data) < 4 * n:
            raise self.corrupt(f"is truncated in {where}")
        return struct.unpack(f"<{n}i", data)

    def walk(self) -> GgmlInfo:
        if self.size == 0:
            raise self.corrupt("is empty (0 bytes)")
        head = self.f.read(4)
        if head == b"GGUF":
            raise self.corrupt("is a GGUF file, not a whisper.cpp GGML model")
        if len(head) < 4 or struct.unpack("<I", head)[0] != MAGIC:
            raise self.corrupt(f"is not a whisper.cpp GGML model (starts with {head.hex() or '-'})")
        hp = self.hparams()
        self.mel_filters(hp)
        self.vocab(hp)
        n_tensors = self.tensors(hp)
        return GgmlInfo(**asdict(hp), size_bytes=self.size, n_tensors=n_tensors)

    def hparams(self) -> Hparams:
        hp = Hparams(*self.ints(len(HPARAM_FIELDS), "its header"))
        for field, (lo, hi) in _BOUNDS.items():
            value = getattr(hp, field)
            if not lo <= value <= hi:
                raise self.corrupt(f"has an implausible header: {field}={value}")
        if hp.ftype < 0 or hp.weight_type is None:
            raise self.corrupt(f"has an unknown file type (ftype={hp.ftype})")
        if hp.ftype // QNT_VERSION_FACTOR > 2:
            raise self.corrupt(f"has an unknown quantization version (ftype={hp.ftype})")
        for part in ("audio", "text"):
            state, heads = getattr(hp, f"n_{part}_state"), getattr(hp, f"n_{part}_head")
            if state % heads:
                raise self.corrupt(
                    f"has an implausible header: n_{part}_state={state} is not a multiple "
                    f"of n_{part}_head={heads}"
                )
        return hp

    def mel_filters(self, hp: Hparams) -> None:
        n_mel, n_fft = self.ints(2, "its mel filterbank")
        if (n_mel, n_fft) != (hp.n_mels, N_FFT_BINS):
            raise self.corrupt(
                f"has a {n_mel}x{n_fft} mel filterbank, expected {hp.n_mels}x{N_FFT_BINS}"
            )
        nbytes = 4 * n_mel * n_fft
        data = self.f.read(nbytes)
        if len(data) < nbytes:
            raise self.corrupt("is truncated in its mel filterbank")
        if not np.isfinite(np.frombuffer(data, dtype="<f4")).all():
            raise self.corrupt("has a mel filterbank with NaN or infinite values")

    def vocab(self, hp: Hparams) -> None:
        (count,) = self.ints(1, "its vocabulary")
        if not 0 < count <= hp.n_vocab:
            raise self.corrupt(f"has {count} vocabulary entries for n_vocab={hp.n_vocab}")
        read = self.f.read
        for i in range(count):
            raw = read(4)
            if len(raw) < 4:
                raise self.corrupt(f"is truncated in its vocabulary (entry {i} of {count})")
            (length,) = struct.unpack("<I", raw)
            if length > MAX_TOKEN_BYTES:
                raise self.corrupt(f"has a {length}-byte vocabulary entry (entry {i})")
            if len(read(length)) < length:
                raise self.corrupt(f"is truncated in its vocabulary (entry {i} of {count})")

    def tensors(self, hp: Hparams) -> int:
        expected = expected_tensors(hp)
        seen: set[str] = set()
        pos = self.f.tell()
        while pos < self.size:
            left = self.size - pos
            if len(seen) == len(expected):
                raise self.corrupt(f"has {left} bytes of trailing garbage after its last tensor")
            nth = f"tensor #{len(seen) + 1} of {len(expected)}"
            if left < 12:
                raise self.corrupt(f"is truncated in the header of {nth}")
            n_dims, name_len, ttype = self.ints(3, f"the header of {nth}")
            if not 1 <= n_dims <= MAX_DIMS:
                raise self.corrupt(f"has a bad header for {nth}: {n_dims} dimensions")
            if not 1 <= name_len <= MAX_NAME_BYTES:
                raise self.corrupt(f"has a bad header for {nth}: name length {name_len}")
            dims = self.ints(n_dims, f"the header of {nth}")
            raw_name = self.f.read(name_len)
            if len(raw_name) < name_len:
                raise self.corrupt(f"is truncated in the header of {nth}")
            try:
                name = raw_name.decode("ascii")
            except UnicodeDecodeError:
                raise self.corrupt(f"has a bad header for {nth}: unreadable name") from None
            spec = expected.get(name)
            if spec is None:
                raise self.corrupt(f"has an unexpected tensor '{name}' ({nth})")
            if name in seen:
                raise self.corrupt(f"has tensor '{name}' twice")
            shape = tuple(dims) + (1,) * (MAX_DIMS - n_dims)
            want = spec.shape + (1,) * (MAX_DIMS - len(spec.shape))
            if shape != want:
                raise self.corrupt(
                    f"has tensor '{name}' of shape {list(dims)}, expected {list(spec.shape)}"
                )
            tt = TENSOR_TYPES.get(ttype)
            if tt is None:
                raise self.corrupt(f"has tensor '{name}' of unknown type {ttype}")
            if tt is not spec.type:
                raise self.corrupt(
                    f"has tensor '{name}' of type {tt.name}, whisper.cpp expects "
                    f"{spec.type.name} in a {_quantization(hp)} model"
                )
            if dims[0] % tt.block:
                raise self.corrupt(f"has tensor '{name}' whose rows do not fill {tt.name} blocks")
            n_elements = 1
            for d in dims:
                n_elements *= d
            nbytes = tt.nbytes(n_elements)
            pos = self.f.tell()
            if nbytes > self.size - pos:
                raise self.corrupt(
                    f"is truncated: tensor '{name}' needs {nbytes} bytes, {self.size - pos} remain"
                )
            pos += nbytes
            self.f.seek(pos)
            seen.add(name)
        if len(seen) < len(expected):
            missing = next(n for n in expected if n not in seen)
            raise self.corrupt(
                f"is truncated: it ends after {len(seen)} of {len(expected)} tensors "
                f"('{missing}' is missing)"
            )
        return len(seen)
