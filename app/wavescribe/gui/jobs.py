"""The job queue as the window shows it: one row per job (``core.jobs.Job``), with its progress.

``JobQueueModel`` is fed by the ``EngineBridge`` signals (``attach``) and is the only place a job's
state changes; views and the window listen to its signals.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.humanize import format_clock
from wavescribe.core.jobs import STAGE_STATE, Job, JobState, overall_progress
from wavescribe.core.transcript import Segment, Transcript

_Index = QModelIndex | QPersistentModelIndex
NO_SPEECH = "No speech found"  # a finished job whose transcript has no cue


def state_text(job: Job) -> str:
    """The state as the row says it ("No speech found" for a done job with no cue)."""
    if job.state is JobState.DONE and job.transcript is not None and not job.transcript.segments:
        return NO_SPEECH
    return job.state.value


class JobQueueModel(QAbstractTableModel):
    """The jobs in the order they were added: file, state, progress, elapsed, ETA, Cancel."""

    COLUMNS = ("File", "State", "Progress", "Elapsed", "ETA", "")  # the last: Cancel or Retry
    FILE, STATE, PROGRESS, ELAPSED, ETA, CANCEL = range(6)
    JobRole = Qt.ItemDataRole.UserRole + 1
    ProgressRole = Qt.ItemDataRole.UserRole + 2

    job_changed = Signal(int)  # job id: state or progress changed
    segment_added = Signal(int, object)  # job id, Segment
    job_finished = Signal(int)  # done, failed or cancelled
    job_failed = Signal(int, object)  # job id, exception

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []
        self._next_id = 1

    # -- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job, col = self._jobs[index.row()], index.column()
        if role == self.JobRole:
            return job
        if role == self.ProgressRole and col == self.PROGRESS:
            return self._bar_value(job)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.FILE:
                return str(job.path)
            if col == self.STATE and job.error is not None:
                return str(job.error)
            if col == self.STATE and state_text(job) == NO_SPEECH:
                return "The file was transcribed and no speech was heard in it."
            if col == self.STATE and job.warnings:
                return "\n".join(job.warnings)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.ELAPSED, self.ETA):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # -- queue ----------------------------------------------------------------------------
    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs)

    def add(self, path: str | Path, options: TranscribeOptions, model: str | None = None) -> Job:
        job = Job(self._next_id, Path(path), options, model)
        self._next_id += 1
        self.beginInsertRows(QModelIndex(), len(self._jobs), len(self._jobs))
        self._jobs.append(job)
        self.endInsertRows()
        return job

    def add_finished(self, path: str | Path, transcript: Transcript) -> Job:
        """A transcript that needs no engine (e.g. from a project file)."""
        job = self.add(path, TranscribeOptions())
        job.transcript, job.state, job.progress = transcript, JobState.DONE, 1.0
        self._changed(job)
        return job

    def job(self, job_id: int) -> Job | None:
        return next((j for j in self._jobs if j.id == job_id), None)

    def row_of(self, job_id: int) -> int:
        return next((i for i, j in enumerate(self._jobs) if j.id == job_id), -1)

    def remove(self, job_id: int) -> None:
        row = self.row_of(job_id)
        if row >= 0 and self._jobs[row].state.finished:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._jobs[row]
            self.endRemoveRows()

    def clear_finished(self) -> None:
        for job in [j for j in self._jobs if j.state.finished]:
            self.remove(job.id)

    def requeue(self, job_id: int) -> bool:
        """Make a failed or cancelled job queued again, as it was before it ran."""
        job = self.job(job_id)
        if job is None or job.state not in (JobState.FAILED, JobState.CANCELLED):
            return False
        job.state, job.progress, job.stage_progress = JobState.QUEUED, 0.0, 0.0
        job.started_at = job.finished_at = job.transcript = job.error = None
        job.duration_ms = None
        job.segments, job.warnings = [], []
        self._changed(job)
        return True

    def mark_cancelling(self, job_id: int) -> None:
        job = self.job(job_id)
        if job is not None and job.state.running:
            job.state = JobState.CANCELLING
            self._changed(job)

    def tick(self) -> None:
        """Refresh the elapsed and ETA cells of running jobs (called by a timer)."""
        for row, job in enumerate(self._jobs):
            if job.state.running:
                self.dataChanged.emit(self.index(row, self.ELAPSED), self.index(row, self.ETA))

    # -- from the bridge ------------------------------------------------------------------
    def attach(self, bridge: Any) -> None:
        bridge.started.connect(self._on_started)
        bridge.probed.connect(self._on_probed)
        bridge.progress.connect(self._on_progress)
        bridge.segment.connect(self._on_segment)
        bridge.warning.connect(self._on_warning)
        bridge.finished.connect(self._on_finished)
        bridge.failed.connect(self._on_failed)
        bridge.cancelled.connect(self._on_cancelled)

    def _on_started(self, job_id: int) -> None:
        if job := self.job(job_id):
            job.started_at = time.monotonic()
            job.state = JobState.DECODING
            self._changed(job)

    def _on_probed(self, job_id: int, info: Any) -> None:
        if job := self.job(job_id):
            job.duration_ms = info.duration_ms or None

    def _on_progress(self, job_id: int, stage: str, fraction: float) -> None:
        job = self.job(job_id)
        if job is None or job.state.finished:
            return
        if job.state is not JobState.CANCELLING:
            job.state = STAGE_STATE.get(stage, job.state)
        job.stage_progress = fraction
        overall = overall_progress(stage, fraction, job.options.refine)
        if overall is not None:
            job.progress = max(job.progress, overall)
        self._changed(job)

    def _on_segment(self, job_id: int, segment: Segment) -> None:
        job = self.job(job_id)
        if job is None or job.state.finished:
            return
        job.segments.append(segment)
        if job.duration_ms:  # whisper.cpp's own progress comes in coarse steps; segments help
            done = overall_progress("transcribe", segment.end / job.duration_ms, job.options.refine)
            job.progress = max(job.progress, done or 0.0)
            self._changed(job)
        self.segment_added.emit(job_id, segment)

    def _on_warning(self, job_id: int, message: str) -> None:
        if job := self.job(job_id):
            job.warnings.append(message)
            self._changed(job)

    def _on_finished(self, job_id: int, transcript: Transcript) -> None:
        if job := self.job(job_id):
            job.transcript, job.progress = transcript, 1.0
            self._finish(job, JobState.DONE)

    def _on_failed(self, job_id: int, exc: BaseException) -> None:
        if job := self.job(job_id):
            job.error = exc
            self._finish(job, JobState.FAILED)
            self.job_failed.emit(job_id, exc)

    def _on_cancelled(self, job_id: int) -> None:
        if job := self.job(job_id):
            self._finish(job, JobState.CANCELLED)

    # -- internals ------------------------------------------------------------------------
    def _finish(self, job: Job, state: JobState) -> None:
        job.state = state
        if job.started_at is not None:
            job.finished_at = time.monotonic()
        self._changed(job)
        self.job_finished.emit(job.id)

    def _changed(self, job: Job) -> None:
        row = self.row_of(job.id)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
            self.job_changed.emit(job.id)

    @staticmethod
    def _bar_value(job: Job) -> float | None:
        """0..1 for the bar; None for a busy indicator (loading a model has no fraction)."""
        if job.state is JobState.PREPARING_MODEL:
            return job.stage_progress
        if job.state is JobState.LOADING_MODEL:
            return None
        return job.progress

    def _display(self, job: Job, col: int) -> str:
        if col == self.FILE:
            return job.name
        if col == self.STATE:
            return state_text(job) + (" ⚠" if job.warnings and job.state.finished else "")
        if col == self.PROGRESS:
            if job.state in (JobState.FAILED, JobState.CANCELLED):
                return f"Stopped at {int(job.progress * 100)} %" if job.progress else "—"
            value = self._bar_value(job)
            return "" if value is None else f"{int(value * 100)} %"
        if col == self.ELAPSED:
            return format_clock(job.elapsed())
        if col == self.ETA:
            return format_clock(job.eta())
        if col == self.CANCEL:
            if job.state in (JobState.FAILED, JobState.CANCELLED):
                return "Retry"
            return "" if job.state.finished else "Cancel"
        return ""
