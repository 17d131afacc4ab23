"""Re-time selected cues to the speech: the refinement run on existing cues, one undo step.

For opened subtitles (or any transcript): the cues from the first selected to the last keep their
text, line breaks and order; ``core.refine.pipeline.retime_transcript`` snaps each to the speech it
overlaps (words spread over a cue that has none), and the boundaries between the words of each
stretch of speech come from the forced alignment, as in transcription. That runs in a worker
process of its own (``Engine(None)``: no whisper model), so that a native crash there costs the
word boundaries, not the editor; the cues are then re-timed without it and the status bar says
so. It runs on the audio between the neighbouring cues only, off the GUI thread, and its result
replaces the range as one ``ReplaceSpan`` step, never reaching over the cues around it. Cues
without text are kept as they are.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from wavescribe.core import errors
from wavescribe.core.editing.commands import ReplaceSpan
from wavescribe.core.editing.document import SubtitleDocument, clone_segment
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment, Transcript, Word
from wavescribe.gui.engine_bridge import run_task

if TYPE_CHECKING:
    from wavescribe.core.engine.client import Engine
    from wavescribe.core.refine.forced_alignment import Retime

RATE = 16_000  # the editor's samples (core.audio.load)


@dataclass
class RetimeJob:
    """One run: the document, the cue range ``first..last`` and the window it may use (ms)."""

    doc: SubtitleDocument
    first: int
    last: int
    window: tuple[int, int]
    revision: int  # the document's revision when it started: an edit meanwhile voids it


def plan(doc: SubtitleDocument, rows: list[int], duration_ms: int) -> RetimeJob | None:
    """The job for the selected ``rows``: their whole range, between its neighbours' edges.

    None when nothing is selected or a neighbour overlaps the range (fix the overlap first).
    """
    if not rows or not len(doc):
        return None
    first, last = min(rows), max(rows)
    segs, inside = doc.segments, doc.segments[first : last + 1]
    prev = segs[first - 1] if first > 0 else None
    after = segs[last + 1] if last + 1 < len(segs) else None
    lo = prev.end if prev is not None else 0
    hi = after.start if after is not None else max(duration_ms, max(s.end for s in inside))
    if lo > min(s.start for s in inside) or hi < max(s.end for s in inside):
        return None  # a neighbour overlaps the range: it would be taken with it
    if (prev is not None and prev.start == prev.end) or (after is not None and after.duration == 0):
        return None  # a zero-length neighbour on the edge counts as inside the range
    return RetimeJob(doc, first, last, (lo, hi), doc.revision)


@dataclass
class Retimed:
    """The re-timed cues (absolute ms), and why words were not aligned, if they were not."""

    cues: list[Segment]
    warning: str | None = None


def retime_cues(
    job: RetimeJob,
    samples: np.ndarray,
    rules: SubtitleRules,
    cancelled: threading.Event | None = None,
    retime: Retime | None = None,
    progress: Any = None,
) -> Retimed:
    """The range's cues re-timed to the speech in the job's window (absolute ms); blocking.
    ``retime``: the forced alignment's runner, in window time (:func:`aligner_in`); none: the
    words of a cue are spread over it by their length."""
    from wavescribe.core.refine.pipeline import retime_transcript

    lo, hi = job.window
    source = [clone_segment(s) for s in job.doc.segments[job.first : job.last + 1]]
    spoken = [s for s in source if s.text.strip()]
    for seg in spoken:  # into the window's time
        seg.start, seg.end = seg.start - lo, seg.end - lo
        for w in seg.words:
            w.start, w.end = w.start - lo, w.end - lo
    audio = samples[lo * RATE // 1000 : hi * RATE // 1000]
    result = retime_transcript(
        Transcript(spoken, language=job.doc.transcript.language),
        audio,
        rules,
        cancelled=cancelled.is_set if cancelled is not None else None,
        word_alignment=retime is not None,
        retime=retime,
        progress=progress,
    )
    out = [clone_segment(s) for s in result.segments]
    for seg in out:
        seg.start, seg.end = seg.start + lo, seg.end + lo
        for w in seg.words:
            w.start, w.end = w.start + lo, w.end + lo
    out += [s for s in source if not s.text.strip()]  # no speech to find: left where they were
    report = result.metadata["refinement"].get("forced_alignment") or {}
    why = report.get("crashed") or report.get("error")
    warning = f"words not aligned: {why}" if why else None
    return Retimed(sorted(out, key=lambda s: s.start), warning)


def aligner_in(engine: Engine, media: str, origin_ms: int, on_event: Any = None) -> Retime:
    """The forced alignment of words of the window that starts at ``origin_ms`` of ``media``,
    run by ``engine`` (:meth:`Engine.retimer`). A file that moved or cannot be read now leaves
    the words as they were, with the reason: the cues are re-timed all the same (the editor
    holds the audio), with words by length."""
    aligned = engine.retimer(media, on_event, origin_ms)

    def retime(
        words: list[Word],
        regions: list[tuple[int, int]],
        doubted: dict[int, int],
        language: str | None,
        rough: bool = False,
    ) -> tuple[list[Word], dict[str, Any] | None]:
        try:
            return aligned(words, regions, doubted, language, rough)
        except errors.EngineCrashed:
            raise  # reported as a crash by the caller
        except (errors.InputError, errors.EngineError) as exc:
            return list(words), {"error": str(exc)}

    return retime


def command_for(job: RetimeJob, cues: list[Segment]) -> ReplaceSpan:
    command = ReplaceSpan(job.window[0], job.window[1], cues)
    n = job.last - job.first + 1
    command.label = f"Re-time {n} cue{'s' if n != 1 else ''} to the speech"
    return command


class Retimer(QObject):
    """Runs one re-timing at a time in a worker thread; signals arrive on the GUI thread.

    Its signals match :class:`~wavescribe.gui.editor.retranscribe.Retranscriber`'s, so the same
    progress bar (with Cancel) shows it. The word aligner's process starts on first use and
    stays for the next re-timing (it keeps the file's audio) until :meth:`shutdown`.
    """

    progress = Signal(str, float)  # what it is doing, fraction (-1: unknown)
    done = Signal(object, object)  # RetimeJob, Retimed
    ended = Signal(str)  # cancelled or failed: why, for the status bar
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job: RetimeJob | None = None
        self._cancel = threading.Event()
        self._engine: Engine | None = None

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(
        self,
        job: RetimeJob,
        samples: np.ndarray,
        rules: SubtitleRules,
        media: str | None = None,
    ) -> None:
        """``media``: the file ``samples`` were decoded from, for the word aligner (none: the
        words of each cue are spread over it)."""
        if self.job is not None:
            raise RuntimeError("cues are already being re-timed")
        self.job, self._cancel = job, threading.Event()
        cancel = self._cancel
        n = job.last - job.first + 1
        what = f"Re-timing {n} cue{'s' if n != 1 else ''} to the speech"
        self.running_changed.emit(True)
        self.progress.emit(what, -1.0)
        retime = None
        if media is not None:
            retime = aligner_in(self._aligner(), media, job.window[0], self._relay(job, what))
        run_task(
            lambda: retime_cues(job, samples, rules, cancel, retime),
            lambda result: self._finished(job, result),
            lambda exc: self._failed(job, exc),
        )

    def cancel(self) -> None:
        self._cancel.set()
        if self._engine is not None and self.job is not None:
            self._engine.cancel()

    def shutdown(self) -> None:
        """Cancel what runs and stop the word aligner's process."""
        self.cancel()
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def _aligner(self) -> Engine:
        if self._engine is None:
            from wavescribe.core.engine.client import Engine

            self._engine = Engine(None)
        return self._engine

    def _relay(self, job: RetimeJob, what: str) -> Any:
        """The aligner's progress events, brought to the GUI thread as ``progress``."""
        from wavescribe.core.events import Progress
        from wavescribe.core.throttle import Throttle
        from wavescribe.gui.engine_bridge import PROGRESS_INTERVAL_S, install

        runner, throttle = install(), Throttle(PROGRESS_INTERVAL_S)

        def on_event(event: Any) -> None:
            aligning = isinstance(event, Progress) and event.stage == "align"
            if aligning and throttle.ready(force=event.fraction >= 1.0):
                runner.to_gui(self._progress, job, f"{what}: timing words", event.fraction)

        return on_event

    def _progress(self, job: RetimeJob, what: str, fraction: float) -> None:
        if job is self.job:
            self.progress.emit(what, fraction)

    def _finished(self, job: RetimeJob, result: Retimed) -> None:
        if job is self.job:
            self._end()
            self.done.emit(job, result)

    def _failed(self, job: RetimeJob, exc: BaseException) -> None:
        if job is self.job:
            self._end()
            if isinstance(exc, errors.Cancelled):
                self.ended.emit("Re-timing cancelled: nothing changed")
            else:
                self.ended.emit(f"Re-timing failed: {exc}")

    def _end(self) -> None:
        self.job = None
        if self._engine is not None:  # a cancel that came before the aligner ran
            self._engine.drop_cancel()
        self.running_changed.emit(False)
