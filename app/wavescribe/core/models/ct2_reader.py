"""Reading a CTranslate2 (faster-whisper) model folder one variable at a time.

``model.bin`` (binary version 6, little-endian): uint32 version; string spec name; uint32
revision; uint32 variable count; per variable: string name, uint8 rank, uint32 dims, uint8 dtype,
uint32 byte count, raw bytes; then uint32 alias count and (alias, target) string pairs. Strings
are a uint16 length (counting a trailing NUL) and the bytes. Large models come split into
``model.bin.part1``, ``model.bin.part2``, ...: those are read as one stream, never joined on disk.
"""

from __future__ import annotations

import io
import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wavescribe.core.errors import ConversionError

BINARY_VERSION = 6
# CTranslate2 dtype ids: 0 f32, 1 i8, 2 i16, 3 i32, 4 f16, 5 bf16 (read as uint16 bits).
_DTYPES = {0: "<f4", 1: "i1", 2: "<i2", 3: "<i4", 4: "<f2", 5: "<u2"}
_DTYPE_NAMES = {0: "float32", 1: "int8", 2: "int16", 3: "int32", 4: "float16", 5: "bfloat16"}
_FLOAT_DTYPES = (0, 4, 5)
_PART = re.compile(r"model\.bin\.part(\d+)")
VOCAB_FILES = ("vocabulary.json", "vocabulary.txt", "tokenizer.json")


def model_bin_parts(folder: Path) -> list[Path]:
    """``[model.bin]``, or ``model.bin.partN`` files in numeric order; [] if there are none."""
    single = folder / "model.bin"
    if single.is_file():
        return [single]
    numbered = sorted(
        (int(m.group(1)), p)
        for p in folder.glob("model.bin.part*")
        if (m := _PART.fullmatch(p.name)) and p.is_file()
    )
    numbers = [n for n, _ in numbered]
    if numbers and numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        gap = next(n for n in range(numbers[0], numbers[-1]) if n not in numbers)
        raise ConversionError(f"{folder.name}: model.bin.part{gap} is missing")
    return [p for _, p in numbered]


class _JoinedFile:
    """Several files read as one: enough of a file object for sequential reads and seeks."""

    def __init__(self, paths: list[Path]) -> None:
        self._files: list[
            tuple[io.BufferedReader, int, int]
        ] = []  # (file, start, end) in the stream
        self.size = 0
        try:
            for p in paths:
                start, self.size = self.size, self.size + p.stat().st_size
                self._files.append((p.open("rb"), start, self.size))
        except BaseException:
            self.close()
            raise
        self._pos = 0

    def close(self) -> None:
        for f, _, _ in self._files:
            f.close()

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int) -> None:
        self._pos = pos

    def readinto(self, buf: memoryview) -> int:
        done = 0
        for f, start, end in self._files:
            if done == len(buf):
                break
            if not start <= self._pos < end:
                continue
            f.seek(self._pos - start)
            n = f.readinto(buf[done : done + min(len(buf) - done, end - self._pos)]) or 0
            done += n
            self._pos += n
            if n == 0:  # the file shrank under us
                break
        return done

    def read(self, n: int) -> bytes:
        buf = bytearray(max(0, min(n, self.size - self._pos)))
        return bytes(buf[: self.readinto(memoryview(buf))])


@dataclass(frozen=True)
class Ct2Variable:
    name: str
    shape: tuple[int, ...]
    dtype: int
    offset: int
    nbytes: int

    @property
    def dtype_name(self) -> str:
        return _DTYPE_NAMES.get(self.dtype, f"dtype {self.dtype}")


class Ct2Model:
    """An open CTranslate2 ``model.bin``: an index of variables, each read on demand."""

    def __init__(self, folder: Path) -> None:
        parts = model_bin_parts(folder)
        if not parts:
            raise ConversionError(
                f"{folder.name} has no model.bin (nor model.bin.part1, .part2, ...): "
                "not a CTranslate2 model folder"
            )
        self.label = parts[0].name if len(parts) == 1 else f"{len(parts)} model.bin parts"
        self._f = _JoinedFile(parts)
        try:
            self._read_index()
        except BaseException:
            self._f.close()
            raise

    def __enter__(self) -> Ct2Model:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._f.close()

    def _unpack(self, fmt: str) -> tuple[int, ...]:
        size = struct.calcsize("<" + fmt)
        data = self._f.read(size)
        if len(data) < size:
            raise ConversionError(f"{self.label} is truncated")
        return struct.unpack("<" + fmt, data)

    def _string(self) -> str:
        (n,) = self._unpack("H")
        raw = self._f.read(n)
        if len(raw) < n:
            raise ConversionError(f"{self.label} is truncated")
        return raw.rstrip(b"\0").decode("utf-8", errors="replace")

    def _read_index(self) -> None:
        (version,) = self._unpack("I")
        if version != BINARY_VERSION:
            raise ConversionError(
                f"{self.label} is not a CTranslate2 model this version can read "
                f"(binary version {version}, expected {BINARY_VERSION})"
            )
        self.spec = self._string()
        (self.revision,) = self._unpack("I")
        (count,) = self._unpack("I")
        self.variables: dict[str, Ct2Variable] = {}
        for _ in range(count):
            name = self._string()
            (rank,) = self._unpack("B")
            shape = self._unpack(f"{rank}I")
            dtype, nbytes = self._unpack("BI")
            offset = self._f.tell()
            n = int(np.prod(shape, dtype=np.int64))
            if dtype in _DTYPES and nbytes != n * np.dtype(_DTYPES[dtype]).itemsize:
                raise ConversionError(f"{self.label}: variable '{name}' has a wrong byte count")
            if offset + nbytes > self._f.size:
                raise ConversionError(f"{self.label} is truncated (in variable '{name}')")
            self.variables[name] = Ct2Variable(name, shape, dtype, offset, nbytes)
            self._f.seek(offset + nbytes)
        (n_aliases,) = self._unpack("I")
        self.aliases = dict(self._string_pair() for _ in range(n_aliases))

    def _string_pair(self) -> tuple[str, str]:
        return self._string(), self._string()

    def variable(self, name: str) -> Ct2Variable:
        """The variable (or alias target) called ``name``; ConversionError if there is none."""
        var = self.variables.get(self.aliases.get(name, name))
        if var is None:
            raise ConversionError(
                f"{self.label} has no variable '{name}': not a complete Whisper model"
            )
        return var

    def read(self, name: str) -> np.ndarray:
        """One float variable as float16 or float32 (bfloat16 widens to float32)."""
        var = self.variable(name)
        if var.dtype not in _FLOAT_DTYPES:
            raise ConversionError(
                f"'{name}' is stored as {var.dtype_name}; only float16, bfloat16 and float32 "
                "models can be converted (convert it again with --quantization float16)"
            )
        arr = np.empty(var.shape, dtype=_DTYPES[var.dtype])
        self._f.seek(var.offset)
        if self._f.readinto(arr.reshape(-1).view(np.uint8).data) != var.nbytes:
            raise ConversionError(f"{self.label} is truncated (in variable '{name}')")
        if var.dtype == 5:
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        return arr

    def scalar(self, name: str) -> int | None:
        """An integer scalar such as ``encoder/num_heads``, or None if absent."""
        var = self.variables.get(name)
        if var is None or var.shape or var.dtype not in (1, 2, 3):
            return None
        self._f.seek(var.offset)
        return int(np.frombuffer(self._f.read(var.nbytes), dtype=_DTYPES[var.dtype])[0])


def read_spec_name(folder: Path) -> str | None:
    """The spec name in the first bytes of ``model.bin`` (e.g. "WhisperSpec"), or None."""
    try:
        parts = model_bin_parts(folder)
        if not parts:
            return None
        with parts[0].open("rb") as f:
            head = f.read(4 + 2 + 256)
        version, n = struct.unpack_from("<IH", head)
        if version != BINARY_VERSION or len(head) < 6 + n:
            return None
        return head[6 : 6 + n].rstrip(b"\0").decode("utf-8")
    except (OSError, ConversionError, struct.error, UnicodeDecodeError):
        return None


def _byte_decoder() -> dict[str, int]:
    # GPT-2 writes every byte as a printable character: printable Latin-1 bytes stand for
    # themselves, the others are mapped in order to U+0100 and up.
    keep = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    moved = [b for b in range(256) if b not in keep]
    table = {chr(b): b for b in keep}
    table.update({chr(0x100 + i): b for i, b in enumerate(moved)})
    return table


_BYTE_DECODER = _byte_decoder()


def token_bytes(token: str) -> bytes:
    """The raw bytes a byte-level BPE token stands for (what whisper.cpp's vocabulary holds)."""
    try:
        return bytes(_BYTE_DECODER[c] for c in token)
    except KeyError:
        raise ConversionError(f"vocabulary token {token!r} is not byte-level BPE") from None


def find_vocabulary(folder: Path) -> Path | None:
    return next((folder / n for n in VOCAB_FILES if (folder / n).is_file()), None)


def load_vocabulary(folder: Path) -> list[str]:
    """The tokens in id order, from vocabulary.json, vocabulary.txt or tokenizer.json."""
    path = find_vocabulary(folder)
    if path is None:
        raise ConversionError(
            f"{folder.name} has no vocabulary ({', '.join(VOCAB_FILES)}): copy the model's "
            "whole folder"
        )
    try:
        text = path.read_text(encoding="utf-8")
        if path.name == "vocabulary.txt":
            return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
        data = json.loads(text)
        if path.name == "vocabulary.json":
            if isinstance(data, list) and all(isinstance(t, str) for t in data):
                return data
            raise ValueError("not a list of tokens")
        vocab = {**data["model"]["vocab"]}
        vocab.update({t["content"]: t["id"] for t in data.get("added_tokens", [])})
        tokens = [""] * (max(vocab.values()) + 1)
        for tok, i in vocab.items():
            tokens[i] = tok
        return tokens
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise ConversionError(f"{path.name} cannot be read as a vocabulary: {e}") from e
