"""Re-time selected cues to the speech: the refinement run on existing cues, one undo step.

For opened subtitles (or any transcript): the cues from the first selected to the last keep their
text, line breaks and order; ``core.refine.pipeline.retime_transcript`` snaps each to the speech it
overlaps (words spread over a cue that has none). It runs on the audio between the neighbouring
cues only, off the GUI thread, and its result replaces the range as one ``ReplaceSpan`` step,
never reaching over the cues around it. Cues without text are kept as they are.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from wavescribe.core import errors
from wavescribe.core.editing.commands import ReplaceSpan
from wavescribe.core.editing.document import SubtitleDocument, clone_segment
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment, Transcript
from wavescribe.gui.engine_bridge import run_task

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


def retime_cues(
    job: RetimeJob,
    samples: np.ndarray,
    rules: SubtitleRules,
    cancelled: threading.Event | None = None,
) -> list[Segment]:
    """The range's cues re-timed to the speech in the job's window (absolute ms); blocking."""
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
        Transcript(spoken),
        audio,
        rules,
        cancelled=cancelled.is_set if cancelled is not None else None,
    )
    out = [clone_segment(s) for s in result.segments]
    for seg in out:
        seg.start, seg.end = seg.start + lo, seg.end + lo
        for w in seg.words:
            w.start, w.end = w.start + lo, w.end + lo
    out += [s for s in source if not s.text.strip()]  # no speech to find: left where they were
    return sorted(out, key=lambda s: s.start)


def command_for(job: RetimeJob, cues: list[Segment]) -> ReplaceSpan:
    command = ReplaceSpan(job.window[0], job.window[1], cues)
    n = job.last - job.first + 1
    command.label = f"Re-time {n} cue{'s' if n != 1 else ''} to the speech"
    return command


class Retimer(QObject):
    """Runs one re-timing at a time in a worker thread; signals arrive on the GUI thread.

    Its signals match :class:`~wavescribe.gui.editor.retranscribe.Retranscriber`'s, so the same
    progress bar (with Cancel) shows it.
    """

    progress = Signal(str, float)  # what it is doing, fraction (-1: unknown)
    done = Signal(object, object)  # RetimeJob, list[Segment]
    ended = Signal(str)  # cancelled or failed: why, for the status bar
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job: RetimeJob | None = None
        self._cancel = threading.Event()

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(self, job: RetimeJob, samples: np.ndarray, rules: SubtitleRules) -> None:
        if self.job is not None:
            raise RuntimeError("cues are already being re-timed")
        self.job, self._cancel = job, threading.Event()
        cancel = self._cancel
        n = job.last - job.first + 1
        self.running_changed.emit(True)
        self.progress.emit(f"Re-timing {n} cue{'s' if n != 1 else ''} to the speech", -1.0)
        run_task(
            lambda: retime_cues(job, samples, rules, cancel),
            lambda cues: self._finished(job, cues),
            lambda exc: self._failed(job, exc),
        )

    def cancel(self) -> None:
        self._cancel.set()

    def _finished(self, job: RetimeJob, cues: list[Segment]) -> None:
        if job is self.job:
            self._end()
            self.done.emit(job, cues)

    def _failed(self, job: RetimeJob, exc: BaseException) -> None:
        if job is self.job:
            self._end()
            if isinstance(exc, errors.Cancelled):
                self.ended.emit("Re-timing cancelled: nothing changed")
            else:
                self.ended.emit(f"Re-timing failed: {exc}")

    def _end(self) -> None:
        self.job = None
        self.running_changed.emit(False)
