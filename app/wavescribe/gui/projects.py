"""Project files, autosave and crash recovery, on top of ``core.project`` and ``core.autosave``.

* Save / Save As write the shown transcript, its audio path and options as a ``.wsproj`` file.
* Open reads one; when its audio has moved, the user is asked to find it (or opens it without).
* The waveform's peaks are kept beside the project (``talk.wspeaks``): written on save, read
  first on open (the workspace's ``PeakCache``), so a re-opened long file shows its waveform
  at once.
* Every finished transcript is autosaved (each job is its own autosave session) when it finishes,
  and again on a timer whenever it changed (``Job.revision``); a clean exit removes the autosaves,
  a crash leaves them, and the next start offers them back.

All file work runs through ``run_task``; dialogs are opened with ``open()``, never ``exec()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from wavescribe.core.jobs import Job, JobState
from wavescribe.core.transcript import Transcript
from wavescribe.gui import settings
from wavescribe.gui.engine_bridge import run_task
from wavescribe.gui.errors import show_error

if TYPE_CHECKING:
    from wavescribe.core.project.autosave import AutosaveStore, RecoveryItem
    from wavescribe.core.project.project_file import Project
    from wavescribe.gui.workspace import Workspace

PROJECT_FILTER = "Wavescribe projects (*.wsproj)"


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


class ProjectActions(QObject):
    AUTOSAVE_INTERVAL_MS = 10_000

    def __init__(self, window: QWidget, workspace: Workspace) -> None:
        super().__init__(window)
        self._window = window
        self._workspace = workspace
        self._session = ""  # made on first autosave: core.autosave is not needed to start
        self._projects: dict[int, Project] = {}  # job id -> its project (for autosave and save)
        self._sessions: set[str] = set()
        self._autosaved: dict[int, tuple[int, int, str | None]] = {}  # job id -> _state_of
        self._autosaving = False
        self._again = False  # something asked for an autosave while one was being written
        self._after: list[Callable[[], None]] = []
        self._timer = QTimer(self)
        self._timer.setInterval(self.AUTOSAVE_INTERVAL_MS)
        self._timer.timeout.connect(self.autosave_now)
        self._timer.start()
        workspace.jobs.job_finished.connect(lambda _id: self.autosave_now())
        workspace.project_requested.connect(lambda p: self.open(Path(p)))

    # -- save / open ----------------------------------------------------------------------
    def save(self, save_as: bool = False) -> None:
        job = self._workspace.shown
        if job is None or job.state is not JobState.DONE or job.transcript is None:
            return
        project = self._projects.get(job.id)
        target = project.path if project is not None and not save_as else None
        if target is None:
            folder = Path(settings.get_dir(settings.LAST_PROJECT_DIR))
            if not settings.get_text(settings.LAST_PROJECT_DIR):
                folder = job.path.parent if job.path.parent.is_dir() else folder
            target = ask_project_save_path(self._window, folder / f"{job.path.stem}.wsproj")
            if target is None:
                return
            settings.set_dir(settings.LAST_PROJECT_DIR, target.parent)
        transcript, options, audio = job.transcript, job.options, job.path
        peaks = self._workspace.peak_cache

        def write() -> Project:
            from wavescribe.core.project.project_file import Project

            saved = self._projects.get(job.id) or Project.for_audio(audio, transcript, options)
            saved.transcript, saved.options = transcript, options
            saved.save(target)
            peaks.store_beside(audio, target)  # none cached yet: the editor writes them there
            return saved

        def done(saved: Project) -> None:
            self._projects[job.id] = saved
            settings.add_recent_file(target)
            self._workspace.status.emit(f"Saved {target.name}")
            self.autosave_now()  # a crash now offers the saved project's path back

        run_task(write, done, lambda exc: show_error(self._window, exc, f"Saving {target.name}"))

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
        if then is not None:
            self._after.append(then)
        if self._autosaving:
            self._again = True
            return
        jobs = [
            j
            for j in self._workspace.jobs.jobs
            if j.state is JobState.DONE
            and j.transcript is not None
            and self._autosaved.get(j.id) != self._state_of(j)
        ]
        if not jobs:
            self._run_after()
            return
        if not self._session:
            from wavescribe.core.project.autosave import new_session_id

            self._session = new_session_id()
        work = [(f"{self._session}-j{j.id}", j, self._projects.get(j.id)) for j in jobs]
        states = {j.id: self._state_of(j) for j in jobs}
        self._autosaving = True

        def write() -> list[tuple[int, Project, str]]:
            store, out = _store(), []
            for session, job, known in work:
                project = known or _project_for(job)
                project.transcript = job.transcript or project.transcript
                store.write(session, project)
                out.append((job.id, project, session))
            return out

        def done(written: list[tuple[int, Project, str]]) -> None:
            for job_id, project, session in written:
                self._projects.setdefault(job_id, project)
                self._sessions.add(session)
                self._autosaved[job_id] = states[job_id]
            finish()

        def failed(exc: BaseException) -> None:
            self._workspace.status.emit(f"Autosave failed: {exc}")
            finish()

        def finish() -> None:
            self._autosaving = False
            if self._again:
                self._again = False
                self.autosave_now()
            else:
                self._run_after()

        run_task(write, done, failed)

    def _state_of(self, job: Job) -> tuple[int, int, str | None]:
        """Changes when the transcript is replaced or edited, or the project is saved elsewhere."""
        project = self._projects.get(job.id)
        where = str(project.path) if project is not None and project.path else None
        return id(job.transcript), job.revision, where

    def _run_after(self) -> None:
        callbacks, self._after = self._after, []
        for callback in callbacks:
            callback()

    def clean_exit(self) -> None:
        """The app closes normally: its autosaves are not needed (a quick, synchronous delete)."""
        if self._sessions:
            store = _store()
            for session in self._sessions:
                store.clean_exit(session)
            self._sessions.clear()

    def offer_recovery(self) -> None:
        """Look (in the background) for autosaves of sessions that crashed, and offer them."""
        run_task(lambda: _store().pending(), self._offer, lambda exc: None)

    def _offer(self, items: list[RecoveryItem]) -> None:
        if not items:
            return
        box = QMessageBox(self._window)
        box.setObjectName("recoveryBox")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Recover Transcripts")
        box.setText("Wavescribe did not close properly last time. Recover its transcripts?")
        box.setInformativeText("\n".join(_describe(item) for item in items))
        recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Decide Later", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(recover)

        def answered() -> None:
            if box.clickedButton() is recover:
                for item in items:
                    self._recover(item)
            elif box.clickedButton() is discard:
                run_task(lambda: _discard(items), None, lambda exc: None)

        box.finished.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _recover(self, item: RecoveryItem) -> None:
        def load() -> Project:
            return item.load()

        def loaded(project: Project) -> None:
            audio = project.resolve_audio() or project.audio_path or Path("audio")
            self._add(project, audio)
            # Once this session's autosave holds it, the crashed session's copy can go.
            self.autosave_now(then=lambda: _discard_later([item]))

        run_task(load, loaded, lambda exc: show_error(self._window, exc, "Recovery"))


def _store() -> AutosaveStore:
    from wavescribe.core.project.autosave import AutosaveStore

    return AutosaveStore()


def _discard(items: list[RecoveryItem]) -> None:
    store = _store()
    for item in items:
        store.discard(item)


def _discard_later(items: list[RecoveryItem]) -> None:
    run_task(lambda: _discard(items))


def _project_for(job: Job) -> Project:
    from wavescribe.core.errors import InputNotFound
    from wavescribe.core.project.project_file import Project

    try:
        return Project.for_audio(job.path, job.transcript or Transcript(), job.options)
    except InputNotFound:  # opened without its audio: keep the path it had
        return Project(job.transcript or Transcript(), job.path, None, job.options)


def _describe(item: RecoveryItem) -> str:
    name = item.audio_path.name if item.audio_path else "untitled"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(item.saved_at))
    return f"• {name}: {item.cue_count} subtitles, autosaved {when}"
