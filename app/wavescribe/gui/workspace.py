"""What the window works on: the job queue, the engine bridge, and which transcript is shown.

The window only lays out widgets and turns user gestures into calls here; this object decides what
they mean. Which job the transcript view shows: the one the user clicked, else the newest job
that has decoded something (so a batch can be watched as it runs, and a file that fails before
producing text never blanks a transcript on screen).

A file joins Open Recent once its job is done (or cancelled after its audio was read): one that
failed is not offered again.
Every job's end is said in the status bar (done with N subtitles, no speech found, cancelled,
failed), replacing the last progress message.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.jobs import Job, JobState
from wavescribe.core.models.hardware_fit import SystemInfo
from wavescribe.core.project.peak_cache import PeakCache
from wavescribe.core.transcript import Segment, Transcript
from wavescribe.gui import options as options_mod
from wavescribe.gui import settings
from wavescribe.gui.engine_bridge import EngineBridge
from wavescribe.gui.errors import show_error
from wavescribe.gui.jobs import NO_SPEECH, JobQueueModel

if TYPE_CHECKING:
    from wavescribe.core.models.store import ModelStore
    from wavescribe.gui.editor.undo import EditStack

PROJECT_SUFFIX = ".wsproj"  # the same as core.project's; not imported, to keep start-up light


class Workspace(QObject):
    shown_changed = Signal(object)  # the Job whose transcript is shown, or None
    shown_segment = Signal(object)  # a Segment just decoded for the shown job
    project_requested = Signal(str)  # a .wsproj was dropped or opened with the media files
    subtitles_requested = Signal(object, object)  # a subtitle Path and its media Path (or None)
    status = Signal(str)

    def __init__(
        self, window: QWidget, store_factory: Callable[[], ModelStore] | None = None
    ) -> None:
        super().__init__(window)
        self._window = window
        self.jobs = JobQueueModel(self)
        self.peak_cache = PeakCache()  # the projects say where each audio's peaks belong
        self.system_info = SystemInfo()  # whisper.cpp's, for the About box and the model manager
        self.bridge = EngineBridge(self, store_factory, backend=self.system_info)
        self.jobs.attach(self.bridge)
        self.defaults, self.default_model = options_mod.load_defaults()
        self.shown: Job | None = None
        self._pinned = False  # the user chose what is shown; do not follow new jobs
        self._stacks: dict[int, EditStack] = {}  # job id -> its undo history (see edit_stack)
        self.jobs.segment_added.connect(self._on_segment)
        self.jobs.job_finished.connect(self._on_finished)
        self.jobs.job_failed.connect(self._on_failed)
        self.jobs.job_changed.connect(self._on_changed)

    # -- adding work ----------------------------------------------------------------------
    def add_files(self, paths: Iterable[str | os.PathLike[str]]) -> list[Job]:
        """Queue each media file; project and subtitle files are handed to their openers."""
        from wavescribe.gui.open_subtitles import pair_up

        pairs, paths = pair_up(paths)
        for subtitle, media in pairs:
            self.subtitles_requested.emit(subtitle, media)
        added = []
        for raw in paths:
            path = Path(raw).expanduser()
            if path.suffix.lower() == PROJECT_SUFFIX:
                self.project_requested.emit(str(path))
                continue
            job = self.jobs.add(path.absolute(), _copy(self.defaults), self.default_model)
            self.bridge.submit(job.id, str(job.path), job.options, job.model)
            added.append(job)
        if added:
            self.status.emit(f"Added {len(added)} file{'s' if len(added) > 1 else ''} to the queue")
        return added

    def add_transcript(self, audio_path: str | Path, transcript: Transcript) -> Job:
        """Show a transcript that needs no transcription (an opened or recovered project)."""
        job = self.jobs.add_finished(audio_path, transcript)
        self.show_job(job.id, pinned=True)
        return job

    # -- job control ----------------------------------------------------------------------
    def cancel(self, job_id: int) -> None:
        self.jobs.mark_cancelling(job_id)
        self.bridge.cancel(job_id)

    def cancel_all(self) -> None:
        for job in reversed(self.jobs.jobs):  # queued ones first, so none starts meanwhile
            if not job.state.finished:
                self.cancel(job.id)

    def retry(self, job_id: int) -> bool:
        """Run a failed or cancelled job again, in its row, with its own options."""
        if not self.jobs.requeue(job_id):
            return False
        job = self.jobs.job(job_id)
        assert job is not None
        self.bridge.submit(job.id, str(job.path), job.options, job.model)
        if self.shown is not None and self.shown.id == job_id:
            self.shown_changed.emit(job)  # its live segments start again from none
        self.status.emit(f"{job.name}: queued again")
        return True

    def set_defaults(self, options: TranscribeOptions, model: str | None) -> None:
        self.defaults, self.default_model = _copy(options), model
        options_mod.save_defaults(options, model)

    def set_job_options(self, job_id: int, options: TranscribeOptions, model: str | None) -> bool:
        job = self.jobs.job(job_id)
        if job is None or not self.bridge.update(job_id, options, model):
            return False
        job.options, job.model = _copy(options), model
        return True

    def remove(self, job_id: int) -> None:
        if self.shown is not None and self.shown.id == job_id:
            self.show_job(None)
        self.jobs.remove(job_id)

    def clear_finished(self) -> None:
        if self.shown is not None and self.shown.state.finished:
            self.show_job(None)
        self.jobs.clear_finished()

    def shutdown(self) -> None:
        self.bridge.shutdown()

    # -- what is shown --------------------------------------------------------------------
    def show_job(self, job_id: int | None, pinned: bool = True) -> None:
        self.shown = self.jobs.job(job_id) if job_id is not None else None
        self._pinned = pinned and self.shown is not None
        self.shown_changed.emit(self.shown)

    def edit_stack(self, job: Job) -> EditStack:
        """``job``'s own undo history, kept while the job is listed (switching keeps it).

        A new transcript for the job (a retry) starts a new history; removed jobs' go.
        """
        from wavescribe.core.editing.document import SubtitleDocument
        from wavescribe.gui.editor.undo import EditStack

        assert job.transcript is not None
        listed = {j.id for j in self.jobs.jobs}
        for gone in [k for k in self._stacks if k not in listed]:
            self._stacks.pop(gone).deleteLater()
        stack = self._stacks.get(job.id)
        if stack is None or stack.doc.transcript is not job.transcript:
            if stack is not None:
                stack.deleteLater()
            stack = self._stacks[job.id] = EditStack(SubtitleDocument(job.transcript), self)
        return stack

    def existing_stack(self, job: Job) -> EditStack | None:
        """``job``'s undo history if the editor made one for its current transcript."""
        stack = self._stacks.get(job.id)
        return stack if stack is not None and stack.doc.transcript is job.transcript else None

    def shown_transcript(self) -> Transcript | None:
        """The finished transcript on screen (what Export and Save write), if any."""
        if self.shown is not None and self.shown.state is JobState.DONE:
            return self.shown.transcript
        return None

    def _on_segment(self, job_id: int, segment: Segment) -> None:
        if self.shown is not None and self.shown.id == job_id:
            self.shown_segment.emit(segment)
        elif not self._pinned or self.shown is None:
            self.show_job(job_id, pinned=False)

    def _on_finished(self, job_id: int) -> None:
        job = self.jobs.job(job_id)
        if job is None:
            return
        if self.shown is not None and self.shown.id == job_id:
            self.shown_changed.emit(job)  # the refined transcript replaces the live segments
        elif job.state is JobState.DONE and (self.shown is None or not self._pinned):
            self.show_job(job_id, pinned=False)  # a file too short to decode anything live
        if job.state is JobState.DONE:
            cues = len(job.transcript.segments) if job.transcript else 0
            said = f"done, {cues} subtitles" if cues else NO_SPEECH.lower()
            self.status.emit(f"{job.name}: {said}")
        elif job.state is JobState.CANCELLED:
            self.status.emit(f"{job.name}: cancelled")
        elif job.state is JobState.FAILED and job.error is not None:
            from wavescribe.gui.errors import explain

            self.status.emit(f"{job.name}: failed — {explain(job.error).title}")
        readable = job.duration_ms is not None  # probed: the engine could read it
        if job.state is JobState.DONE or (job.state is JobState.CANCELLED and readable):
            settings.add_recent_file(job.path)  # a file that failed is not offered again

    def _on_failed(self, job_id: int, exc: BaseException) -> None:
        job = self.jobs.job(job_id)
        show_error(self._window, exc, job.name if job else "")

    def _on_changed(self, job_id: int) -> None:
        job = self.jobs.job(job_id)
        if job is not None and job.state.running:
            self.status.emit(f"{job.name}: {job.state.value} — {int(job.progress * 100)} %")


def _copy(options: TranscribeOptions) -> TranscribeOptions:
    return TranscribeOptions.from_dict(options.to_dict())
