"""The editor: the video and the waveform above the cue list, the transport, one undo stack.

The panes are splitters whose sizes are remembered; the video panel (frames decoded off the GUI
thread) shows the cue under the playhead as a viewer sees it and is absent for audio. The
playhead moves by playing, by a click on the waveform (on a cue too), by the transport's time
field, by previous/next cue (from the playhead) and by frame steps (10 ms for audio).

Everything that changes the transcript is a core command pushed on the :class:`EditStack`; the
waveform, the list and the job's autosave revision all follow the stack's ``changed`` signal.
The transcript object is the job's own, edited in place, so Save and Export see the edits.
Suspect cues (the decoder's doubts) are reached with F8 / Shift+F8 and cleared by editing their
text or "Mark as checked"; a region re-transcribes through ``retranscribe`` (one undo step).
The panel's actions live in mixins: :mod:`cue_actions` (the selected cue), :mod:`view_actions`
(video, transport, zoom) and :mod:`region_actions` (re-transcribe, align text, re-time).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QScrollBar,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wavescribe.core.audio.peaks import PeakPyramid
from wavescribe.core.audio.silence import silence_edges
from wavescribe.core.editing.document import HistoryEvent, SubtitleDocument
from wavescribe.core.editing.timing_controller import TimingController
from wavescribe.core.project.peak_cache import PeakCache
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Transcript
from wavescribe.gui import settings
from wavescribe.gui.editor.align_text import SpanAligner
from wavescribe.gui.editor.cue_actions import CueActions
from wavescribe.gui.editor.find_replace import FindReplaceDialog
from wavescribe.gui.editor.playback import Player, TransportBar
from wavescribe.gui.editor.region_actions import RegionActions
from wavescribe.gui.editor.retime import Retimer
from wavescribe.gui.editor.retranscribe import (
    RetranscribeBar,
    Retranscriber,
)
from wavescribe.gui.editor.segment_model import SegmentModel
from wavescribe.gui.editor.shortcuts_help import SHORTCUTS
from wavescribe.gui.editor.speaker_actions import SpeakerActions
from wavescribe.gui.editor.timeline.display_gain import gain_actions
from wavescribe.gui.editor.timeline.peak_loader import decode_with_peaks
from wavescribe.gui.editor.timeline.waveform_view import WaveformView
from wavescribe.gui.editor.undo import EditStack
from wavescribe.gui.editor.video_panel import VideoPanel
from wavescribe.gui.editor.view_actions import ViewActions
from wavescribe.gui.engine_bridge import run_task

if TYPE_CHECKING:
    pass


class EditorPanel(CueActions, ViewActions, RegionActions, QWidget):
    message = Signal(str)  # for the status bar
    edited = Signal()  # the transcript changed: the job is dirty

    def __init__(self, parent: QWidget | None = None, peak_cache: PeakCache | None = None) -> None:
        """``peak_cache`` is the app's (its projects say where peaks belong); default: a new one."""
        super().__init__(parent)
        self.setObjectName("editorPanel")
        self.peak_cache = peak_cache if peak_cache is not None else PeakCache()
        self.waveform = WaveformView()
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal)
        self.table = QTableView()
        self.table.setObjectName("segmentTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several cues may be selected (to re-transcribe them); the first one is "the" cue.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        wave = QWidget()
        wave_layout = QVBoxLayout(wave)
        wave_layout.setContentsMargins(0, 0, 0, 0)
        wave_layout.setSpacing(0)
        wave_layout.addWidget(self.waveform)
        wave_layout.addWidget(self.scrollbar)
        self.video = VideoPanel()
        # the video beside the waveform, the list below: both splitters remember their sizes
        self.top_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.top_splitter.setObjectName("editorTopSplitter")
        self.top_splitter.addWidget(self.video)
        self.top_splitter.addWidget(wave)
        self.top_splitter.setStretchFactor(0, 2)
        self.top_splitter.setStretchFactor(1, 3)
        self.top_splitter.setSizes([400, 600])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("editorSplitter")
        self.splitter.addWidget(self.top_splitter)
        self.splitter.addWidget(self.table)
        self.splitter.setSizes([300, 260])
        for pane in (self.splitter, self.top_splitter):
            pane.setChildrenCollapsible(False)
            pane.splitterMoved.connect(self.save_layout)
        self.restore_layout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.player = Player(self)
        self.stack: EditStack | None = None
        self._own_stack = False  # the editor made self.stack (no job keeps it): delete it
        self.rules = SubtitleRules()
        self.model: SegmentModel | None = None
        self.controller: TimingController | None = None
        self.samples: np.ndarray | None = None
        self.audio_path: str | None = None
        self.retranscriber = Retranscriber(self)
        self.retranscriber.done.connect(self._retranscribed)
        self.retranscriber.ended.connect(self.message)
        self._syncing = False
        self._loads = 0
        self.undo_action = QAction("&Undo", self)
        self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.undo_action.triggered.connect(lambda: self.stack and self.stack.undo())
        self.redo_action = QAction("&Redo", self)
        self.redo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Redo))
        self.redo_action.triggered.connect(lambda: self.stack and self.stack.redo())
        self.actions_by_name: dict[str, QAction] = {}
        self._build_actions()
        self._update_undo()
        self.transport = TransportBar(
            self.player, self.actions_by_name["loop"], play=self.actions_by_name["play"]
        )
        self.transport.time_field.invalid.connect(self.message)
        self.transport.time_field.left.connect(self.waveform.setFocus)
        layout.insertWidget(0, self.transport)
        self.retranscribe_bar = RetranscribeBar(self.retranscriber)
        layout.insertWidget(1, self.retranscribe_bar)
        self.retimer = Retimer(self)
        self.retimer.done.connect(self._retimed)
        self.retimer.ended.connect(self.message)
        self.retime_bar = RetranscribeBar(self.retimer)  # type: ignore[arg-type]  # same signals
        self.retime_bar.setObjectName("retimeBar")
        layout.insertWidget(2, self.retime_bar)
        self.aligner = SpanAligner(self)
        self.aligner.done.connect(self._aligned_text)
        self.aligner.ended.connect(self.message)
        self.align_bar = RetranscribeBar(self.aligner)  # type: ignore[arg-type]  # same signals
        self.align_bar.setObjectName("alignBar")
        layout.insertWidget(3, self.align_bar)
        self._find_dialog: FindReplaceDialog | None = None
        self.gain_actions = gain_actions(self, self.waveform.set_display_gain)  # View menu

        self.waveform.cue_clicked.connect(self._select_row)
        self.waveform.seek_requested.connect(self.player.seek)
        self.waveform.message.connect(self.message)
        self.waveform.set_menu_actions(self.actions_by_name)
        self.waveform.view_changed.connect(self._sync_scrollbar)
        self.scrollbar.valueChanged.connect(lambda v: self.waveform.scroll_to(float(v)))
        self.player.position.connect(self.waveform.set_playhead)
        self.player.position.connect(self._follow_current)
        self.player.position.connect(self._show_video_at)
        self.video.info_changed.connect(self._video_opened)
        self.video.set_enabled_by_user(settings.get_bool(settings.SHOW_VIDEO, True))
        self.show_video_action = QAction("&Video", self)
        self.show_video_action.setCheckable(True)
        self.show_video_action.setChecked(self.video.enabled_by_user)
        self.show_video_action.setToolTip("Show the video with the current cue over it")
        self.show_video_action.setEnabled(False)  # until a video is opened
        self.show_video_action.toggled.connect(self.set_video_shown)
        self.player.unavailable.connect(self.message)

    # --- actions -----------------------------------------------------------------------------
    def _build_actions(self) -> None:
        slots: dict[str, Callable[[], object]] = {
            "play": self.player.toggle,
            "play_cue": self.play_cue,
            "loop": lambda: self.player.set_loop(self.actions_by_name["loop"].isChecked()),
            "speed_up": lambda: self.player.step_speed(1),
            "speed_down": lambda: self.player.step_speed(-1),
            "find": lambda: self.show_find(replacing=False),
            "replace": lambda: self.show_find(replacing=True),
            "prev_cue": lambda: self.goto_cue(-1),
            "next_cue": lambda: self.goto_cue(1),
            "step_back": lambda: self.step_playhead(-1),
            "step_forward": lambda: self.step_playhead(1),
            "goto_time": self.focus_time_field,
            "prev_suspect": lambda: self.goto_suspect(-1),
            "next_suspect": lambda: self.goto_suspect(1),
            "mark_checked": self.mark_checked,
            "retranscribe": self.retranscribe,
            "retime": self.retime_selected,
            "align_text": self.align_text,
            "split": self.split_at_playhead,
            "merge": self.merge_with_next,
            "delete": self.delete_cue,
            "edit_text": self.edit_text,
            "start_at_playhead": lambda: self._at_playhead("start"),
            "end_at_playhead": lambda: self._at_playhead("end"),
            "start_earlier": lambda: self.nudge("start", -10),
            "start_later": lambda: self.nudge("start", 10),
            "start_earlier_big": lambda: self.nudge("start", -100),
            "start_later_big": lambda: self.nudge("start", 100),
            "end_earlier": lambda: self.nudge("end", -10),
            "end_later": lambda: self.nudge("end", 10),
            "end_earlier_big": lambda: self.nudge("end", -100),
            "end_later_big": lambda: self.nudge("end", 100),
            "zoom_in": lambda: self.zoom(1),
            "zoom_out": lambda: self.zoom(-1),
            "zoom_cue": self.waveform.zoom_to_selection,
            "zoom_all": self.waveform.fit_all,
            "help": self.show_shortcuts,
            "snap": self._toggle_snapping,
            "follow": self._toggle_follow,
        }
        for name, label, keys in SHORTCUTS:
            action = QAction(label, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slots[name])
            self.addAction(action)
            self.actions_by_name[name] = action
        for name in ("snap", "follow"):
            self.actions_by_name[name].setCheckable(True)
            self.actions_by_name[name].setChecked(True)
        self.actions_by_name["loop"].setCheckable(True)
        self.actions_by_name["loop"].setIconText("Loop cue")
        self.speaker_actions = SpeakerActions(self)  # issue 16: keys 1-9, rename, merge, find

    # --- loading -----------------------------------------------------------------------------
    def load(
        self, transcript: Transcript, audio_path: str | None, stack: EditStack | None = None
    ) -> None:
        """Edit ``transcript`` in place; peaks and samples for ``audio_path`` load off-thread.

        ``stack``: the job's own undo history over ``transcript`` (kept by the workspace, so
        switching jobs keeps each one's undo); without one the editor makes a history of its own.
        """
        self.player.set_audio(None)
        self.samples = None
        self.audio_path = audio_path
        self._let_go_of_stack()
        if stack is not None and stack.doc.transcript is transcript:
            self.stack, self._own_stack = stack, False
        else:
            self.stack, self._own_stack = EditStack(SubtitleDocument(transcript), self), True
        doc = self.stack.doc
        self.controller = TimingController(doc)
        if not self.actions_by_name["snap"].isChecked():
            self.controller.snapping = replace(self.controller.snapping, enabled=False)
        self.model = SegmentModel(self.stack, self.rules, parent=self)
        old = self.table.selectionModel()
        self.table.setModel(self.model)
        if old is not None:
            old.deleteLater()
        header = self.table.horizontalHeader()
        digits = self.table.fontMetrics().horizontalAdvance("0:00:00.000") + 16
        for col in range(SegmentModel.TEXT):  # fixed: sizing to contents reads every row
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, digits if col <= SegmentModel.END else digits * 2 // 3)
        header.setSectionResizeMode(SegmentModel.TEXT, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection)
        self.stack.changed.connect(self._on_change)
        self.stack.refused.connect(self.message)
        self.waveform.set_peaks(None)
        self.waveform.viewport.duration_ms = 0
        self.waveform.set_document(self.stack, self.controller)
        self._update_undo()
        self.transport.set_duration(max((s.end for s in doc.segments), default=0))
        self.video.set_source(audio_path)
        self._show_video_at(self.player.position_ms)
        if audio_path:
            self._load_audio(audio_path)

    def _let_go_of_stack(self) -> None:
        """Disconnect the last job's history (kept by its job) and drop the last list model."""
        previous, model = self.stack, self.model
        if previous is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # "not connected": fine
                for signal, slot in (
                    (previous.changed, self._on_change),
                    (previous.refused, self.message),
                    (previous.changed, self.waveform._on_doc_changed),
                    *([(previous.changed, model._on_change)] if model is not None else []),
                ):
                    with contextlib.suppress(RuntimeError, TypeError):  # gone with its job
                        signal.disconnect(slot)
            if self._own_stack:
                previous.deleteLater()
        if model is not None:
            model.deleteLater()

    def set_rules(self, rules: SubtitleRules) -> None:
        """Check the cues against ``rules`` from now on (the list's warnings and CPS at once)."""
        self.rules = rules
        if self.model is not None:
            self.model.set_rules(rules)

    def _load_audio(self, audio_path: str) -> None:
        self._loads += 1
        ticket = self._loads  # peaks: beside the project first, then the per-user cache

        def cached(pyramid: PeakPyramid | None) -> None:
            if ticket != self._loads:
                return  # another job was opened meanwhile
            if pyramid is not None:
                self._show_peaks(pyramid)
            run_task(
                lambda: decode_with_peaks(self.peak_cache, audio_path, pyramid=pyramid),
                decoded,
                failed,
            )

        def decoded(result: tuple[np.ndarray, PeakPyramid]) -> None:
            if ticket != self._loads:
                return
            self.samples, pyramid = result
            self.player.set_audio(self.samples)
            if self.waveform.pyramid is not pyramid:
                self._show_peaks(pyramid)

        def failed(exc: BaseException) -> None:
            if ticket == self._loads:
                self.message.emit(f"No waveform: {exc}")

        run_task(lambda: self.peak_cache.load(audio_path), cached, failed)

    def _show_peaks(self, pyramid: PeakPyramid) -> None:
        self.waveform.set_peaks(pyramid)
        self.transport.set_duration(pyramid.duration_ms)
        if self.controller is not None and self.controller.media_end_ms is None:
            self.controller.media_end_ms = pyramid.duration_ms
        ticket, controller = self._loads, self.controller

        def found(edges: list[int]) -> None:
            if ticket == self._loads and controller is not None:
                controller.silences = edges  # edges snap to where speech stops and starts

        run_task(lambda: silence_edges(pyramid), found, lambda _exc: None)

    # --- selection ---------------------------------------------------------------------------
    @property
    def selected(self) -> int:
        return self.waveform.selected

    def select(self, row: int) -> None:
        if self.stack is not None and 0 <= row < len(self.stack.doc):
            self._select_row(row)
            self.waveform.select(row)

    def _select_row(self, row: int) -> None:
        if self._syncing or self.model is None:
            return
        self._syncing = True
        try:
            sel = self.table.selectionModel()
            if row < 0:
                sel.clearSelection()
            else:
                flags = QItemSelectionModel.SelectionFlag
                sel.setCurrentIndex(self.model.index(row, 0), flags.ClearAndSelect | flags.Rows)
                self.table.scrollTo(self.model.index(row, 0))
        finally:
            self._syncing = False

    def selected_rows(self) -> list[int]:
        """The cues selected in the list (several with Shift/Ctrl), else the waveform's one."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        if not rows and self.selected >= 0:
            rows = [self.selected]
        return rows

    def _on_table_selection(self, _a: QItemSelection, _b: QItemSelection) -> None:
        if self._syncing:
            return
        current = self.table.selectionModel().currentIndex()
        rows = self.selected_rows()
        row = current.row() if current.isValid() and current.row() in rows else -1
        self._syncing = True
        try:
            self.waveform.select(row if row >= 0 else rows[0] if rows else -1)
        finally:
            self._syncing = False

    def _toggle_snapping(self) -> None:
        on = self.actions_by_name["snap"].isChecked()
        if self.controller is not None:
            self.controller.snapping = replace(self.controller.snapping, enabled=on)
        self.message.emit("Snapping on" if on else "Snapping off")

    def _toggle_follow(self) -> None:
        self.waveform.follow_playhead = self.actions_by_name["follow"].isChecked()

    def show_find(self, *, replacing: bool) -> None:
        if self._find_dialog is None:
            self._find_dialog = FindReplaceDialog(self)
        self._find_dialog.show_for(replacing=replacing)

    def show_shortcuts(self) -> None:
        from wavescribe.gui.editor.shortcuts_help import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # --- following the stack -----------------------------------------------------------------
    def _on_change(self, event: HistoryEvent) -> None:
        self._update_undo()
        if event.action != "clean":
            if self.selected >= len(self.stack.doc):  # type: ignore[union-attr]
                self.waveform.select(-1)
            self._agree_selection()
            self._show_video_at(self.player.position_ms)  # the cue's text may have changed
            self.edited.emit()

    def _agree_selection(self) -> None:
        """After an edit, undo or redo (a merge, say, resets the list's rows) the list shows the
        waveform's cue selected; a several-row selection that holds it is kept."""
        if self.model is None or self._syncing:
            return
        rows = [i.row() for i in self.table.selectionModel().selectedRows()]
        if (self.selected < 0 and rows) or (self.selected >= 0 and self.selected not in rows):
            self._select_row(self.selected)

    def _update_undo(self) -> None:
        q = self.stack.qstack if self.stack is not None else None
        undo, redo = (q.undoText(), q.redoText()) if q is not None else ("", "")
        self.undo_action.setEnabled(q is not None and q.canUndo())
        self.redo_action.setEnabled(q is not None and q.canRedo())
        self.undo_action.setText(f"&Undo {undo}" if undo else "&Undo")
        self.redo_action.setText(f"&Redo {redo}" if redo else "&Redo")

    def _follow_current(self, ms: int) -> None:
        if self.model is not None and self.controller is not None:
            row = self.controller.cue_at(ms)
            self.model.set_current(-1 if row is None else row)

    def _sync_scrollbar(self) -> None:
        vp = self.waveform.viewport
        self.scrollbar.blockSignals(True)
        self.scrollbar.setRange(0, int(max(0, vp.duration_ms - vp.visible_ms)))
        self.scrollbar.setPageStep(max(1, int(vp.visible_ms)))
        self.scrollbar.setSingleStep(max(1, int(vp.visible_ms / 20)))
        self.scrollbar.setValue(int(vp.start_ms))
        self.scrollbar.blockSignals(False)

    # --- layout --------------------------------------------------------------------------------
    def save_layout(self) -> None:
        settings.set_value(settings.EDITOR_SPLITTER, self.splitter.saveState())
        if self.video.isVisible():  # a hidden panel's width (0) is not the user's choice
            settings.set_value(settings.EDITOR_TOP_SPLITTER, self.top_splitter.saveState())

    def restore_layout(self) -> None:
        for key, pane in (
            (settings.EDITOR_SPLITTER, self.splitter),
            (settings.EDITOR_TOP_SPLITTER, self.top_splitter),
        ):
            state = settings.get_bytes(key)
            if state is not None:
                pane.restoreState(state)

    def shutdown(self) -> None:
        self.save_layout()
        self.video.shutdown()
        self.player.stop()
        self.retimer.shutdown()
        self.retranscriber.shutdown()
        self.aligner.shutdown()
        self.speaker_actions.shutdown()
