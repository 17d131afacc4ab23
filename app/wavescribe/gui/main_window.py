"""The main window: layout, menus and actions. What the actions mean lives in ``Workspace``,
``ProjectActions`` and ``export``; this module only wires gestures to them.

Quitting or removing transcripts never loses work: :mod:`keep_work` asks first. The title
carries Qt's ``[*]`` marker for the shown transcript's unsaved edits.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from wavescribe.core.jobs import Job, JobState
from wavescribe.gui import export, settings
from wavescribe.gui.editor.transcript_view import TranscriptView
from wavescribe.gui.engine_bridge import run_task
from wavescribe.gui.file_drop import FileDrop, ask_open_paths
from wavescribe.gui.first_run import FirstRunPanel
from wavescribe.gui.help import help_key, show_help
from wavescribe.gui.job_table import JobTable
from wavescribe.gui.jobs import state_text
from wavescribe.gui.keep_work import KeepWork
from wavescribe.gui.open_subtitles import SubtitleOpener
from wavescribe.gui.projects import ProjectActions
from wavescribe.gui.resources import app_icon
from wavescribe.gui.workspace import Workspace

if TYPE_CHECKING:
    from wavescribe.core.models.store import ModelStore
    from wavescribe.gui.editor.editor_widget import EditorPanel


def _key(standard: QKeySequence.StandardKey, fallback: str) -> QKeySequence:
    """The platform's standard shortcut, or ``fallback`` where the platform has none."""
    seq = QKeySequence(standard)
    return seq if not seq.isEmpty() else QKeySequence(fallback)


# Imported ahead of the editor, off the GUI thread (none of them touches Qt).
EDITOR_DEPENDENCIES = (
    "numpy",
    "audiotsm",
    "wavescribe.core.audio.load",
    "wavescribe.core.editing.document",
    "wavescribe.core.editing.commands",
    "wavescribe.core.audio.peaks",
    "wavescribe.core.editing.rule_check",
    "wavescribe.core.editing.timing_controller",
)


class MainWindow(KeepWork, FileDrop, QMainWindow):
    def __init__(self, store_factory: Callable[[], ModelStore] | None = None) -> None:
        """``store_factory`` gives the model store jobs resolve models in (default: the user's)."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Wavescribe")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.workspace = Workspace(self, store_factory)
        self.projects = ProjectActions(self, self.workspace)
        self.subtitles = SubtitleOpener(self, self.workspace)
        self._saving_subtitles: tuple[Job, object, int] | None = None  # what Save Subtitles wrote
        self._quitting = False

        self.first_run = FirstRunPanel()
        self.job_table = JobTable(self.workspace.jobs)
        self.transcript_title = QLabel()
        self.transcript_title.setObjectName("transcriptTitle")
        self.transcript_view = TranscriptView()
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 4, 0, 0)
        lower_layout.addWidget(self.transcript_title)
        self.editor: EditorPanel | None = None  # made on first use: it pulls in numpy
        self.device_label: QLabel | None = None  # what whisper.cpp computes on, once known
        self._editor_preloading = False
        self.lower_pages = QStackedWidget()  # the live table while a job runs, then the editor
        self.lower_pages.addWidget(self.transcript_view)
        self._edited: tuple[int, int] | None = None  # (job id, id of its transcript) in the editor
        lower_layout.addWidget(self.lower_pages)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.job_table)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([96, 544])  # the editor below gets the room
        self.pages = QStackedWidget()
        self.pages.addWidget(self.first_run)
        self.pages.addWidget(self.splitter)
        self.setCentralWidget(self.pages)

        self._build_actions()
        self._build_menus()
        self._connect()
        self._tick = QTimer(self)
        self._tick.setInterval(500)
        self._tick.timeout.connect(self.workspace.jobs.tick)
        self._tick.start()
        self._restore_state()
        self._update_actions()
        self.first_run.refresh_model(self.workspace.default_model)

    # -- construction ---------------------------------------------------------------------
    def _action(
        self,
        text: str,
        slot: Callable[..., object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        self.addAction(action)  # shortcuts work whichever child has focus
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.open_action = self._action("&Open…", self.open_files, K.Open)
        self.open_project_action = self._action("Open &Project…", lambda: self.projects.open())
        self.open_subtitles_action = self._action(
            "Open &Subtitles…", self.subtitles.ask_and_open, "Ctrl+Shift+O"
        )
        self.save_subtitles_action = self._action(
            "Save Su&btitles", self.save_subtitles, "Ctrl+Alt+S"
        )
        self.save_action = self._action("&Save Project", lambda: self.projects.save(), K.Save)
        self.save_as_action = self._action(
            "Save Project &As…", lambda: self.projects.save(save_as=True), K.SaveAs
        )
        self.export_action = self._action("&Export Subtitles…", lambda: self.export(), "Ctrl+E")
        self.align_action = self._action("A&lign Script…", self.align_script)
        self.export_format_actions = {
            fmt: self._action(label + "…", lambda _=False, f=fmt: self.export(f))
            for fmt, (label, _) in export.EXPORT_FORMATS.items()
        }
        self.quit_action = self._action("&Quit", self.close, _key(K.Quit, "Ctrl+Q"))
        self.options_action = self._action(
            "&Options…", self.edit_default_options, _key(K.Preferences, "Ctrl+,")
        )
        self.cancel_all_action = self._action("Cancel &All", self.workspace.cancel_all)
        self.clear_action = self._action("C&lear Finished", self.clear_finished)
        self.models_action = self._action("&Models…", self.open_models, "Ctrl+M")
        self.about_action = self._action("&About Wavescribe", self.show_about)
        self.help_action = self._action("&Help for This Screen", self.show_help, help_key())
        self.shortcuts_action = self._action("&Keyboard Shortcuts", self.show_shortcuts)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        file_menu.addActions([self.open_project_action, self.save_action, self.save_as_action])
        file_menu.addSeparator()
        file_menu.addActions([self.open_subtitles_action, self.save_subtitles_action])
        file_menu.addAction(self.align_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        export_as: QMenu = file_menu.addMenu("Export &As")
        export_as.addActions(list(self.export_format_actions.values()))
        export_as.addSeparator()
        export_as.addAction(export.speaker_names_action(self))  # issue 16
        self.export_as_menu = export_as
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.edit_menu = bar.addMenu("&Edit")  # filled when the editor is first made
        self.edit_menu.setEnabled(False)
        jobs_menu = self.jobs_menu = bar.addMenu("&Transcription")
        jobs_menu.addActions([self.options_action, self.cancel_all_action, self.clear_action])
        tools = bar.addMenu("T&ools")
        tools.addAction(self.models_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.help_action, self.shortcuts_action])
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)
        self.help_menu = help_menu

    def _connect(self) -> None:
        ws = self.workspace
        ws.shown_changed.connect(self._show_job)
        ws.shown_segment.connect(self.transcript_view.append_segment)
        ws.status.connect(lambda text: self.statusBar().showMessage(text, 5000))
        ws.subtitles_requested.connect(self.subtitles.open)
        self.subtitles.saved.connect(self._subtitles_saved)
        self.subtitles.opened.connect(lambda _job: self._update_actions())
        ws.bridge.device_info.connect(self._show_device)
        ws.jobs.rowsInserted.connect(lambda *_: self.pages.setCurrentWidget(self.splitter))
        ws.jobs.rowsInserted.connect(self._preload_editor)
        ws.jobs.job_changed.connect(lambda _id: self._update_actions())
        self.job_table.cancel_requested.connect(ws.cancel)
        self.job_table.retry_requested.connect(ws.retry)
        self.projects.modified_changed.connect(self._update_title)
        self.job_table.options_requested.connect(self.edit_job_options)
        self.job_table.remove_requested.connect(self.remove_job)
        self.job_table.clear_finished_requested.connect(self.clear_finished)
        self.job_table.job_activated.connect(lambda job_id: ws.show_job(job_id, pinned=True))
        self.first_run.open_requested.connect(self.open_files)
        self.first_run.models_requested.connect(self.open_models)

    # -- actions --------------------------------------------------------------------------
    def open_files(self) -> None:
        paths = ask_open_paths(self)
        if paths:
            settings.set_dir(settings.LAST_OPEN_DIR, Path(paths[0]).parent)
            self.workspace.add_files(paths)

    def save_subtitles(self) -> None:
        """Write the shown transcript back to the subtitle file it was opened from."""
        job = self.workspace.shown
        if job is not None and self.subtitles.file_of(job) is not None:
            self._save_subtitles_of(job)

    def _save_subtitles_of(
        self,
        job: Job,
        on_saved: Callable[[], None] | None = None,
        on_abort: Callable[[], None] | None = None,
    ) -> None:
        self._saving_subtitles = (job, job.transcript, job.revision)
        self.subtitles.save(job, on_saved, on_abort)

    def _subtitles_saved(self, path: str) -> None:
        if self._saving_subtitles is not None:
            job, transcript, revision = self._saving_subtitles
            if job.transcript is transcript and job.revision == revision:
                self.projects.mark_saved(job)  # nothing edited while it was written
        self.statusBar().showMessage(f"Saved {path}", 8000)

    def remove_job(self, job_id: int) -> None:
        job = self.workspace.jobs.job(job_id)
        if job is not None:
            self._forget([job], lambda: self.workspace.remove(job_id))

    def clear_finished(self) -> None:
        finished = [j for j in self.workspace.jobs.jobs if j.state.finished]
        self._forget(finished, self.workspace.clear_finished)

    def align_script(self) -> None:
        from wavescribe.gui.align_dialog import open_align_dialog

        self.align_dialog = open_align_dialog(self, self.workspace)

    def export(self, fmt: str | None = None) -> None:
        job = self.workspace.shown
        transcript = self.workspace.shown_transcript()
        if job is None or transcript is None:
            return
        export.export_transcript(
            self,
            transcript,
            job.path,
            fmt,
            on_done=lambda p: self.statusBar().showMessage(f"Exported {p}", 8000),
        )

    def edit_default_options(self) -> None:
        from wavescribe.gui.options import OptionsDialog

        ws = self.workspace
        dialog = OptionsDialog(ws.defaults, ws.default_model, self)
        dialog.accepted.connect(lambda: self._defaults_chosen(dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _defaults_chosen(self, dialog) -> None:
        self.workspace.set_defaults(dialog.options(), dialog.model())
        if self.editor is not None:  # the open transcript is checked against them at once
            self.editor.set_rules(self.workspace.defaults.rules)
        self.first_run.refresh_model(dialog.model())

    def edit_job_options(self, job_id: int) -> None:
        from wavescribe.gui.options import OptionsDialog

        job = self.workspace.jobs.job(job_id)
        if job is None or job.state is not JobState.QUEUED:
            return
        dialog = OptionsDialog(job.options, job.model, self, f"Options for {job.name}")
        dialog.accepted.connect(
            lambda: self.workspace.set_job_options(job_id, dialog.options(), dialog.model())
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_models(self) -> None:
        from wavescribe.core.models.store import ModelStore
        from wavescribe.gui.models.manager import ModelManagerDialog

        def refresh(*_: object) -> None:
            self.first_run.refresh_model(self.workspace.default_model)

        dialog = ModelManagerDialog(ModelStore(), self, system_info=self.workspace.system_info)
        dialog.models_changed.connect(refresh)
        dialog.finished.connect(refresh)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show_help(self) -> None:
        """F1: the editor's shortcuts while a transcript is edited, else this window's sheet."""
        if self.editor is not None and self.lower_pages.currentWidget() is self.editor:
            self.show_shortcuts()
        else:
            show_help(self, "main")

    def show_shortcuts(self) -> None:
        from wavescribe.gui.editor.shortcuts_help import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show_about(self) -> None:
        from wavescribe.gui.about import AboutDialog

        dialog = AboutDialog(self, self.workspace.system_info)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # -- state ----------------------------------------------------------------------------
    def _show_job(self, job: Job | None) -> None:
        if job is None:
            self.transcript_view.show_segments([])
            self.lower_pages.setCurrentWidget(self.transcript_view)
            self.transcript_title.setText("")
        else:
            self.transcript_view.show_segments(job.visible_segments())
            self._show_editor(job)
            self.job_table.select_job(job.id)
        self._update_title()
        self._update_actions()

    def _update_title(self) -> None:
        """The shown file's name; Qt shows the ``[*]`` as ``*`` while it has unsaved edits."""
        job = self.workspace.shown
        modified = job is not None and self.projects.is_modified(job)
        if job is None:
            self.setWindowModified(False)
            self.setWindowTitle("Wavescribe")
        else:
            self.setWindowTitle(f"{job.name}[*] — Wavescribe")
            self.setWindowModified(modified)

    def _show_editor(self, job: Job) -> None:
        """A finished transcript opens in the editor (once: a re-show keeps its undo history)."""
        if job.state is not JobState.DONE or job.transcript is None:
            self.lower_pages.setCurrentWidget(self.transcript_view)
            return
        editor = self._ensure_editor()
        key = (job.id, id(job.transcript))
        if key != self._edited:
            self._edited = key
            editor.load(job.transcript, str(job.path), self.workspace.edit_stack(job))
        self.lower_pages.setCurrentWidget(editor)

    def _preload_editor(self) -> None:
        """Import what the editor needs besides Qt (numpy, the core's timing, peaks and audio
        modules, the time-stretcher: most of its ~0.2 s) off the GUI thread while the first job
        runs, so opening its transcript does not freeze the window. Modules that define Qt
        classes stay on the GUI thread: importing them in another one broke PySide's reference
        counts (a "bool_dealloc" abort at exit)."""
        if self.editor is None and not self._editor_preloading:
            self._editor_preloading = True
            run_task(lambda: [importlib.import_module(name) for name in EDITOR_DEPENDENCIES])

    def _ensure_editor(self) -> EditorPanel:
        if self.editor is not None:
            return self.editor
        from wavescribe.gui.editor.editor_widget import EditorPanel

        editor = self.editor = EditorPanel(peak_cache=self.workspace.peak_cache)
        editor.set_rules(self.workspace.defaults.rules)
        self.lower_pages.addWidget(editor)
        editor.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        editor.edited.connect(self._on_edited)
        self.addActions([editor.undo_action, editor.redo_action])  # wherever the focus is
        # the window's F1 (Help for This Screen) shows the editor's shortcuts: one owner of the key
        editor.actions_by_name["help"].setShortcut(QKeySequence())
        self.edit_menu.addActions([editor.undo_action, editor.redo_action])
        self.edit_menu.addSeparator()
        groups = (
            ("find", "replace"),
            ("edit_text", "split", "merge", "delete"),
            ("next_suspect", "prev_suspect", "mark_checked"),
            ("retranscribe", "retime", "align_text"),
            ("play", "play_cue", "loop", "speed_up", "speed_down"),
            ("zoom_cue", "zoom_all", "help"),
        )
        for names in groups:
            self.edit_menu.addActions([editor.actions_by_name[n] for n in names])
            self.edit_menu.addSeparator()
        self.edit_menu.setEnabled(True)
        self.jobs_menu.addAction(editor.actions_by_name["find_speakers"])  # issue 16: speakers
        speakers = self.edit_menu.addMenu("S&peakers")
        speakers.addActions([editor.actions_by_name[f"speaker_{n}"] for n in range(1, 10)])
        speakers.addSeparator()
        names = ("rename_speaker", "merge_speakers", "split_speakers", "find_speakers")
        speakers.addActions([editor.actions_by_name[n] for n in names])
        self._build_view_menu(editor)
        return editor

    def _build_view_menu(self, editor: EditorPanel) -> None:
        """The editor's View menu after Edit (video, zoom, follow), with Waveform Gain (drawing
        only) added to it."""
        view = editor.add_view_menu(self.menuBar(), after=self.edit_menu)
        view.addSeparator()
        gain = view.addMenu("Waveform &Gain")
        gain.addActions(editor.gain_actions)
        self.view_menu = view

    def _show_device(self, name: str, fallback: str) -> None:
        """Say in the status bar what whisper.cpp computes on, and loudly when a GPU is unused."""
        if self.device_label is None:
            self.device_label = QLabel()
            self.device_label.setObjectName("deviceLabel")
            self.statusBar().addPermanentWidget(self.device_label)
        self.device_label.setText(f"whisper.cpp on {name}" + (" ⚠" if fallback else ""))
        self.device_label.setToolTip(fallback or f"Transcription computes on {name}")
        if fallback:
            self.statusBar().showMessage(fallback[:1].upper() + fallback[1:], 15000)

    def _on_edited(self) -> None:
        job = self.workspace.shown
        if job is not None and self._edited == (job.id, id(job.transcript)):
            job.revision += 1  # autosave writes it; the list beside stays the editor's
            self.projects.note_edit()
            stack = self.workspace.existing_stack(job)
            if stack is not None and stack.history.is_clean:
                self.projects.note_back_at_save_point(job)

    def _update_actions(self) -> None:
        job = self.workspace.shown
        if job is not None:
            self.transcript_title.setText(f"<b>{job.name}</b> — {state_text(job).lower()}")
        can_export = self.workspace.shown_transcript() is not None
        for action in (self.export_action, self.save_action, self.save_as_action):
            action.setEnabled(can_export)
        self.export_as_menu.setEnabled(can_export)
        self.save_subtitles_action.setEnabled(
            can_export and self.subtitles.file_of(self.workspace.shown) is not None
        )
        for action in self.export_format_actions.values():
            action.setEnabled(can_export)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = settings.recent_files()
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.workspace.add_files([p]))
        if recent:
            self.recent_menu.addSeparator()
        clear = self.recent_menu.addAction("Clear Menu", settings.clear_recent_files)
        clear.setEnabled(bool(recent))

    def _restore_state(self) -> None:
        geometry = settings.get_bytes(settings.WINDOW_GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(960, 680)
        state = settings.get_bytes(settings.SPLITTER_STATE)
        if state is not None:
            self.splitter.restoreState(state)

    def save_state(self) -> None:
        settings.set_value(settings.WINDOW_GEOMETRY, self.saveGeometry())
        settings.set_value(settings.SPLITTER_STATE, self.splitter.saveState())
