"""The transcription engine as the caller sees it: one worker process, loaded once, many jobs.

``Engine.transcribe`` blocks the calling thread (the CLI's main thread, or a GUI worker thread)
while the child process decodes and transcribes, and streams events to ``on_event``. ``cancel``
may be called from any thread or a signal handler: the child's abort callback stops whisper.cpp;
if it has not stopped within ``CANCEL_GRACE_S`` the child is killed. A child that dies raises
``EngineCrashed`` and the next job starts a fresh one.

A cancel is never dropped: one that arrives while the worker starts (Ctrl-C during "Loading
model") makes ``start`` raise ``Cancelled`` once the model is loaded, and one that arrives before a
job was handed to the worker cancels that job. The cancel state is reset only when a job ends.
The worker is spawned with SIGINT blocked, so the terminal's Ctrl-C (sent to the whole process
group) cannot kill it before it has set SIGINT to be ignored.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wavescribe.core import errors
from wavescribe.core.engine import whisper_log
from wavescribe.core.engine.compute_device import ComputeDevice
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.events import EventCallback, Progress, Warning_
from wavescribe.core.events import SegmentDecoded as SegmentDecoded  # the engine's events
from wavescribe.core.transcript import Segment, Transcript, Word

if TYPE_CHECKING:
    from wavescribe.core.refine.forced_alignment import Retime

CANCEL_GRACE_S = 1.0
LOAD_TIMEOUT_S = 300.0


class Engine:
    """A whisper.cpp model loaded in a child process. Use as a context manager or call close()."""

    def __init__(
        self, model_path: str | os.PathLike[str] | None, *, use_gpu: bool = True, dtw: bool = True
    ) -> None:
        """``dtw``: load the model with DTW token timestamps (word times refinement keeps); off
        for raw output (``--no-refine``), which keeps whisper.cpp's own times and its speed.
        ``model_path`` None: a worker that only force-aligns words (:meth:`force_align`), for
        subtitles re-timed in the editor; it loads no whisper model."""
        from wavescribe.core.models.ggml_file import validate_ggml

        self.model_path = "" if model_path is None else str(model_path)
        # never hand whisper.cpp a bad file
        self.model_info = validate_ggml(self.model_path) if self.model_path else None
        self.use_gpu = use_gpu
        self.system_info: dict[str, Any] = {}
        self.device: ComputeDevice | None = None  # known once the worker has loaded the model
        self._ctx = mp.get_context("spawn")
        self._proc: Any = None
        self._conn: Any = None
        self._cancel = self._ctx.Event()
        self._cancel_requested_at: float | None = None
        self._lock = threading.Lock()
        self._log_path = ""
        # Whether the worker loads the model with DTW token timestamps (turned off for good
        # when a load with them crashed; see core/engine/dtw_timing.py).
        self.dtw = dtw

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, on_event: EventCallback | None = None) -> None:
        """Spawn the worker and load the model (done lazily by ``transcribe`` too)."""
        if self._proc is not None and self._proc.is_alive():
            return
        self._discard_worker()
        self._log_path = _new_log_file()
        parent, child = self._ctx.Pipe()
        from wavescribe.core.engine.worker import worker_main

        if self._cancel_requested_at is None:
            self._cancel.clear()
        self._proc = self._ctx.Process(
            target=worker_main,
            args=(child, self._cancel, self.model_path, self.use_gpu, self._log_path, self.dtw),
            name="wavescribe-engine",
            daemon=True,
        )
        with _sigint_blocked():  # the child inherits the mask; it unblocks once SIGINT is ignored
            self._proc.start()
        child.close()
        self._conn = parent
        if on_event:
            on_event(Progress("load", 0.0))
        try:
            what = "loading the model" if self.model_path else "starting"
            msg = self._receive(timeout=LOAD_TIMEOUT_S, what=what)
        except errors.EngineCrashed:
            if not self.dtw or self._cancel_requested_at is not None:
                raise
            # whisper.cpp 1.8.5 crashes when it refuses a model's alignment heads: load the
            # model without DTW; words then keep whisper.cpp's own times.
            self.dtw = False
            self._discard_worker()
            self.start(on_event)
            if on_event:
                on_event(Warning_("word timing without DTW: loading the model with it failed"))
            return
        if msg[0] == "error":
            self._discard_worker()
            raise _error_from(*msg[1:])
        self.system_info = msg[1]
        self.device = ComputeDevice.from_dict(msg[1]["device"]) if "device" in msg[1] else None
        if self._cancel_requested_at is not None:  # asked while the model loaded
            raise errors.Cancelled("cancelled while loading the model")
        if on_event:
            if self.device is not None and self.device.fallback:
                on_event(Warning_(self.device.fallback))
            on_event(Progress("load", 1.0))

    def close(self) -> None:
        """Stop the worker process (politely, then by force)."""
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            with contextlib.suppress(OSError, BrokenPipeError):
                self._conn.send(("quit",))
            self._proc.join(2.0)
        self._discard_worker()

    def log_text(self) -> str:
        """whisper.cpp's log (the worker's native stderr) so far; "" before start or after close."""
        if not self._log_path:
            return ""
        try:
            with open(self._log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- jobs ------------------------------------------------------------------------------
    def transcribe(
        self,
        path: str | os.PathLike[str],
        options: TranscribeOptions | None = None,
        on_event: EventCallback | None = None,
    ) -> Transcript:
        """Transcribe one file; raises InputError, EngineError, EngineCrashed or Cancelled."""
        from wavescribe.core.audio.load import probe

        if not self.model_path:
            raise errors.EngineError("this engine has no whisper model: it only aligns words")
        options = options or TranscribeOptions()
        probe(path)  # fail fast, in this process, on missing or non-audio input
        name = Path(path).name
        (result,) = self._job(
            ("transcribe", str(path), options.to_dict()),
            "done",
            f"transcribing {name}",
            f"transcription of {name} cancelled",
            on_event,
        )
        return Transcript.from_dict(result)

    def force_align(
        self,
        path: str | os.PathLike[str],
        words: Sequence[Word],
        regions: Sequence[tuple[int, int]],
        doubted: Mapping[int, int],
        language: str | None,
        on_event: EventCallback | None = None,
        rough: bool = False,
    ) -> tuple[list[Word], dict[str, Any] | None]:
        """``words`` of ``path`` re-timed inside ``regions`` by the acoustic forced alignment
        (:func:`refine.forced_alignment.retime_words`; ``rough`` as there), run in the worker so
        that a native crash there costs the job, not this process. Raises EngineCrashed or
        Cancelled."""
        what = f"aligning the words of {Path(path).name}"
        out, report = self._job(
            (
                "force_align",
                str(path),
                [w.to_dict() for w in words],
                [tuple(r) for r in regions],
                dict(doubted),
                language,
                rough,
            ),
            "aligned",
            what,
            f"{what} cancelled",
            on_event,
        )
        return [Word.from_dict(d) for d in out], report

    def retimer(
        self,
        path: str | os.PathLike[str],
        on_event: EventCallback | None = None,
        origin_ms: int = 0,
    ) -> Retime:
        """:meth:`force_align` on ``path`` as a ``forced_alignment.Retime``. The words and
        regions it is given are on the timeline of a window ``origin_ms`` into the file (the
        editor's selection), and come back on it."""

        def shifted(words: Sequence[Word], by: int) -> list[Word]:
            return [Word(w.start + by, w.end + by, w.text, w.probability) for w in words]

        def retime(
            words: list[Word],
            regions: list[tuple[int, int]],
            doubted: dict[int, int],
            language: str | None,
            rough: bool = False,
        ) -> tuple[list[Word], dict[str, Any] | None]:
            out, report = self.force_align(
                path,
                shifted(words, origin_ms),
                [(a + origin_ms, b + origin_ms) for a, b in regions],
                {end + origin_ms: edge + origin_ms for end, edge in doubted.items()},
                language,
                on_event,
                rough,
            )
            return shifted(out, -origin_ms), report

        return retime

    def _job(
        self,
        request: tuple[Any, ...],
        done: str,
        what: str,
        stopped: str,
        on_event: EventCallback | None,
    ) -> tuple[Any, ...]:
        """Hand ``request`` to the worker (started if need be) and pass its events on until the
        ``done`` message, whose payload is returned; ``stopped`` is the Cancelled message. The
        cancel (if any) was for this job: the next one starts clean."""
        with self._lock:
            try:
                self.start(on_event)
                if self._cancel_requested_at is not None:
                    raise errors.Cancelled(stopped)
                self._conn.send(request)
                while True:
                    msg = self._receive(timeout=None, what=what)
                    kind = msg[0]
                    if kind == done:
                        return msg[1:]
                    if kind == "progress" and on_event:
                        on_event(Progress(msg[1], float(msg[2])))
                    elif kind == "segment" and on_event:
                        on_event(SegmentDecoded(Segment.from_dict(msg[1])))
                    elif kind == "warning" and on_event:
                        on_event(Warning_(msg[1]))
                    elif kind == "cancelled":
                        raise errors.Cancelled(stopped)
                    elif kind == "error":
                        raise _error_from(*msg[1:])
            finally:
                self._cancel_requested_at = None
                self._cancel.clear()

    def cancel(self) -> None:
        """Ask the running job to stop; safe from any thread and from signal handlers."""
        self._cancel.set()
        if self._cancel_requested_at is None:
            self._cancel_requested_at = time.monotonic()

    def drop_cancel(self) -> None:
        """Forget a cancel asked for work that ended before it reached the engine (the caller's
        own steps were cancelled first), so that it does not stop the next job. Only for a
        caller that knows no job of this engine is running."""
        if not self._lock.locked():
            self._cancel_requested_at = None
            self._cancel.clear()

    @property
    def cancel_requested(self) -> bool:
        """Whether :meth:`cancel` was asked since the current (or last) job began; work the
        caller does after a job (alignment, say) polls this to stop too."""
        return self._cancel_requested_at is not None

    # -- internals -------------------------------------------------------------------------
    def _receive(self, timeout: float | None, what: str) -> tuple[Any, ...]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            asked = self._cancel_requested_at
            if asked is not None and time.monotonic() - asked > CANCEL_GRACE_S:
                # The native code did not honour the abort callback in time: kill it.
                self._discard_worker()
                raise errors.Cancelled(f"{what} cancelled")
            try:
                if self._conn.poll(0.05):
                    message: tuple[Any, ...] = self._conn.recv()
                    return message
            except (EOFError, OSError):
                pass
            else:
                if self._proc.is_alive():
                    if deadline is not None and time.monotonic() > deadline:
                        self._discard_worker()
                        raise errors.EngineError(f"the engine timed out while {what}")
                    continue
            if asked is not None:
                self._discard_worker()
                raise errors.Cancelled(f"{what} cancelled")
            raise self._crash_error(what)

    def _crash_error(self, what: str) -> errors.EngineCrashed:
        self._proc.join(1.0)
        code = self._proc.exitcode
        if code is not None and code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited unexpectedly (code {code})"
        last = whisper_log.last_problem(whisper_log.read_tail(self._log_path))
        self._discard_worker()
        detail = f" Last engine message: {last}" if last else ""
        if not self.model_path:
            return errors.EngineCrashed(
                f"The word aligner {how} while {what}; nothing was changed and the app is "
                f"unharmed.{detail}"
            )
        return errors.EngineCrashed(
            f"The whisper.cpp engine {how} while {what}; nothing was written and the app is "
            f"unharmed. Try again, or try another model.{detail}"
        )

    def _discard_worker(self) -> None:
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5.0)
            self._proc = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._log_path:
            with contextlib.suppress(OSError):
                os.unlink(self._log_path)
            self._log_path = ""


def _new_log_file() -> str:
    """An empty engine log in the data folder's logs/ (the system temp folder if that fails)."""
    from wavescribe.core.paths import logs_dir

    folder: str | None = str(logs_dir())
    try:
        os.makedirs(str(folder), exist_ok=True)
        fd, path = tempfile.mkstemp(prefix="engine-", suffix=".log", dir=folder)
    except OSError:
        fd, path = tempfile.mkstemp(prefix="wavescribe-engine-", suffix=".log")
    os.close(fd)
    return path


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread (and so in a child spawned meanwhile); POSIX only."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _error_from(
    name: str, message: str, hint: dict[str, Any] | None = None
) -> errors.WavescribeError:
    """The worker's error, raised here as the same class with the same hint."""
    advice = None
    if hint is not None:
        advice = errors.Hint(
            errors.HintKind(hint["kind"]), hint.get("model_id"), hint.get("alternative")
        )
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, errors.WavescribeError):
        return cls(message, hint=advice)
    return errors.EngineError(message, hint=advice)
