"""Installed models: GGML files in one folder, each with a JSON sidecar saying where it came from.

Layout of the store's root (``paths.models_dir()`` by default)::

    <id>.bin          the GGML model whisper.cpp loads
    <id>.json         sidecar: source, catalog id, sha256, imported-from path, quantization,
                      verified_stat: [size, mtime_ns, inode] of the .bin when its sha256
                      last matched
    settings.json     {"default_model": "<id>"} once the user picked a default
    .downloads/       resumable partial downloads (never looked at as installed models)

A file only ever appears as ``<id>.bin`` after it passed the catalog checksum or GGML validation.
``resolve`` hashes an installed file again whenever its size, mtime or inode differ from
``verified_stat``: bytes overwritten inside the tensor data pass the structural check, and
whisper.cpp would then transcribe garbage.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wavescribe.core.atomic import new_file_mode, write_text_atomic
from wavescribe.core.errors import Hint, HintKind, ModelCorrupt, ModelError, ModelNotFound
from wavescribe.core.models import download as _download
from wavescribe.core.models.catalog import Catalog, CatalogModel, load_catalog
from wavescribe.core.paths import models_dir

if TYPE_CHECKING:
    from wavescribe.core.models.ggml_file import GgmlInfo

SETTINGS_FILE = "settings.json"
DOWNLOADS_DIR = ".downloads"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_FAMILY_RANK = (("large", 5), ("medium", 4), ("small", 3), ("base", 2), ("tiny", 1))
_QUANT_RANK = {"f32": 9, "f16": 8, "q8_0": 7, "q6_k": 6, "q5_1": 5, "q5_k": 5, "q5_0": 4}


@dataclass(frozen=True, slots=True)
class InstalledModel:
    """A model on disk and what its sidecar knows about it (``source``: catalog/import/...)."""

    id: str
    path: Path
    size_bytes: int
    source: str
    catalog_id: str | None = None
    sha256: str | None = None
    sha256_verified: bool = False
    quantization: str | None = None
    family: str | None = None
    multilingual: bool | None = None
    imported_from: str | None = None
    source_info: dict[str, Any] = field(default_factory=dict)


def model_id_from_filename(name: str) -> str:
    """Derive a store id from a file name: ``ggml-base.en.bin`` -> ``base.en``."""
    stem = Path(name).name
    if stem.lower().endswith(".bin"):
        stem = stem[:-4]
    for prefix in ("ggml-model-whisper-", "ggml-"):
        if stem.lower().startswith(prefix):
            stem = stem[len(prefix) :]
            break
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).replace("..", ".").strip(".-_")
    return stem[:100] or "imported-model"


class ModelStore:
    """Lists, installs, removes and picks models; the only code that writes the models folder."""

    def __init__(self, root: str | os.PathLike[str] | None = None, catalog: Catalog | None = None):
        self.root = Path(root) if root is not None else models_dir()
        self._catalog = catalog

    @property
    def catalog(self) -> Catalog:
        """The catalog (loaded on first use, so listing models never depends on it)."""
        if self._catalog is None:
            self._catalog = load_catalog()
        return self._catalog

    # --- queries --------------------------------------------------------------------------
    def installed(self) -> list[InstalledModel]:
        """Every installed model, sorted by id; a missing or broken sidecar reads as 'unknown'."""
        if not self.root.is_dir():
            return []
        found = []
        for path in sorted(self.root.glob("*.bin")):
            if path.is_file() and _ID_RE.match(path.stem) and ".." not in path.stem:
                found.append(self._describe(path.stem))
        return found

    def is_installed(self, model_id: str) -> bool:
        """Whether ``<root>/<id>.bin`` exists (invalid ids are simply not installed)."""
        return _valid_id(model_id) and self._bin(model_id).is_file()

    def path_for(self, model_id: str) -> Path:
        """Path of an installed model's GGML file."""
        if not self.is_installed(model_id):
            raise self._not_installed(model_id)
        return self._bin(model_id)

    def default_model(self) -> str | None:
        """The id the user chose with ``set_default`` (it may have been removed since)."""
        value = _read_json(self.root / SETTINGS_FILE).get("default_model")
        return value if isinstance(value, str) else None

    # --- changes --------------------------------------------------------------------------
    def download(
        self,
        model_id: str,
        progress: Callable[[_download.DownloadProgress], None] | None = None,
        cancel: _download.CancelToken = None,
        *,
        allow_unverified: bool = False,
        timeout: float = 30,
    ) -> InstalledModel:
        """Download a catalog model (resuming a partial one) and install it.

        Entries without a published checksum (``verified = false``) are refused unless
        ``allow_unverified``; such a file must then pass GGML validation before it is installed.
        """
        entry = self.catalog.get(model_id)
        if not entry.downloadable:
            raise ModelError(
                f"'{model_id}' cannot be downloaded: Wavescribe builds it from {entry.source}"
            )
        if not entry.verified and not allow_unverified:
            raise ModelError(
                f"'{model_id}' has no published checksum, so its download cannot be verified.",
                hint=Hint(HintKind.ALLOW_UNVERIFIED, model_id, self._verified_alternative(entry)),
            )
        if self.is_installed(model_id):
            current = self._describe(model_id)
            if current.catalog_id == model_id and (
                entry.sha256 is None or current.sha256 == entry.sha256
            ):
                return current

        staged = self.root / DOWNLOADS_DIR / f"{model_id}.bin"
        _download.download(
            entry.urls,
            staged,
            sha256=entry.sha256,
            size=entry.size_bytes,
            progress=progress,
            cancel=cancel,
            timeout=timeout,
        )
        info: GgmlInfo | None = None
        digest = entry.sha256
        if not entry.verified:
            try:
                info = _validate(staged)
            except ModelError:
                staged.unlink(missing_ok=True)
                raise
            digest = _sha256_of(staged)
        os.replace(staged, self._bin(model_id))
        self._write_sidecar(
            model_id,
            source="catalog",
            catalog_id=model_id,
            sha256=digest,
            sha256_verified=entry.verified,
            quantization=entry.quantization or (info.quantization if info else None),
            family=entry.family or (info.model_type if info else None),
            multilingual=entry.multilingual,
            urls=list(entry.urls),
        )
        return self._describe(model_id)

    def register_file(
        self, path: str | os.PathLike[str], model_id: str | None = None, copy: bool = True
    ) -> InstalledModel:
        """Import a GGML file the user already has (copied, or moved with ``copy=False``).

        The file must pass ``validate_ggml``; a file that matches a catalog checksum is recorded
        as that catalog model. The id defaults to one derived from the file name.
        """
        source = Path(path).expanduser()
        if not source.is_file():
            raise ModelNotFound(f"No model file at {source}")
        info = _validate(source)
        new_id = model_id if model_id is not None else model_id_from_filename(source.name)
        _check_id(new_id)
        dest = self._bin(new_id)
        same_file = dest.exists() and source.resolve() == dest.resolve()
        if dest.exists() and not same_file:
            raise ModelError(
                f"A model called '{new_id}' is already installed.",
                hint=Hint(HintKind.REMOVE_MODEL_FIRST, new_id),
            )
        origin = str(source.resolve())
        if not same_file:
            self._bring_in(source, dest, copy=copy)
        digest = _sha256_of(dest)
        match = self._catalog_match(digest)
        self._write_sidecar(
            new_id,
            source="import",
            catalog_id=match.id if match else None,
            sha256=digest,
            sha256_verified=match is not None,
            quantization=info.quantization,
            family=info.model_type,
            multilingual=info.multilingual,
            imported_from=origin,
        )
        return self._describe(new_id)

    def install_converted(
        self, tmp_path: str | os.PathLike[str], model_id: str, source_info: Mapping[str, Any]
    ) -> InstalledModel:
        """Move a freshly converted GGML file into the store (replacing an older conversion)."""
        source = Path(tmp_path)
        if not source.is_file():
            raise ModelNotFound(f"No converted model file at {source}")
        _check_id(model_id)
        info = _validate(source)
        dest = self._bin(model_id)
        self._bring_in(source, dest, copy=False)
        self._write_sidecar(
            model_id,
            source="converted",
            catalog_id=model_id if self._in_catalog(model_id) else None,
            sha256=_sha256_of(dest),
            sha256_verified=False,
            quantization=info.quantization,
            family=info.model_type,
            multilingual=info.multilingual,
            source_info=dict(source_info),
        )
        return self._describe(model_id)

    def remove(self, model_id: str) -> None:
        """Delete an installed model, its sidecar and any partial download of it."""
        path = self.path_for(model_id)
        path.unlink()
        self._sidecar(model_id).unlink(missing_ok=True)
        staged = self.root / DOWNLOADS_DIR / f"{model_id}.bin"
        staged.unlink(missing_ok=True)
        staged.with_name(staged.name + ".part").unlink(missing_ok=True)
        if self.default_model() == model_id:
            self._write_settings(default_model=None)

    def set_default(self, model_id: str) -> None:
        """Remember the user's default model (it must be installed)."""
        self.path_for(model_id)
        self._write_settings(default_model=model_id)

    def resolve(self, spec: str | None) -> Path:
        """Turn what the user asked for into a GGML file path.

        ``spec`` is an installed id, a path to a ``.bin`` file (validated), or None for the
        default, chosen in this order:

        1. the user's choice (``set_default``), if still installed;
        2. the catalog default, if installed;
        3. the best installed model: larger family first (large > medium > small > base > tiny),
           then higher precision (f32 > f16 > q8_0 > q6_k > q5_1 > q5_0 > others), then the
           larger file, then the id;
        4. otherwise ModelNotFound explaining how to download or import one.
        """
        if spec is None:
            return self._resolve_default()
        spec = spec.strip()
        if self.is_installed(spec):
            return self.verified_path(spec)
        candidate = Path(spec).expanduser()
        if candidate.is_file():
            _validate(candidate)
            return candidate.resolve()
        if _looks_like_path(spec):
            raise ModelNotFound(f"No model file at {candidate}")
        raise self._not_installed(spec)

    def verified_path(self, model_id: str) -> Path:
        """The model's file, its sha256 checked again if the file changed since the last check.

        Raises ModelCorrupt when the bytes no longer match the checksum recorded at install.
        """
        path = self._bin(model_id)
        meta = _read_json(self._sidecar(model_id))
        recorded = meta.get("sha256")
        if not isinstance(recorded, str):
            return path  # installed before checksums were kept: nothing to compare with
        now = _stat_key(path)
        if meta.get("verified_stat") == now:
            return path
        if _sha256_of(path) != recorded:
            raise ModelCorrupt(
                f"Model '{model_id}' is damaged: {path.name} no longer matches the checksum "
                "recorded when it was installed.",
                hint=Hint(HintKind.REIMPORT_MODEL, model_id),
            )
        with contextlib.suppress(OSError):  # a read-only store: check again next time
            self._write_sidecar(model_id, **{**meta, "verified_stat": now})
        return path

    # --- internals ------------------------------------------------------------------------
    def _resolve_default(self) -> Path:
        chosen = self.default_model()
        if chosen and self.is_installed(chosen):
            return self.verified_path(chosen)
        catalog = self._catalog_or_none()
        if catalog is not None and self.is_installed(catalog.default.id):
            return self.verified_path(catalog.default.id)
        models = self.installed()
        if models:
            return self.verified_path(max(models, key=_quality_key).id)
        suggestion = None
        if catalog is not None:  # suggest a download that works without extra flags
            default = catalog.default
            suggestion = default.id if default.verified else self._verified_alternative(default)
        raise ModelNotFound(
            "No speech model is installed.", hint=Hint(HintKind.GET_A_MODEL, suggestion)
        )

    def _not_installed(self, model_id: str) -> ModelNotFound:
        if self._in_catalog(model_id):
            return ModelNotFound(
                f"Model '{model_id}' is not installed.",
                hint=Hint(HintKind.DOWNLOAD_MODEL, model_id),
            )
        installed = ", ".join(m.id for m in self.installed()) or "none"
        return ModelNotFound(
            f"Unknown model '{model_id}' (installed: {installed}).",
            hint=Hint(HintKind.CHOOSE_OTHER_MODEL),
        )

    def _describe(self, model_id: str) -> InstalledModel:
        path = self._bin(model_id)
        meta = _read_json(self._sidecar(model_id))

        def text(key: str) -> str | None:
            value = meta.get(key)
            return value if isinstance(value, str) else None

        multilingual = meta.get("multilingual")
        source_info = meta.get("source_info")
        return InstalledModel(
            id=model_id,
            path=path,
            size_bytes=path.stat().st_size,
            source=text("source") or "unknown",
            catalog_id=text("catalog_id"),
            sha256=text("sha256"),
            sha256_verified=meta.get("sha256_verified") is True,
            quantization=text("quantization"),
            family=text("family"),
            multilingual=multilingual if isinstance(multilingual, bool) else None,
            imported_from=text("imported_from"),
            source_info=source_info if isinstance(source_info, dict) else {},
        )

    def _bin(self, model_id: str) -> Path:
        return self.root / f"{model_id}.bin"

    def _sidecar(self, model_id: str) -> Path:
        return self.root / f"{model_id}.json"

    def _write_sidecar(self, model_id: str, **fields: Any) -> None:
        if "sha256" in fields and "verified_stat" not in fields:
            fields["verified_stat"] = _stat_key(self._bin(model_id))  # just hashed: it matches
        data = {**fields, "id": model_id, "sidecar_version": 1}
        data = {k: v for k, v in data.items() if v is not None}
        write_text_atomic(
            self._sidecar(model_id), json.dumps(data, indent=2, sort_keys=True) + "\n"
        )

    def _write_settings(self, **changes: Any) -> None:
        settings = _read_json(self.root / SETTINGS_FILE)  # keep keys other code may own
        settings.update(changes)
        settings = {k: v for k, v in settings.items() if v is not None}
        self.root.mkdir(parents=True, exist_ok=True)
        write_text_atomic(
            self.root / SETTINGS_FILE, json.dumps(settings, indent=2, sort_keys=True) + "\n"
        )

    def _bring_in(self, source: Path, dest: Path, *, copy: bool) -> None:
        """Copy or move ``source`` to ``dest`` through a temporary name, so ``dest`` is whole."""
        self.root.mkdir(parents=True, exist_ok=True)
        temp = self.root / f".{dest.name}.incoming"
        try:
            if copy:
                shutil.copyfile(source, temp)
            else:
                shutil.move(os.fspath(source), temp)  # across file systems: copy, then delete
            os.chmod(temp, new_file_mode())  # a moved temporary file would keep its 0600
            os.replace(temp, dest)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise ModelError(
                f"cannot install {dest.name} in {self.root}: {exc.strerror or exc}"
            ) from None
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def _catalog_or_none(self) -> Catalog | None:
        # A broken catalog must not stop the app from using models that are already installed.
        try:
            return self.catalog
        except ModelError:
            return None

    def _in_catalog(self, model_id: str) -> bool:
        catalog = self._catalog_or_none()
        return catalog is not None and model_id in catalog

    def _catalog_match(self, sha256: str) -> CatalogModel | None:
        catalog = self._catalog_or_none()
        return catalog.find_by_sha256(sha256) if catalog is not None else None

    def _verified_alternative(self, entry: CatalogModel) -> str | None:
        verified = [m for m in self.catalog if m.verified and m.downloadable]
        same_family = [m for m in verified if m.family == entry.family]
        return (same_family or verified)[0].id if verified else None


def _validate(path: Path) -> GgmlInfo:
    # Imported lazily: ggml_file is a sibling module that reads headers; listing needs none of it.
    from wavescribe.core.models.ggml_file import validate_ggml

    return validate_ggml(path)


def _quality_key(model: InstalledModel) -> tuple[int, int, int, str]:
    family = (model.family or model.catalog_id or model.id).lower()
    family_rank = next((rank for name, rank in _FAMILY_RANK if name in family), 0)
    quant = (model.quantization or "").lower()
    quant_rank = _QUANT_RANK.get(quant, 1 if quant else 0)
    return (family_rank, quant_rank, model.size_bytes, model.id)


def _stat_key(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _sha256_of(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _read_json(path: Path) -> dict[str, Any]:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            return data
    return {}


def _valid_id(model_id: str) -> bool:
    return bool(_ID_RE.match(model_id)) and ".." not in model_id


def _check_id(model_id: str) -> None:
    if not _valid_id(model_id):
        raise ModelError(
            f"'{model_id}' is not a valid model id: use letters, digits, '.', '_' and '-'"
        )


def _looks_like_path(spec: str) -> bool:
    separators = [os.sep, "/"] + ([os.altsep] if os.altsep else [])
    return any(sep in spec for sep in separators) or spec.lower().endswith(".bin")
