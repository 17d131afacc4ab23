"""Asking before anything would lose the user's edits: quitting, and removing transcripts.

A mixin of :class:`~wavescribe.gui.main_window.MainWindow`. With transcripts that have unsaved
edits, or files still being transcribed, quitting asks one question first (Save / Discard /
Cancel, or Quit / Cancel), answered with ``open()`` so the GUI thread never waits; Save writes
each transcript where its work lives (its project, else the subtitle file it was opened from,
else a new project, asked for) and quits only when all were written. On closing, the latest
edits are autosaved and ``ProjectActions.clean_exit`` keeps finished transcripts for the next
start. Removing transcripts with unsaved edits asks too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMessageBox

if TYPE_CHECKING:
    from wavescribe.core.jobs import Job
    from wavescribe.gui.editor.editor_widget import EditorPanel
    from wavescribe.gui.open_subtitles import SubtitleOpener
    from wavescribe.gui.projects import ProjectActions
    from wavescribe.gui.workspace import Workspace

QUIT_CANCELLED = "Quit cancelled: not every transcript was saved"


class KeepWork:
    """The questions that keep edits from being lost (see the module docstring)."""

    workspace: Workspace
    projects: ProjectActions
    subtitles: SubtitleOpener
    editor: EditorPanel | None
    _quitting: bool
    _tick: Any  # the window's QTimer

    # statusBar() and close() are QMainWindow's: not declared here, where they would shadow it.

    def save_state(self) -> None:
        raise NotImplementedError  # the window's

    def _save_subtitles_of(
        self,
        job: Job,
        on_saved: Callable[[], None] | None = None,
        on_abort: Callable[[], None] | None = None,
    ) -> None:
        raise NotImplementedError  # the window's

    def _save_for_quit(
        self, job: Job, on_saved: Callable[[], None], on_abort: Callable[[], None] | None
    ) -> None:
        """Where the user's work lives: its project file, else the subtitle file it was opened
        from, else a new project file (asked for)."""
        if not self.projects.has_project(job) and self.subtitles.file_of(job) is not None:
            self._save_subtitles_of(job, on_saved, on_abort)
        else:
            self.projects.save_job(job, False, on_saved, on_abort)

    def _forget(self, jobs: list[Job], action: Callable[[], None]) -> None:
        """Run ``action`` (which drops ``jobs`` from the list), asking first if that loses edits."""
        unsaved = [j for j in jobs if self.projects.is_modified(j)]
        if not unsaved:
            action()
            return
        box = QMessageBox(self)
        box.setObjectName("forgetBox")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Wavescribe")
        n = len(unsaved)
        box.setText(f"Remove {n} transcript{'s' if n > 1 else ''} with unsaved changes?")
        box.setInformativeText(
            "\n".join(f"• {j.name}" for j in unsaved) + "\n\nTheir changes are lost."
        )
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda: action() if box.clickedButton() is remove else None)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        asks = self.workspace.bridge.is_busy() or self.projects.unsaved_jobs()
        if asks and not self._quitting:
            event.ignore()
            self._confirm_quit()
            return
        self.projects.flush()  # edits of the last second or so, before they are kept
        self.save_state()
        self._tick.stop()
        if self.editor is not None:
            self.editor.shutdown()
        self.workspace.shutdown()
        self.projects.clean_exit()
        event.accept()

    def _confirm_quit(self) -> None:
        """One question for everything quitting would lose; answered with ``open()``."""
        unsaved = self.projects.unsaved_jobs()
        busy = self.workspace.bridge.is_busy()
        box = QMessageBox(self)
        box.setObjectName("quitBox")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Wavescribe")
        stopped = "The file being transcribed is stopped; finished transcripts are kept."
        save = discard = quit_button = None
        if unsaved:
            n = len(unsaved)
            box.setText(
                f"Save the changes to {n} transcript{'s' if n > 1 else ''} before quitting?"
            )
            names = "\n".join(f"• {job.name}" for job in unsaved)
            lost = "Discard loses these changes."
            box.setInformativeText(f"{names}\n\n{lost}" + (f" {stopped}" if busy else ""))
            save = box.addButton(QMessageBox.StandardButton.Save)
            discard = box.addButton(QMessageBox.StandardButton.Discard)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.setDefaultButton(save)
        else:
            box.setText("Files are still being transcribed. Quit anyway?")
            box.setInformativeText(stopped)
            quit_button = box.addButton("Quit", QMessageBox.ButtonRole.DestructiveRole)
            box.addButton(QMessageBox.StandardButton.Cancel)

        def answered() -> None:
            clicked = box.clickedButton()
            if clicked is None:
                return
            if clicked is save:
                self.projects.save_all(
                    unsaved,
                    then=self._proceed_quit,
                    on_abort=lambda: self.statusBar().showMessage(QUIT_CANCELLED, 8000),
                    save_one=self._save_for_quit,
                )
            elif clicked is discard:
                self.projects.discard(unsaved)
                self._proceed_quit()
            elif clicked is quit_button:
                self._proceed_quit()

        box.finished.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _proceed_quit(self) -> None:
        self._quitting = True
        self.close()
