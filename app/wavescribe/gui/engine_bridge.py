"""The one bridge from core work to the GUI thread.

Two ways in, one way back:

* ``run_task(func, on_done, on_error)`` runs short blocking work (probing, exporting, listing
  models) on a small thread pool, as in Picard;
* ``EngineBridge`` runs transcription jobs one after another on its own worker thread: it probes
  the file, resolves (and, on first use, converts) the model, keeps one ``Engine`` per model (the
  model is loaded once, in the engine's child process) and streams core events out.

Everything comes back through ``to_gui``, which queues a call onto the GUI thread's event loop; the
bridge's signals are therefore always emitted on the GUI thread. Core code never sees Qt.
"""

from __future__ import annotations

import collections
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

from wavescribe.core.engine.options import TranscribeOptions

if TYPE_CHECKING:
    from wavescribe.core.engine.client import Engine
    from wavescribe.core.models.store import ModelStore

PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress updates a second reach the GUI per job


class _Relay(QObject):
    """Lives in the GUI thread; a queued signal carries callables to it from any thread."""

    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except RuntimeError as exc:
            # The receiver (a closed window's widget) was deleted while the call was queued.
            if "already deleted" not in str(exc):
                raise


_relay: _Relay | None = None
_executor: Executor | None = None


def install() -> None:
    """Create the relay in the GUI thread; call once after the QApplication exists."""
    global _relay
    if _relay is None:
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("create the QApplication before the engine bridge")
        _relay = _Relay()
        _relay.moveToThread(app.thread())


def to_gui(fn: Callable[..., Any], *args: Any) -> None:
    """Call ``fn(*args)`` on the GUI thread, from its event loop (safe from any thread)."""
    if _relay is None:
        raise RuntimeError("engine_bridge.install() was not called")
    _relay.call.emit(functools.partial(fn, *args))


def run_task(
    func: Callable[[], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> Future:
    """Run ``func`` off the GUI thread; its result or exception comes back through ``to_gui``."""
    global _executor
    install()
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wavescribe-task")

    def work() -> Any:
        try:
            result = func()
        except BaseException as exc:  # every failure must reach the GUI
            to_gui(on_error or _unhandled, exc)
            return None
        if on_done is not None:
            to_gui(on_done, result)
        return result

    return _executor.submit(work)


def _unhandled(exc: BaseException) -> None:
    from wavescribe.gui.errors import show_error

    show_error(None, exc)


@dataclass(eq=False)
class _Request:
    job_id: int
    path: str
    options: TranscribeOptions
    model: str | None
    cancel: threading.Event = field(default_factory=threading.Event)


class EngineBridge(QObject):
    """Runs jobs in order on one worker thread; every signal is emitted on the GUI thread.

    A job's life: ``started`` → ``probed`` → ``progress`` (stages model, load, decode, transcribe,
    refine) with ``segment`` as each one is decoded → exactly one of ``finished``, ``failed``,
    ``cancelled``.
    """

    started = Signal(int)
    probed = Signal(int, object)  # AudioInfo
    model_resolved = Signal(int, str)  # path of the GGML file
    progress = Signal(int, str, float)  # stage, fraction of that stage
    segment = Signal(int, object)  # Segment, as whisper.cpp decodes it
    warning = Signal(int, str)
    finished = Signal(int, object)  # Transcript
    failed = Signal(int, object)  # the exception (a core error, or a bug)
    cancelled = Signal(int)
    backend_info = Signal(str)  # whisper.cpp's system info, once an engine has started
    device_info = Signal(str, str)  # the device computed on, and why not the GPU ("" if no why)

    def __init__(
        self,
        parent: QObject | None = None,
        store_factory: Callable[[], ModelStore] | None = None,
        max_engines: int = 2,
    ) -> None:
        super().__init__(parent)
        install()
        self._store_factory = store_factory
        self._max_engines = max_engines
        self._queue: collections.deque[_Request] = collections.deque()
        self._cond = threading.Condition()
        self._current: _Request | None = None
        self._current_engine: Engine | None = None
        # One engine per (model file, use_gpu), kept loaded: the model loads once per choice.
        self._engines: collections.OrderedDict[tuple[str, bool], Engine] = collections.OrderedDict()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.system_info = ""
        self.device = ("", "")

    # -- GUI thread API -------------------------------------------------------------------
    def submit(
        self, job_id: int, path: str, options: TranscribeOptions, model: str | None = None
    ) -> None:
        """Queue a job; ``model`` is an installed id, a GGML path, or None for the default."""
        options = TranscribeOptions.from_dict(options.to_dict())  # the worker owns its copy
        with self._cond:
            if self._stopping:
                raise RuntimeError("the engine bridge has been shut down")
            self._queue.append(_Request(job_id, str(path), options, model))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="wavescribe-engine-bridge", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def cancel(self, job_id: int) -> None:
        """Drop a queued job at once, or ask the running one to stop (within about a second)."""
        engine = None
        with self._cond:
            for req in self._queue:
                if req.job_id == job_id:
                    self._queue.remove(req)
                    to_gui(self.cancelled.emit, job_id)
                    return
            if self._current is not None and self._current.job_id == job_id:
                self._current.cancel.set()
                engine = self._current_engine
        if engine is not None:
            engine.cancel()

    def update(self, job_id: int, options: TranscribeOptions, model: str | None) -> bool:
        """Change a job's options while it is still queued; False once it has started."""
        with self._cond:
            for req in self._queue:
                if req.job_id == job_id:
                    req.options = TranscribeOptions.from_dict(options.to_dict())
                    req.model = model
                    return True
        return False

    def is_busy(self) -> bool:
        with self._cond:
            return self._current is not None or bool(self._queue)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel everything, stop the worker thread and the engine processes."""
        with self._cond:
            self._stopping = True
            self._queue.clear()
            current, engine = self._current, self._current_engine
            self._cond.notify()
        if current is not None:
            current.cancel.set()
            if engine is not None:
                engine.cancel()
        if self._thread is not None:
            self._thread.join(timeout)
        self._close_engines()

    # -- worker thread --------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    break
                req = self._current = self._queue.popleft()
            try:
                self._run(req)
            finally:
                with self._cond:
                    self._current = self._current_engine = None
        self._close_engines()

    def _run(self, req: _Request) -> None:
        from wavescribe.core import errors

        to_gui(self.started.emit, req.job_id)
        try:
            transcript = self._transcribe(req)
        except errors.Cancelled:
            to_gui(self.cancelled.emit, req.job_id)
        except BaseException as exc:  # a bug must not kill the queue
            if req.cancel.is_set() and isinstance(exc, errors.EngineError):
                to_gui(self.cancelled.emit, req.job_id)  # the engine was killed on purpose
            else:
                to_gui(self.failed.emit, req.job_id, exc)
        else:
            to_gui(self.finished.emit, req.job_id, transcript)

    def _transcribe(self, req: _Request) -> Any:
        from wavescribe.core import errors
        from wavescribe.core.audio.load import probe
        from wavescribe.core.engine.client import Progress, SegmentDecoded, Warning_
        from wavescribe.core.models.starter import resolve_model

        info = probe(req.path)  # a bad file fails before any model work
        to_gui(self.probed.emit, req.job_id, info)
        report = _Throttle(lambda stage, f: to_gui(self.progress.emit, req.job_id, stage, f))
        model_path = resolve_model(
            req.model,
            self._store_factory() if self._store_factory else None,
            progress=lambda f: report("model", f),
            cancel=req.cancel.is_set,
        )
        to_gui(self.model_resolved.emit, req.job_id, str(model_path))
        if req.cancel.is_set():
            raise errors.Cancelled("cancelled")
        engine = self._engine_for(str(model_path), req.options.use_gpu)
        with self._cond:
            self._current_engine = engine

        def on_event(ev: Any) -> None:
            if req.cancel.is_set():  # closes the gap before transcribe() armed its cancel flag
                engine.cancel()
            if isinstance(ev, Progress):
                if ev.stage == "load" and ev.fraction >= 1.0:
                    self._note_backend(engine)
                report(ev.stage, ev.fraction)
            elif isinstance(ev, SegmentDecoded):
                to_gui(self.segment.emit, req.job_id, ev.segment)
            elif isinstance(ev, Warning_):
                to_gui(self.warning.emit, req.job_id, ev.message)

        return engine.transcribe(req.path, req.options, on_event)

    def _note_backend(self, engine: Engine) -> None:
        info = engine.system_info.get("system_info", "")
        if info and info != self.system_info:
            self.system_info = info
            to_gui(self.backend_info.emit, info)
        if engine.device is not None:
            device = (engine.device.name, engine.device.fallback or "")
            if device != self.device:
                self.device = device
                to_gui(self.device_info.emit, *device)

    def _engine_for(self, model_path: str, use_gpu: bool = True) -> Engine:
        from wavescribe.core.engine.client import Engine

        key = (model_path, use_gpu)
        with self._cond:
            engine = self._engines.pop(key, None)
        if engine is None:
            engine = Engine(model_path, use_gpu=use_gpu)  # validates the file before any process
        evicted = []
        with self._cond:
            self._engines[key] = engine  # most recently used last
            while len(self._engines) > self._max_engines:
                evicted.append(self._engines.popitem(last=False)[1])
        for oldest in evicted:
            oldest.close()
        return engine

    def _close_engines(self) -> None:
        # Both the worker (on its way out) and shutdown() may get here; each engine closes once.
        while True:
            with self._cond:
                if not self._engines:
                    return
                _, engine = self._engines.popitem()
            engine.close()


class _Throttle:
    """Pass on stage changes and ends at once, other progress at most every PROGRESS_INTERVAL_S."""

    def __init__(self, send: Callable[[str, float], None]) -> None:
        self._send = send
        self._stage = ""
        self._last = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        edge = stage != self._stage or fraction <= 0.0 or fraction >= 1.0
        if edge or now - self._last >= PROGRESS_INTERVAL_S:
            self._stage, self._last = stage, now
            self._send(stage, fraction)
