"""Project files, autosave, crash recovery and keeping transcripts across restarts, on top of
``core.project``.

* Save / Save As write the shown transcript, its audio path and options as a ``.wsproj`` file.
* Open reads one; when its audio has moved, the user is asked to find it (or opens it without).
* The waveform's peaks are kept beside the project (``talk.wspeaks``): written on save, read
  first on open (the workspace's ``PeakCache``), so a re-opened long file shows its waveform
  at once.
* Every finished transcript is autosaved (each job is its own autosave session) when it finishes,
  about a second and a half after each edit (debounced), and on a slow timer as a safety net.
  A crash leaves the autosaves, and the next start offers them back
  (:class:`~wavescribe.gui.recovery.StartupRecovery`).
* A clean exit *keeps* the autosave of every finished transcript still in the list that the user
  did not discard (``AutosaveStore.keep``); the next start puts them back in the list as done
  jobs, silently. Removing a job from the list (Remove, Clear Finished) or Discard in the quit
  dialog is what forgets a transcript.
* A transcript is *modified* when it has edits no project file holds (``is_modified``): the
  window title shows ``*`` and quitting asks Save / Discard / Cancel.

All file work runs through ``run_task``; dialogs are opened with ``open()``, never ``exec()``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from wavescribe.core.jobs import Job, JobState
from wavescribe.core.transcript import Transcript
from wavescribe.gui import settings
from wavescribe.gui.engine_bridge import run_task
from wavescribe.gui.errors import show_error
from wavescribe.gui.recovery import (
    NEVER,
    StartupRecovery,
    State,
    autosave_store,
    end_sessions,
)

if TYPE_CHECKING:
    from wavescribe.core.project.project_file import Project
    from wavescribe.gui.workspace import Workspace

PROJECT_FILTER = "Wavescribe projects (*.wsproj)"
# Saves one job, then calls the first callback, or the second when nothing was written.
SaveOne = Callable[[Job, Callable[[], None], Callable[[], None] | None], None]


def ask_project_save_path(parent: QWidget | None, suggested: Path) -> Path | None:
    """Native save dialog; tests replace this function."""
    chosen, _ = QFileDialog.getSaveFileName(parent, "Save Project", str(suggested), PROJECT_FILTER)
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix.lower() == ".wsproj" else path.with_name(path.name + ".wsproj")


def ask_project_open_path(parent: QWidget | None) -> Path | None:
    folder = settings.get_dir(settings.LAST_PROJECT_DIR)
    chosen, _ = QFileDialog.getOpenFileName(parent, "Open Project", folder, PROJECT_FILTER)
    return Path(chosen) if chosen else None


def ask_audio_path(parent: QWidget | None, missing: Path | None) -> Path | None:
    folder = str(missing.parent) if missing and missing.parent.is_dir() else str(Path.home())
    chosen, _ = QFileDialog.getOpenFileName(parent, "Find the Audio of This Project", folder)
    return Path(chosen) if chosen else None


class ProjectActions(StartupRecovery, QObject):
    AUTOSAVE_INTERVAL_MS = 10_000  # a safety net; edits are autosaved after AUTOSAVE_DEBOUNCE_MS
    AUTOSAVE_DEBOUNCE_MS = 1_500

    modified_changed = Signal()  # a transcript gained or lost unsaved edits

    def __init__(self, window: QWidget, workspace: Workspace) -> None:
        super().__init__(window)
        self._window = window
        self._workspace = workspace
        self._session = ""  # made on first autosave: core.autosave is not needed to start
        self._projects: dict[int, Project] = {}  # job id -> its project (for autosave and save)
        self._sessions: dict[int, str] = {}  # job id -> its autosave session, once written
        self._autosaved: dict[int, tuple[int, int, str | None, bool]] = {}  # job id -> _state_of
        self._baseline: dict[int, State] = {}  # job id -> state its project file holds
        self._discarded: set[int] = set()  # the user chose Discard: not autosaved, not kept
        self._autosaving = False
        self._inflight: concurrent.futures.Future[Any] | None = None  # the autosave being written
        self._again = False  # something asked for an autosave while one was being written
        self._after: list[Callable[[], None]] = []
        self._timer = QTimer(self)
        self._timer.setInterval(self.AUTOSAVE_INTERVAL_MS)
        self._timer.timeout.connect(self.autosave_now)
        self._timer.start()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(self.AUTOSAVE_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.autosave_now)
        workspace.jobs.job_finished.connect(lambda _id: self.autosave_now())
        workspace.jobs.rowsAboutToBeRemoved.connect(self._on_rows_removed)
        workspace.project_requested.connect(lambda p: self.open(Path(p)))

    # -- what is unsaved ------------------------------------------------------------------
    def is_modified(self, job: Job) -> bool:
        """Whether ``job``'s transcript has edits that no project file holds."""
        if job.state is not JobState.DONE or job.transcript is None:
            return False
        return self._baseline.get(job.id, (id(job.transcript), 0)) != _current(job)

    def unsaved_jobs(self) -> list[Job]:
        """Modified transcripts in the list, in its order (those the user discarded excluded)."""
        jobs = self._workspace.jobs.jobs
        return [j for j in jobs if j.id not in self._discarded and self.is_modified(j)]

    def note_edit(self) -> None:
        """A transcript was edited: autosave it shortly (once the edits pause)."""
        self._debounce.start()
        self.modified_changed.emit()

    def mark_saved(self, job: Job) -> None:
        """``job``'s edits were written elsewhere (its subtitle file): no longer unsaved."""
        self._baseline[job.id] = _current(job)
        self._set_save_point(job)
        self.modified_changed.emit()

    def note_back_at_save_point(self, job: Job) -> None:
        """Undo or redo returned ``job`` to its saved state: it is no longer modified. (A
        recovered transcript that no project file holds stays modified until it is saved.)"""
        if self._baseline.get(job.id) != NEVER:
            self._baseline[job.id] = _current(job)
            self.modified_changed.emit()

    def _set_save_point(self, job: Job) -> None:
        """The job's undo history remembers this state as saved, so undoing back to it later
        clears the modified marker."""
        stack = self._workspace.existing_stack(job)
        if stack is not None:
            stack.set_clean()

    def discard(self, jobs: list[Job]) -> None:
        """The user gave up these transcripts: they are neither autosaved again nor kept."""
        self._discarded.update(j.id for j in jobs)
        self.modified_changed.emit()

    # -- save / open ----------------------------------------------------------------------
    def save(self, save_as: bool = False) -> None:
        """Save the shown transcript (asking where when it has no project file yet)."""
        job = self._workspace.shown
        if job is not None:
            self.save_job(job, save_as)

    def has_project(self, job: Job) -> bool:
        """Whether ``job`` was saved to (or opened from) a project file."""
        return job.id in self._projects

    def save_all(
        self,
        jobs: list[Job],
        then: Callable[[], None],
        on_abort: Callable[[], None] | None = None,
        save_one: SaveOne | None = None,
    ) -> None:
        """Save each job in turn (with ``save_one``, by default to its project file), then run
        ``then``; a declined path or a failure stops there."""
        if not jobs:
            then()
            return
        first, rest = jobs[0], jobs[1:]
        self._workspace.show_job(first.id, pinned=True)  # the user sees what is being saved
        save = save_one or (lambda job, saved, abort: self.save_job(job, False, saved, abort))
        save(first, lambda: self.save_all(rest, then, on_abort, save_one), on_abort)

    def save_job(
        self,
        job: Job,
        save_as: bool = False,
        on_saved: Callable[[], None] | None = None,
        on_abort: Callable[[], None] | None = None,
    ) -> None:
        """Write ``job``'s transcript to its project file; ``on_abort`` when none was written."""
        if job.state is not JobState.DONE or job.transcript is None:
            if on_abort is not None:
                on_abort()
            return
        project = self._projects.get(job.id)
        target = project.path if project is not None and not save_as else None
        if target is None:
            folder = Path(settings.get_dir(settings.LAST_PROJECT_DIR))
            if not settings.get_text(settings.LAST_PROJECT_DIR):
                folder = job.path.parent if job.path.parent.is_dir() else folder
            target = ask_project_save_path(self._window, folder / f"{job.path.stem}.wsproj")
            if target is None:
                if on_abort is not None:
                    on_abort()
                return
            settings.set_dir(settings.LAST_PROJECT_DIR, target.parent)
        transcript, options, audio = job.transcript, job.options, job.path
        state = _current(job)  # edits made while the file is written still count as unsaved
        chosen: Path = target
        peaks = self._workspace.peak_cache

        def write() -> Project:
            from wavescribe.core.project.project_file import Project

            saved = self._projects.get(job.id) or Project.for_audio(audio, transcript, options)
            saved.transcript, saved.options = transcript, options
            saved.save(chosen)
            peaks.store_beside(audio, chosen)  # none cached yet: the editor writes them there
            return saved

        def done(saved: Project) -> None:
            self._projects[job.id] = saved
            self._baseline[job.id] = state
            if _current(job) == state:  # nothing edited while it was written
                self._set_save_point(job)
            self._discarded.discard(job.id)
            settings.add_recent_file(chosen)
            self._workspace.status.emit(f"Saved {chosen.name}")
            self.modified_changed.emit()
            self.autosave_now()  # a crash now offers the saved project's path back
            if on_saved is not None:
                on_saved()

        def failed(exc: BaseException) -> None:
            show_error(self._window, exc, f"Saving {chosen.name}")
            if on_abort is not None:
                on_abort()

        run_task(write, done, failed)

    def open(self, path: Path | None = None) -> None:
        path = path or ask_project_open_path(self._window)
        if path is None:
            return
        settings.set_dir(settings.LAST_PROJECT_DIR, path.parent)

        def load() -> tuple[Project, Path | None]:
            from wavescribe.core.project.project_file import Project

            project = Project.load(path)
            return project, project.resolve_audio()

        def loaded(result: tuple[Project, Path | None]) -> None:
            project, audio = result
            settings.add_recent_file(path)
            if audio is not None:
                self._add(project, audio)
            else:
                self._ask_for_moved_audio(project)

        run_task(load, loaded, lambda exc: show_error(self._window, exc, path.name))

    def _ask_for_moved_audio(self, project: Project) -> None:
        missing = project.audio_path
        box = QMessageBox(self._window)
        box.setObjectName("audioMovedBox")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Wavescribe")
        box.setText(f"The audio of this project has moved: {missing.name if missing else '?'}")
        box.setInformativeText(
            f"It was at {missing}. Find it to play and re-time the subtitles; without it the "
            "transcript can still be read and exported."
        )
        locate = box.addButton("Find the Audio…", QMessageBox.ButtonRole.AcceptRole)
        without = box.addButton("Open Without Audio", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)

        def answered() -> None:
            clicked = box.clickedButton()
            if clicked is without:
                self._add(project, missing or Path(project.path or "audio"))
            elif clicked is locate:
                new = ask_audio_path(self._window, missing)
                if new is not None:
                    self._relink(project, new)

        box.finished.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _relink(self, project: Project, new: Path) -> None:
        def relinked(match: Any) -> None:
            if match.warning:
                QMessageBox.warning(self._window, "Wavescribe", match.warning)
            self._add(project, new)

        run_task(
            lambda: project.relink_audio(new),
            relinked,
            lambda exc: show_error(self._window, exc, new.name),
        )

    def _add(self, project: Project, audio: Path) -> Job:
        if project.path is not None:  # before the editor asks where the peaks are
            self._workspace.peak_cache.remember_project(audio, project.path)
        job = self._workspace.add_transcript(audio, project.transcript)
        if project.options is not None:
            job.options = project.options
        self._projects[job.id] = project
        return job

    # -- autosave and recovery ------------------------------------------------------------
    def autosave_now(self, then: Callable[[], None] | None = None) -> None:
        """Autosave every finished transcript (unchanged ones cost no disk access).

        ``then`` runs on the GUI thread once a write that started after this call has finished.
        """
        self._debounce.stop()
        if then is not None:
            self._after.append(then)
        if self._autosaving:
            self._again = True
            return
        jobs = self._stale_jobs()
        if not jobs:
            self._run_after()
            return
        if not self._session:
            from wavescribe.core.project.autosave import new_session_id

            self._session = new_session_id()
        work = [
            (f"{self._session}-j{j.id}", j, self._projects.get(j.id), self.is_modified(j))
            for j in jobs
        ]
        states = {j.id: self._state_of(j) for j in jobs}
        self._autosaving = True

        def write() -> list[tuple[int, Project, str]]:
            store, out = autosave_store(), []
            for session, job, known, modified in work:
                project = known or _project_for(job)
                project.transcript = job.transcript or project.transcript
                store.write(session, project, modified=modified)
                out.append((job.id, project, session))
            return out

        def done(written: list[tuple[int, Project, str]]) -> None:
            gone = []
            for job_id, project, session in written:
                self._sessions[job_id] = session
                if self._workspace.jobs.job(job_id) is None or job_id in self._discarded:
                    gone.append(self._sessions.pop(job_id))  # removed while it was written
                    continue
                self._projects.setdefault(job_id, project)
                self._autosaved[job_id] = states[job_id]
            if gone:
                run_task(lambda: end_sessions(gone), None, lambda exc: None)
            finish()

        def failed(exc: BaseException) -> None:
            self._workspace.status.emit(f"Autosave failed: {exc}")
            finish()

        def finish() -> None:
            self._autosaving = False
            self._inflight = None
            if self._again:
                self._again = False
                self.autosave_now()
            else:
                self._run_after()

        self._inflight = run_task(write, done, failed)

    def flush(self, timeout: float = 10.0) -> None:
        """Autosave what changed, now, on the calling (GUI) thread: for closing, when a few
        milliseconds of waiting beat losing the last edits. A write under way is waited for."""
        self._debounce.stop()
        if self._inflight is not None:
            concurrent.futures.wait([self._inflight], timeout)
        jobs = self._stale_jobs()
        if not jobs:
            return
        if not self._session:
            from wavescribe.core.project.autosave import new_session_id

            self._session = new_session_id()
        store = autosave_store()
        for job in jobs:
            session = f"{self._session}-j{job.id}"
            project = self._projects.get(job.id) or _project_for(job)
            project.transcript = job.transcript or project.transcript
            try:
                store.write(session, project, modified=self.is_modified(job))
            except Exception as exc:
                self._workspace.status.emit(f"Autosave failed: {exc}")
                continue
            self._projects.setdefault(job.id, project)
            self._sessions[job.id] = session
            self._autosaved[job.id] = self._state_of(job)

    def _stale_jobs(self) -> list[Job]:
        return [
            j
            for j in self._workspace.jobs.jobs
            if j.state is JobState.DONE
            and j.transcript is not None
            and j.id not in self._discarded
            and self._autosave_stale(j)
        ]

    def _autosave_stale(self, job: Job) -> bool:
        return self._autosaved.get(job.id) != self._state_of(job)

    def _state_of(self, job: Job) -> tuple[int, int, str | None, bool]:
        """Changes when the transcript is replaced, edited or saved, or saved elsewhere."""
        project = self._projects.get(job.id)
        where = str(project.path) if project is not None and project.path else None
        return id(job.transcript), job.revision, where, self.is_modified(job)

    def _run_after(self) -> None:
        callbacks, self._after = self._after, []
        for callback in callbacks:
            callback()

    def _on_rows_removed(self, _parent: object, first: int, last: int) -> None:
        """Jobs leave the list: their transcripts are forgotten, not kept for next time."""
        jobs = self._workspace.jobs.jobs[first : last + 1]
        sessions = [self._sessions.pop(j.id) for j in jobs if j.id in self._sessions]
        for job in jobs:
            self._autosaved.pop(job.id, None)
        if sessions:
            run_task(lambda: end_sessions(sessions), None, lambda exc: None)

    def clean_exit(self) -> None:
        """The app closes normally (a quick, synchronous rename or delete per transcript).

        Finished transcripts still in the list that the user did not discard are kept for the
        next start; the others' autosaves are removed.
        """
        if not self._sessions:
            return
        store = autosave_store()
        for job_id, session in self._sessions.items():
            job = self._workspace.jobs.job(job_id)
            keep = job is not None and job.state is JobState.DONE and job_id not in self._discarded
            # On failure it stays a crashed session's autosave: offered back next time.
            with contextlib.suppress(OSError):
                store.keep(session) if keep else store.clean_exit(session)
        self._sessions.clear()


def _current(job: Job) -> State:
    return id(job.transcript), job.revision


def _project_for(job: Job) -> Project:
    from wavescribe.core.errors import InputNotFound
    from wavescribe.core.project.project_file import Project

    try:
        return Project.for_audio(job.path, job.transcript or Transcript(), job.options)
    except InputNotFound:  # opened without its audio: keep the path it had
        return Project(job.transcript or Transcript(), job.path, None, job.options)
