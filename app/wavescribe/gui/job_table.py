"""The queue on screen: a table of jobs with a progress bar and a button in each row: Cancel while
a job is queued or runs, Retry once it failed or was cancelled (also in the row's context menu).
A failed or cancelled job's bar is grey and still, at the point where it stopped."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from wavescribe.core.jobs import Job, JobState
from wavescribe.gui.jobs import JobQueueModel

_Index = QModelIndex | QPersistentModelIndex


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress cell as a progress bar (a busy bar when the value is unknown)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        value = index.data(JobQueueModel.ProgressRole)
        job: Job = index.data(JobQueueModel.JobRole)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, 0 if value is None else 1000
        bar.progress = 0 if value is None else int(value * 1000)
        bar.text = index.data() or ""
        bar.textVisible = True
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        if job is not None and job.state in (JobState.FAILED, JobState.CANCELLED):
            # Grey and still. Styles paint the chunk in Highlight whatever the state flags (and a
            # selected row's in the selection colour): grey it in every colour group.
            bar.state &= ~(QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Selected)
            bar.palette = QPalette(option.palette)
            grey = option.palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Mid)
            for group in (
                QPalette.ColorGroup.Active,
                QPalette.ColorGroup.Inactive,
                QPalette.ColorGroup.Disabled,
            ):
                bar.palette.setColor(group, QPalette.ColorRole.Highlight, grey)
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class CancelDelegate(QStyledItemDelegate):
    """A push button drawn in the cell (Cancel or Retry); a click emits ``clicked(job_id)``."""

    clicked = Signal(int)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        text = index.data()
        if not text:
            return
        button = QStyleOptionButton()
        button.rect = option.rect.adjusted(2, 2, -2, -2)
        button.text = text
        button.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, option.widget)

    def editorEvent(
        self, event: QEvent, model: object, option: QStyleOptionViewItem, index: _Index
    ) -> bool:
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and index.data()
            and option.rect.contains(event.position().toPoint())
        ):
            self.clicked.emit(index.data(JobQueueModel.JobRole).id)
            return True
        return False


class JobTable(QTableView):
    """Emits what the user asks of a job; the window decides what that means."""

    cancel_requested = Signal(int)
    retry_requested = Signal(int)
    options_requested = Signal(int)
    remove_requested = Signal(int)
    clear_finished_requested = Signal()
    job_activated = Signal(int)  # the user picked a job to look at

    def __init__(self, model: JobQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobTable")
        self._jobs = model
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.verticalHeader().hide()
        self.setWordWrap(False)
        self.setItemDelegateForColumn(JobQueueModel.PROGRESS, ProgressDelegate(self))
        cancel = CancelDelegate(self)
        cancel.clicked.connect(self._on_button)
        self.setItemDelegateForColumn(JobQueueModel.CANCEL, cancel)
        header = self.horizontalHeader()
        header.setSectionResizeMode(JobQueueModel.FILE, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 130), (2, 140), (3, 70), (4, 70), (5, 80)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(col, width)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.clicked.connect(self._on_clicked)

    def job_at_row(self, row: int) -> Job | None:
        if row < 0:
            return None
        return self.model().index(row, 0).data(JobQueueModel.JobRole)

    def select_job(self, job_id: int) -> None:
        row = self._jobs.row_of(job_id)
        if row >= 0:
            self.selectRow(row)

    def _on_button(self, job_id: int) -> None:
        job = self._jobs.job(job_id)
        if job is not None and job.state in (JobState.FAILED, JobState.CANCELLED):
            self.retry_requested.emit(job_id)
        elif job is not None and not job.state.finished:
            self.cancel_requested.emit(job_id)

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.column() != JobQueueModel.CANCEL and (job := self.job_at_row(index.row())):
            self.job_activated.emit(job.id)

    def _context_menu(self, pos: QPoint) -> None:
        self.context_menu_for(self.indexAt(pos).row()).popup(self.viewport().mapToGlobal(pos))

    def context_menu_for(self, row: int) -> QMenu:
        """The menu a right click on ``row`` opens (-1: below the rows)."""
        job = self.job_at_row(row)
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if job is not None:
            if not job.state.finished:
                menu.addAction("Cancel", lambda: self.cancel_requested.emit(job.id))
            if job.state in (JobState.FAILED, JobState.CANCELLED):
                menu.addAction("Retry", lambda: self.retry_requested.emit(job.id))
            options: QAction = menu.addAction(
                "Options for This File…", lambda: self.options_requested.emit(job.id)
            )
            options.setEnabled(job.state is JobState.QUEUED)
            if job.state.finished:
                menu.addAction("Remove from List", lambda: self.remove_requested.emit(job.id))
            menu.addSeparator()
        menu.addAction("Clear Finished", self.clear_finished_requested.emit)
        return menu
