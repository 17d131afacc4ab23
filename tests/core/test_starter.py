"""First use: the offline starter model, or else the catalog default, with nothing installed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from local_http import serving
from wavescribe.core.errors import ModelNotFound
from wavescribe.core.models import ct2_convert
from wavescribe.core.models.catalog import load_catalog
from wavescribe.core.models.ggml_file import validate_ggml
from wavescribe.core.models.starter import STARTER_ID, resolve_model
from wavescribe.core.models.store import ModelStore


def test_first_use_converts_the_starter_model_once(tmp_path: Path):
    store = ModelStore(tmp_path / "models")
    path = resolve_model(None, store)
    assert path == store.path_for(STARTER_ID)
    info = validate_ggml(path)
    assert info.quantization == "q8_0" and not info.multilingual
    first = path.stat().st_mtime_ns
    assert resolve_model(None, store) == path
    assert path.stat().st_mtime_ns == first  # not converted again
    assert not list((tmp_path / "models").glob(".*converting*"))


def test_an_installed_model_wins_over_the_starter(tmp_path: Path, tiny_en_ggml: Path):
    store = ModelStore(tmp_path / "models")
    store.register_file(tiny_en_ggml, model_id="mine")
    assert resolve_model(None, store) == store.path_for("mine")
    assert not store.is_installed(STARTER_ID)


def test_without_the_starter_the_catalog_default_downloads_on_first_use(
    tmp_path: Path, tiny_en_ggml: Path, monkeypatch: pytest.MonkeyPatch
):
    # As on a machine where the `starter` extra is not installed.
    monkeypatch.setattr(ct2_convert, "starter_model_dir", lambda: None)
    payload = tiny_en_ggml.read_bytes()
    with serving({"/default.bin": payload}) as srv:
        catalog = tmp_path / "models.toml"
        catalog.write_text(
            'default = "dflt"\n[[model]]\nid = "dflt"\nname = "Default"\nfamily = "tiny"\n'
            'languages = "en"\nquantization = "f16"\nverified = false\n'
            f'urls = ["{srv.url("/default.bin")}"]\n',
            encoding="utf-8",
        )
        store = ModelStore(tmp_path / "models", catalog=load_catalog(catalog))
        with pytest.raises(ModelNotFound):  # a caller that accepts no download gets the advice
            resolve_model(None, store)
        seen: list = []
        path = resolve_model(None, store, download_progress=seen.append)
    assert path == store.path_for("dflt")
    assert seen and seen[-1].bytes_done == len(payload)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["sha256"] == hashlib.sha256(payload).hexdigest()


def test_a_frozen_build_installs_its_bundled_starter_without_converting(
    tmp_path: Path, tiny_en_ggml: Path, monkeypatch: pytest.MonkeyPatch
):
    from wavescribe.core.models import starter

    # As in a frozen app: the converted file ships inside the bundle, no CTranslate2 package.
    monkeypatch.setattr(starter, "bundled_starter", lambda: tiny_en_ggml)
    monkeypatch.setattr(ct2_convert, "starter_model_dir", lambda: None)
    store = ModelStore(tmp_path / "models")
    path = resolve_model(None, store)
    assert path == store.path_for(STARTER_ID)
    assert path.read_bytes() == tiny_en_ggml.read_bytes()
    assert tiny_en_ggml.is_file()  # the bundle's copy stays where it is
