"""The model catalog: which whisper.cpp GGML models exist, where to get them, what they hash to.

The catalog is data (``models.toml``), parsed once into frozen dataclasses and validated as a
whole, so a typo in a checksum or URL fails loudly at load time instead of at download time.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wavescribe.core.errors import ModelError, ModelNotFound

CATALOG_ENV = "WAVESCRIBE_CATALOG"
LANGUAGES = ("en", "multilingual")
KINDS = ("download", "converted")

# Ids become file names (<id>.bin), so they must be safe on every OS and unable to escape a folder.
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class InvalidCatalog(ModelError):
    """The catalog file is missing, not TOML, or has an invalid entry."""


@dataclass(frozen=True, slots=True)
class CatalogModel:
    """One catalog entry. ``sha256``/``size_bytes`` are None only for unverified entries."""

    id: str
    name: str
    family: str
    languages: str
    quantization: str
    size_bytes: int | None
    sha256: str | None
    urls: tuple[str, ...]
    kind: str = "download"
    source: str | None = None
    verified: bool = True
    default: bool = False
    notes: str = ""

    @property
    def multilingual(self) -> bool:
        """Whether the model transcribes languages other than English."""
        return self.languages == "multilingual"

    @property
    def downloadable(self) -> bool:
        """Whether the store can fetch this model (converted models are built locally)."""
        return self.kind == "download" and bool(self.urls)


@dataclass(frozen=True, slots=True)
class Catalog:
    """All catalog entries plus the default; ``get`` turns unknown ids into ModelNotFound."""

    models: tuple[CatalogModel, ...]
    default: CatalogModel
    path: Path | None = None

    def __iter__(self) -> Iterator[CatalogModel]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)

    def __contains__(self, model_id: object) -> bool:
        return any(m.id == model_id for m in self.models)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every id, in catalog order."""
        return tuple(m.id for m in self.models)

    def get(self, model_id: str) -> CatalogModel:
        """The entry for ``model_id``; the error lists the known ids so a typo is easy to fix."""
        for m in self.models:
            if m.id == model_id:
                return m
        raise ModelNotFound(
            f"Unknown model '{model_id}'. Known models: {', '.join(self.ids)}",
        )

    def find_by_sha256(self, sha256: str) -> CatalogModel | None:
        """The verified entry whose checksum is ``sha256`` (recognises imported official files)."""
        digest = sha256.lower()
        for m in self.models:
            if m.verified and m.sha256 == digest:
                return m
        return None


def catalog_path() -> Path:
    """Where the catalog lives: $WAVESCRIBE_CATALOG, else the installed package data, else the repo.

    The repository copy is the source of truth during development; the wheel carries a copy as
    package data ``wavescribe/models.toml``.
    """
    override = os.environ.get(CATALOG_ENV)
    if override:
        return Path(override).expanduser()
    try:
        packaged = importlib.resources.files("wavescribe") / "models.toml"
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - only in odd installs
        pass
    return Path(__file__).resolve().parents[4] / "models.toml"


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Read and validate the catalog; raises InvalidCatalog with the offending entry named."""
    where = Path(path) if path is not None else catalog_path()
    try:
        raw = tomllib.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidCatalog(f"Model catalog not found at {where}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidCatalog(f"Cannot read the model catalog {where}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidCatalog(f"Model catalog {where} is not valid TOML: {exc}") from exc
    return parse_catalog(raw, where)


def parse_catalog(raw: Mapping[str, Any], path: Path | None = None) -> Catalog:
    """Build a Catalog from already-parsed TOML (tests and tools can skip the file)."""
    label = str(path) if path else "model catalog"
    entries = raw.get("model")
    if not isinstance(entries, list) or not entries:
        raise InvalidCatalog(f"{label}: no [[model]] entries")
    default_id = raw.get("default")
    if not isinstance(default_id, str) or not default_id:
        raise InvalidCatalog(f'{label}: missing top-level default = "<model id>"')

    models: list[CatalogModel] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise InvalidCatalog(f"{label}: model #{index + 1} is not a table")
        model = _parse_model(entry, default_id, f"{label}: model #{index + 1}")
        if model.id in seen:
            raise InvalidCatalog(f"{label}: duplicate model id '{model.id}'")
        seen.add(model.id)
        models.append(model)

    defaults = [m for m in models if m.default]
    if not defaults:
        raise InvalidCatalog(f"{label}: default '{default_id}' is not a model in the catalog")
    if not defaults[0].downloadable:
        raise InvalidCatalog(f"{label}: default '{default_id}' has no download URL")
    return Catalog(models=tuple(models), default=defaults[0], path=path)


def _parse_model(entry: Mapping[str, Any], default_id: str, where: str) -> CatalogModel:
    model_id = _required_str(entry, "id", where)
    where = f"{where} ('{model_id}')"
    if not _ID_RE.match(model_id) or ".." in model_id:
        raise InvalidCatalog(f"{where}: id may only use letters, digits, '.', '_' and '-'")
    languages = _required_str(entry, "languages", where)
    if languages not in LANGUAGES:
        raise InvalidCatalog(f"{where}: languages must be one of {', '.join(LANGUAGES)}")
    kind = _optional_str(entry, "kind", where) or "download"
    if kind not in KINDS:
        raise InvalidCatalog(f"{where}: kind must be one of {', '.join(KINDS)}")
    verified = entry.get("verified", True)
    if not isinstance(verified, bool):
        raise InvalidCatalog(f"{where}: verified must be true or false")

    sha256 = entry.get("sha256")
    size = entry.get("size")
    if sha256 is not None and (not isinstance(sha256, str) or not _SHA256_RE.match(sha256)):
        raise InvalidCatalog(f"{where}: sha256 must be 64 lowercase hex characters")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size <= 0):
        raise InvalidCatalog(f"{where}: size must be a positive number of bytes")

    raw_urls = entry.get("urls", [])
    if not isinstance(raw_urls, list) or not all(isinstance(u, str) for u in raw_urls):
        raise InvalidCatalog(f"{where}: urls must be a list of strings")
    urls = tuple(raw_urls)
    for url in urls:
        _check_url(url, where)

    if kind == "download":
        if not urls:
            raise InvalidCatalog(f"{where}: a downloadable model needs at least one URL")
        if verified and (sha256 is None or size is None):
            raise InvalidCatalog(
                f"{where}: sha256 and size are required (or mark the entry verified = false)"
            )
        source = _optional_str(entry, "source", where)
    else:
        if urls:
            raise InvalidCatalog(f"{where}: a converted model has no URLs")
        source = _required_str(entry, "source", where)

    return CatalogModel(
        id=model_id,
        name=_optional_str(entry, "name", where) or model_id,
        family=_optional_str(entry, "family", where) or "",
        languages=languages,
        quantization=_optional_str(entry, "quantization", where) or "",
        size_bytes=size,
        sha256=sha256,
        urls=urls,
        kind=kind,
        source=source,
        verified=verified,
        default=(model_id == default_id),
        notes=_optional_str(entry, "notes", where) or "",
    )


def _required_str(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = _optional_str(entry, key, where)
    if value is None:
        raise InvalidCatalog(f"{where}: '{key}' is required")
    return value


def _optional_str(entry: Mapping[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidCatalog(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _check_url(url: str, where: str) -> None:
    """https only; plain http is allowed to loopback so tests and local mirrors can serve files."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return
    raise InvalidCatalog(f"{where}: URL must be https:// (got {url!r})")
