"""validate_ggml: every defect is caught, with a specific one-line message, before whisper.cpp.

The corrupt files are made from the real tiny.en conversion (the session fixture), each with one
defect. The last tests show what whisper.cpp does with such files when nothing guards it.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from shared_data import JFK_DIR
from wavescribe.core.errors import Hint, HintKind, ModelCorrupt, ModelNotFound
from wavescribe.core.models.ggml_file import GgmlInfo, validate_ggml

FIX = Hint(HintKind.REIMPORT_MODEL)  # what to do: the shells phrase it
NAME = "ggml-tiny.en.bin"
JFK = JFK_DIR / "jfk.wav"


class Layout:
    """Byte offsets inside an f16 GGML file, found by a walker independent of the one tested."""

    def __init__(self, path: Path) -> None:
        data = path.read_bytes()
        off = 4 + 11 * 4
        self.mel = off
        n_mel, n_fft = struct.unpack_from("<2i", data, off)
        off += 8 + 4 * n_mel * n_fft
        self.vocab = off
        (count,) = struct.unpack_from("<i", data, off)
        off += 4
        for _ in range(count):
            off += 4 + struct.unpack_from("<I", data, off)[0]
        self.tensors_start = off
        # name -> (header offset, data offset, data bytes), in file order
        self.tensors: dict[str, tuple[int, int, int]] = {}
        while off < len(data):
            n_dims, name_len, ttype = struct.unpack_from("<3i", data, off)
            dims = struct.unpack_from(f"<{n_dims}i", data, off + 12)
            name = data[off + 12 + 4 * n_dims : off + 12 + 4 * n_dims + name_len].decode()
            start = off + 12 + 4 * n_dims + name_len
            nbytes = int(np.prod(dims)) * {0: 4, 1: 2}[ttype]
            self.tensors[name] = (off, start, nbytes)
            off = start + nbytes
        self.size = len(data)


@pytest.fixture(scope="module")
def layout(tiny_en_ggml: Path) -> Layout:
    return Layout(tiny_en_ggml)


def test_a_sound_model_is_described_by_its_header(tiny_en_ggml: Path) -> None:
    info = validate_ggml(tiny_en_ggml)
    assert (info.n_vocab, info.n_mels, info.n_audio_layer, info.n_text_layer) == (51864, 80, 4, 4)
    assert (info.n_audio_state, info.n_audio_head, info.n_audio_ctx) == (384, 6, 1500)
    assert (info.n_text_state, info.n_text_head, info.n_text_ctx) == (384, 6, 448)
    assert (info.model_type, info.quantization, info.multilingual) == ("tiny", "f16", False)
    assert info.n_tensors == 167
    assert info.size_bytes == tiny_en_ggml.stat().st_size


def test_validation_seeks_over_the_weights(tiny_en_ggml: Path) -> None:
    validate_ggml(tiny_en_ggml)
    start = time.perf_counter()
    validate_ggml(tiny_en_ggml)
    assert time.perf_counter() - start < 1.0  # about 30 ms here; reading 77 MB would show


@pytest.mark.parametrize(
    ("n_vocab", "layers", "ftype", "model_type", "quantization", "multilingual"),
    [
        (51864, 4, 1, "tiny", "f16", False),
        (51865, 6, 2007, "base", "q8_0", True),
        (51865, 12, 1008, "small", "q5_0", True),
        (51865, 24, 0, "medium", "f32", True),
        (51866, 32, 2002, "large", "q4_0", True),
        (51866, 7, 2012, "unknown", "q4_k", True),
    ],
)
def test_info_derives_size_quantization_and_language(
    n_vocab: int,
    layers: int,
    ftype: int,
    model_type: str,
    quantization: str,
    multilingual: bool,
) -> None:
    info = GgmlInfo(n_vocab, 1500, 384, 6, layers, 448, 384, 6, 4, 80, ftype, 0, 0)
    assert (info.model_type, info.quantization, info.multilingual) == (
        model_type,
        quantization,
        multilingual,
    )


def test_missing_file_is_model_not_found(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound):
        validate_ggml(tmp_path / "nope.bin")
    with pytest.raises(ModelNotFound):
        validate_ggml(tmp_path)


# --- one defect per file ---------------------------------------------------------------------
Corrupter = Callable[[Path, Path, Layout], None]


def _prefix(n: Callable[[Layout], int]) -> Corrupter:
    def make(src: Path, dst: Path, lay: Layout) -> None:
        with src.open("rb") as f:
            dst.write_bytes(f.read(n(lay)))

    return make


def _patch(offset: Callable[[Layout], int], raw: bytes) -> Corrupter:
    def make(src: Path, dst: Path, lay: Layout) -> None:
        shutil.copyfile(src, dst)
        with dst.open("r+b") as f:
            f.seek(offset(lay))
            f.write(raw)

    return make


def _append(raw: bytes) -> Corrupter:
    def make(src: Path, dst: Path, lay: Layout) -> None:
        shutil.copyfile(src, dst)
        with dst.open("ab") as f:
            f.write(raw)

    return make


def _replace(content: bytes) -> Corrupter:
    def make(src: Path, dst: Path, lay: Layout) -> None:
        dst.write_bytes(content)

    return make


def _header(lay: Layout, tensor: str) -> int:
    return lay.tensors[tensor][0]


def _mid_tensor(lay: Layout) -> int:
    return lay.tensors["decoder.blocks.3.mlp.0.weight"][1] + 20417


INT32 = struct.Struct("<i")
CASES: dict[str, tuple[Corrupter, str]] = {
    "zero_length": (_replace(b""), "is empty (0 bytes)"),
    "random_bytes": (
        _replace(np.random.default_rng(7).bytes(1 << 16)),
        "is not a whisper.cpp GGML model (starts with ",
    ),
    "wrong_magic": (
        _patch(lambda lay: 0, b"lmgf"),
        "is not a whisper.cpp GGML model (starts with 6c6d6766)",
    ),
    "gguf_file": (_replace(b"GGUF" + bytes(60)), "is a GGUF file, not a whisper.cpp GGML model"),
    "truncated_in_hparams": (_prefix(lambda lay: 30), "is truncated in its header"),
    "truncated_in_mel_filters": (
        _prefix(lambda lay: lay.mel + 1000),
        "is truncated in its mel filterbank",
    ),
    "truncated_in_vocabulary": (
        _prefix(lambda lay: lay.tensors_start - 3),
        "is truncated in its vocabulary (entry 50256 of 50257)",
    ),
    "truncated_after_vocabulary": (
        _prefix(lambda lay: lay.tensors_start),
        "is truncated: it ends after 0 of 167 tensors ('encoder.positional_embedding' is missing)",
    ),
    "truncated_in_tensor_header": (
        _prefix(lambda lay: list(lay.tensors.values())[9][0] + 20),
        "is truncated in the header of tensor #10 of 167",
    ),
    "truncated_in_tensor_dims": (
        _prefix(lambda lay: list(lay.tensors.values())[9][0] + 14),
        "is truncated in the header of tensor #10 of 167",
    ),
    "truncated_in_tensor_data": (
        _prefix(_mid_tensor),
        "is truncated: tensor 'decoder.blocks.3.mlp.0.weight' needs 1179648 bytes, 20417 remain",
    ),
    "last_tensor_missing": (
        _prefix(lambda lay: list(lay.tensors.values())[-1][0]),
        "is truncated: it ends after 166 of 167 tensors",
    ),
    "trailing_garbage": (
        _append(b"\0" * 100),
        "has 100 bytes of trailing garbage after its last tensor",
    ),
    # whisper.cpp itself ignores fewer than 12 stray bytes; a sound download never has them.
    "few_trailing_bytes": (_append(b"\x01" * 7), "has 7 bytes of trailing garbage"),
    "unknown_tensor_type": (
        _patch(lambda lay: _header(lay, "encoder.positional_embedding") + 8, INT32.pack(99)),
        "has tensor 'encoder.positional_embedding' of unknown type 99",
    ),
    "tensor_of_the_wrong_type": (
        _patch(lambda lay: _header(lay, "encoder.ln_post.bias") + 8, INT32.pack(1)),
        "has tensor 'encoder.ln_post.bias' of type f16, whisper.cpp expects f32 in a f16 model",
    ),
    "absurd_name_length": (
        _patch(lambda lay: _header(lay, "encoder.conv1.weight") + 4, INT32.pack(2**31 - 1)),
        "has a bad header for tensor #2 of 167: name length 2147483647",
    ),
    "absurd_dimension_count": (
        _patch(lambda lay: _header(lay, "encoder.conv1.weight"), INT32.pack(1000)),
        "has a bad header for tensor #2 of 167: 1000 dimensions",
    ),
    "absurd_dimension": (
        _patch(
            lambda lay: _header(lay, "decoder.token_embedding.weight") + 16, b"\xff\xff\xff\x7f"
        ),
        "has tensor 'decoder.token_embedding.weight' of shape [384, 2147483647], "
        "expected [384, 51864]",
    ),
    "unexpected_tensor_name": (
        _patch(lambda lay: _header(lay, "encoder.conv1.bias") + 20 + 17, b"X"),
        "has an unexpected tensor 'encoder.conv1.biaX' (tensor #3 of 167)",
    ),
    "absurd_layer_count": (
        _patch(lambda lay: 4 + 4 * 4, INT32.pack(1_000_000)),
        "has an implausible header: n_audio_layer=1000000",
    ),
    "unknown_file_type": (
        _patch(lambda lay: 4 + 10 * 4, INT32.pack(5)),
        "has an unknown file type (ftype=5)",
    ),
    "absurd_vocabulary_count": (
        _patch(lambda lay: lay.vocab, INT32.pack(-1)),
        "has -1 vocabulary entries for n_vocab=51864",
    ),
    "absurd_token_length": (
        _patch(lambda lay: lay.vocab + 4, b"\xff\xff\xff\xff"),
        "has a 4294967295-byte vocabulary entry (entry 0)",
    ),
    "nan_in_mel_filters": (
        _patch(lambda lay: lay.mel + 8, struct.pack("<f", float("nan"))),
        "has a mel filterbank with NaN or infinite values",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_defect_is_model_corrupt_with_a_specific_message(
    case: str, tiny_en_ggml: Path, layout: Layout, tmp_path: Path
) -> None:
    make, problem = CASES[case]
    bad = tmp_path / NAME
    make(tiny_en_ggml, bad, layout)
    with pytest.raises(ModelCorrupt) as caught:
        validate_ggml(bad)
    message = str(caught.value)
    assert message.startswith(f"{NAME} {problem}"), message
    assert caught.value.hint == FIX
    assert "\n" not in message


def test_the_example_message_reads_in_full(
    tiny_en_ggml: Path, layout: Layout, tmp_path: Path
) -> None:
    bad = tmp_path / NAME
    _prefix(_mid_tensor)(tiny_en_ggml, bad, layout)
    with pytest.raises(ModelCorrupt) as caught:
        validate_ggml(bad)
    assert str(caught.value) == (
        "ggml-tiny.en.bin is truncated: tensor 'decoder.blocks.3.mlp.0.weight' needs 1179648 "
        "bytes, 20417 remain"
    )
    assert caught.value.hint == FIX


# --- why the guard exists: whisper.cpp on its own ----------------------------------------------
_LOAD_AND_TRANSCRIBE = """
import sys, resource, soundfile
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
from pywhispercpp.model import Model
model = Model(sys.argv[1], redirect_whispercpp_logs_to=None)
audio, _ = soundfile.read(sys.argv[2], dtype="float32", frames=32000)
segments = model.transcribe(
    audio, n_threads=1, print_progress=False, language="en", temperature_inc=0.0
)
print("TEXT:" + " ".join(s.text for s in segments).strip())
"""


def _unguarded(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _LOAD_AND_TRANSCRIBE, str(path), str(JFK)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unguarded_whisper_cpp_loads_a_tensorless_file_and_hears_nothing(
    tiny_en_ggml: Path, layout: Layout, tmp_path: Path
) -> None:
    bad = tmp_path / NAME
    CASES["truncated_after_vocabulary"][0](tiny_en_ggml, bad, layout)
    with pytest.raises(ModelCorrupt):
        validate_ggml(bad)
    run = _unguarded(bad)  # whisper.cpp: "no tensors loaded - assuming empty model for testing"
    assert run.returncode == 0
    assert "TEXT:\n" in run.stdout + "\n"


def test_unguarded_pywhispercpp_crashes_on_a_file_whisper_cpp_refuses(
    tiny_en_ggml: Path, layout: Layout, tmp_path: Path
) -> None:
    bad = tmp_path / NAME
    CASES["truncated_in_tensor_data"][0](tiny_en_ggml, bad, layout)
    with pytest.raises(ModelCorrupt):
        validate_ggml(bad)
    # whisper.cpp logs "failed to load model", pywhispercpp 1.5.1 raises nothing and the first
    # transcribe dereferences the null context: the process dies (SIGSEGV here).
    run = _unguarded(bad)
    assert run.returncode != 0
    assert "TEXT:" not in run.stdout
