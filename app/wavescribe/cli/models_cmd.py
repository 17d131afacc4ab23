"""``wavescribe models``: list, download, import, remove and choose the default model."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

from wavescribe.cli.progress import ProgressLine
from wavescribe.core.humanize import format_duration, format_size

STALL_NOTICE_S = 8.0  # no byte for this long: say so (the socket gives up after 30 s)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("models", help="manage speech models", description="Manage speech models.")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    ls = msub.add_parser("list", help="the catalog and what is installed")
    ls.set_defaults(run=run_list)

    dl = msub.add_parser("download", help="download a catalog model (resumable, checksummed)")
    dl.add_argument("model_id", metavar="ID")
    dl.add_argument(
        "--allow-unverified",
        action="store_true",
        help="accept a catalog entry that has no published checksum (validated structurally)",
    )
    dl.set_defaults(run=run_download)

    im = msub.add_parser(
        "import", help="install a GGML file or convert a faster-whisper (CTranslate2) folder"
    )
    im.add_argument("path", metavar="PATH")
    im.add_argument("--id", dest="model_id", help="id to install it as")
    im.add_argument(
        "--quantize", choices=("f16", "q8_0"), default="f16", help="for CTranslate2 folders"
    )
    im.set_defaults(run=run_import)

    rm = msub.add_parser("remove", help="delete an installed model")
    rm.add_argument("model_id", metavar="ID")
    rm.set_defaults(run=run_remove)

    de = msub.add_parser("default", help="choose the model used when none is given")
    de.add_argument("model_id", metavar="ID")
    de.set_defaults(run=run_default)


def run_list(args: argparse.Namespace) -> int:
    from wavescribe.core.errors import ModelError
    from wavescribe.core.models.store import ModelStore

    store = ModelStore()
    installed = {m.id: m for m in store.installed()}
    catalog = store.catalog
    try:
        in_use = store.resolve(None).stem  # what a transcription without -m would use
    except ModelError:  # none installed, or the default is damaged: the list still shows
        in_use = catalog.default.id
    print(f"Models folder: {store.root}")
    print(f"{'':2}{'ID':<24}{'SIZE':>9}  {'LANGUAGES':<13}{'QUANT':<7}STATUS")
    rows = [(m.id, m.size_bytes, m.multilingual, m.quantization, m) for m in catalog]
    rows += [
        (mid, im.size_bytes, im.multilingual, im.quantization or "?", None)
        for mid, im in installed.items()
        if mid not in catalog
    ]
    for mid, size, multilingual, quant, entry in rows:
        have = installed.get(mid)
        if have is not None:
            size, quant = have.size_bytes, have.quantization or quant
            status = "installed" if entry is not None else f"installed ({have.source})"
        elif entry is not None and not entry.downloadable:
            status = "converted on first use" if _source_present(entry.id) else "not bundled"
        else:
            status = "available"
        if entry is not None and mid == catalog.default.id:
            status += " (catalog default)"
        langs = {True: "multilingual", False: "English", None: "?"}[multilingual]
        mark = "*" if mid == in_use else " "
        print(f"{mark} {mid:<24}{format_size(size):>9}  {langs:<13}{quant:<7}{status}")
    print("* = used when no model is given")
    return 0


def _source_present(model_id: str) -> bool:
    from wavescribe.core.models import starter

    if model_id == starter.STARTER_ID:
        return starter.starter_available()
    if model_id == starter.MULTILINGUAL_ID:
        import importlib.util

        return all(importlib.util.find_spec(n) for n in starter.BASE_PARTS)
    return False


def run_download(args: argparse.Namespace) -> int:
    from wavescribe.core.models.store import ModelStore

    progress = ProgressLine(sys.stderr, prefix=f"{args.model_id}: ")
    with download_reporter(progress, armed=True) as report:
        model = ModelStore().download(
            args.model_id, progress=report, allow_unverified=args.allow_unverified
        )
    progress.message(f"Installed {model.id} at {model.path}")
    return 0


class download_reporter:
    """Show a DownloadProgress as bytes done/total, rate and ETA; say so when it stalls.

    The download calls back only when bytes arrive, so a watcher thread notices silence: after
    ``stall_after_s`` without a report it prints one line (and again when data flows again).
    ``armed=False`` starts watching only at the first report, for callers that may not download.
    Use as a context manager (stops the watcher) or call it directly (no stall notice).
    """

    def __init__(
        self, progress: ProgressLine, *, armed: bool = False, stall_after_s: float = STALL_NOTICE_S
    ) -> None:
        self.progress = progress
        self.stall_after_s = stall_after_s
        self._last: float | None = time.monotonic() if armed else None
        self._stalled = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stall-watch", daemon=True)

    def __call__(self, p: Any) -> None:
        self._last = time.monotonic()
        if self._stalled and p.bytes_done:
            self._stalled = False
            self.progress.message("download: data is flowing again")
        rate = f"{format_size(int(p.rate_bps))}/s" if p.rate_bps else ""
        eta = f"ETA {format_duration(p.eta_s)}" if p.eta_s is not None else ""
        total = format_size(p.bytes_total) if p.bytes_total else "?"
        self.progress.update(
            "download", p.fraction, f"{format_size(p.bytes_done)}/{total} {rate} {eta}"
        )

    def __enter__(self) -> download_reporter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(min(0.5, self.stall_after_s / 4)):
            last = self._last
            if last is None or self._stalled:
                continue
            silent = time.monotonic() - last
            if silent >= self.stall_after_s:
                self._stalled = True
                self.progress.message(
                    f"download stalled: no data for {silent:.0f} s; still waiting for the "
                    "server (it is given up after 30 s; Ctrl-C stops, and downloading again "
                    "resumes)"
                )


def run_import(args: argparse.Namespace) -> int:
    from wavescribe.core.errors import InputNotFound
    from wavescribe.core.models.store import ModelStore

    store = ModelStore()
    src = Path(args.path).expanduser()
    if src.is_dir():
        from wavescribe.core.models.starter import import_ct2_folder

        progress = ProgressLine(sys.stderr, prefix=f"{src.name}: ")
        model_id = args.model_id or f"{src.name}-{args.quantize}"
        model = import_ct2_folder(
            store, src, model_id, args.quantize, progress=lambda f: progress.update("convert", f)
        )
        progress.message(f"Converted and installed {model.id} at {model.path}")
    elif src.is_file():
        model = store.register_file(src, model_id=args.model_id, copy=True)
        print(f"Installed {model.id} at {model.path}")
    else:
        raise InputNotFound(f"{src} does not exist")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from wavescribe.core.models.store import ModelStore

    ModelStore().remove(args.model_id)
    print(f"Removed {args.model_id}")
    return 0


def run_default(args: argparse.Namespace) -> int:
    from wavescribe.core.models.store import ModelStore

    ModelStore().set_default(args.model_id)
    print(f"Default model: {args.model_id}")
    return 0
