"""Autosave housekeeping for :mod:`.projects`: the store, the dialog that offers back what a
crashed session left, and (:class:`StartupRecovery`) what happens at start-up: the transcripts
the last clean exit kept come back silently, a crashed session's are offered. Store work runs
through ``run_task``; the dialog is opened with ``open()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from wavescribe.gui.engine_bridge import run_task
from wavescribe.gui.errors import show_error

if TYPE_CHECKING:
    from wavescribe.core.jobs import Job
    from wavescribe.core.project.autosave import AutosaveStore, RecoveryItem
    from wavescribe.core.project.project_file import Project
    from wavescribe.gui.workspace import Workspace

State = tuple[int, int]  # (id of the job's transcript, its revision): what a save captured
NEVER: State = (-1, -1)  # a baseline no transcript matches: modified until saved
_Kept = tuple["RecoveryItem", "Project", Path]  # a kept autosave, its project, where its audio is


def autosave_store() -> AutosaveStore:
    """The autosave store (imported on first use: start-up does not need it)."""
    from wavescribe.core.project.autosave import AutosaveStore

    return AutosaveStore()


def discard(items: list[RecoveryItem]) -> None:
    s = autosave_store()
    for item in items:
        s.discard(item)


def discard_later(items: list[RecoveryItem]) -> None:
    run_task(lambda: discard(items))


def end_sessions(sessions: list[str]) -> None:
    s = autosave_store()
    for session in sessions:
        s.clean_exit(session)


def list_order(item: RecoveryItem) -> tuple[str, int]:
    """Kept transcripts come back in the order of the list they were in (``<session>-j<id>``)."""
    session, _, job_id = item.session_id.rpartition("-j")
    return (session, int(job_id)) if job_id.isdigit() else (item.session_id, 0)


def describe(item: RecoveryItem) -> str:
    name = item.audio_path.name if item.audio_path else "untitled"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(item.saved_at))
    return f"• {name}: {item.cue_count} subtitles, autosaved {when}"


def ask_to_recover(
    window: QWidget, items: list[RecoveryItem], recover: Callable[[RecoveryItem], None]
) -> None:
    """Recover / Discard / Decide Later for what a crashed session autosaved (not modal)."""
    box = QMessageBox(window)
    box.setObjectName("recoveryBox")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Recover Transcripts")
    box.setText("Wavescribe did not close properly last time. Recover its transcripts?")
    box.setInformativeText("\n".join(describe(item) for item in items))
    accept = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    drop = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Decide Later", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(accept)

    def answered() -> None:
        if box.clickedButton() is accept:
            for item in items:
                recover(item)
        elif box.clickedButton() is drop:
            run_task(lambda: discard(items), None, lambda exc: None)

    box.finished.connect(answered)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


class StartupRecovery:
    """A mixin of :class:`~wavescribe.gui.projects.ProjectActions`: restoring kept transcripts
    and offering crashed sessions' autosaves, each forgotten once this session's autosave holds
    it."""

    _window: QWidget
    _workspace: Workspace
    _baseline: dict[int, State]
    _sessions: dict[int, str]
    modified_changed: Any  # the actions' Signal()

    def autosave_now(self, then: Callable[[], None] | None = None) -> None:
        raise NotImplementedError  # ProjectActions'

    def _add(self, project: Project, audio: Path) -> Job:
        raise NotImplementedError  # ProjectActions'

    def _autosave_stale(self, job: Job) -> bool:
        raise NotImplementedError  # ProjectActions'

    def offer_recovery(self) -> None:
        """At start-up: put back the transcripts the last exit kept, then (in the background)
        look for autosaves of sessions that crashed, and offer them."""

        def find() -> tuple[list[_Kept], list[RecoveryItem]]:
            store, kept = autosave_store(), []
            for item in sorted(store.kept(), key=list_order):
                try:
                    project = item.load()
                except Exception:
                    continue
                audio = project.resolve_audio() or project.audio_path or Path("audio")
                kept.append((item, project, audio))
            return kept, store.pending()

        def found(result: tuple[list[_Kept], list[RecoveryItem]]) -> None:
            kept, pending = result
            self._restore_kept(kept)
            self._offer(pending)

        run_task(find, found, lambda exc: None)

    def _restore_kept(self, kept: list[_Kept]) -> None:
        if not kept:
            return
        jobs = []
        for item, project, audio in kept:
            job = self._add(project, audio)
            if item.modified:
                self._baseline[job.id] = NEVER
            jobs.append(job)
        self.modified_changed.emit()
        n = len(kept)
        self._workspace.status.emit(f"Restored {n} transcript{'s' if n > 1 else ''} from last time")
        items = [item for item, _, _ in kept]
        self.autosave_now(then=lambda: self._forget_once_autosaved(items, jobs))

    def _forget_once_autosaved(
        self, items: list[RecoveryItem], jobs: list[Job], tries: int = 3
    ) -> None:
        """The old copies (kept or crashed) go once this session's autosaves hold every one of
        them. An edit that landed while the autosave was written makes it stale: then after the
        next autosave (a few tries); after failed autosaves they stay, to be offered again."""
        if all(self._sessions.get(j.id) and not self._autosave_stale(j) for j in jobs):
            discard_later(items)
        elif tries > 1 and all(self._workspace.jobs.job(j.id) is not None for j in jobs):
            self.autosave_now(then=lambda: self._forget_once_autosaved(items, jobs, tries - 1))

    def _offer(self, items: list[RecoveryItem]) -> None:
        if items:
            ask_to_recover(self._window, items, self._recover)

    def _recover(self, item: RecoveryItem) -> None:
        def load() -> Project:
            return item.load()

        def loaded(project: Project) -> None:
            audio = project.resolve_audio() or project.audio_path or Path("audio")
            job = self._add(project, audio)
            self._baseline[job.id] = NEVER  # what a crash left is in no project file
            self.modified_changed.emit()
            # Once this session's autosave holds it, the crashed session's copy can go.
            self.autosave_now(then=lambda: self._forget_once_autosaved([item], [job]))

        run_task(load, loaded, lambda exc: show_error(self._window, exc, "Recovery"))
