"""The model manager: see the catalog, download/import/delete models, pick the default.

Every slow step (download, conversion, hashing an imported file, asking whisper.cpp about the
hardware) runs on a ``ModelTask`` thread; results come back as queued signals, so the dialog keeps
painting. One install runs at a time; Cancel stops it (a cancelled download keeps its ``.part``
in the store, so the next Download resumes). Questions go through ``confirm``/``choose``, which
tests replace to avoid modal boxes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wavescribe.core.errors import Cancelled, WavescribeError
from wavescribe.core.humanize import format_gb
from wavescribe.core.models.download import DownloadProgress
from wavescribe.core.models.hardware_fit import (
    MemoryFit,
    SystemInfo,
    available_memory_bytes,
    memory_fit,
    parse_system_info,
)
from wavescribe.core.models.starter import STARTER_ID
from wavescribe.core.models.store import ModelStore, model_id_from_filename
from wavescribe.gui.help import install_f1
from wavescribe.gui.models.table import (
    ModelRow,
    ModelTable,
    collect_rows,
    download_text,
    effective_default,
)
from wavescribe.gui.models.tasks import (
    ModelTask,
    Work,
    convert_work,
    ct2_model_id,
    download_work,
    import_ggml_work,
    starter_work,
)

UNVERIFIED_TEXT = (
    "No checksum has been published for this model, so Wavescribe cannot prove that the "
    "download is the intended file. After downloading it checks the file's structure and "
    "records its SHA-256."
)


class ModelManagerDialog(QDialog):
    """Lists catalog and installed models and installs, removes or picks them."""

    models_changed = Signal()  # something was installed, removed, or made the default
    download_progress = Signal(str, object)  # model id, DownloadProgress
    task_finished = Signal(str, object)  # model id, None or the exception

    def __init__(
        self,
        store: ModelStore | None = None,
        parent: QWidget | None = None,
        *,
        available_memory: Callable[[], int | None] = available_memory_bytes,
        system_info: SystemInfo | None = None,
    ) -> None:
        """``system_info`` is the app's record of whisper.cpp's (default: asked anew)."""
        super().__init__(parent)
        self.system_info = system_info if system_info is not None else SystemInfo()
        self.setWindowTitle("Speech models")
        self.setObjectName("modelManager")
        self.resize(900, 520)
        self.store = store or ModelStore()
        self._available_memory = available_memory
        self._task: ModelTask | None = None
        self._task_id: str | None = None
        self._verb = ""
        self._info_task: ModelTask | None = None
        self._build()
        self.refresh()
        QTimer.singleShot(0, self._start_backend_info)

    def _build(self) -> None:
        self.table = ModelTable(self)
        self.table.itemSelectionChanged.connect(self._update_actions)
        self.details = QLabel(self, wordWrap=True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        for key, text, slot in (
            ("download", "&Download", self.download),
            ("cancel", "&Cancel", self.cancel),
            ("import_ggml", "Import &GGML file…", self.import_ggml),
            ("import_ct2", "Import &faster-whisper folder…", self.import_ct2_folder),
            ("delete", "De&lete", self.delete),
            ("default", "Set as d&efault", self.set_default),
        ):
            button = QPushButton(text, self)
            button.clicked.connect(lambda _=False, s=slot: s())
            actions.addWidget(button)
            self.buttons[key] = button
        actions.addStretch()
        self.progress_bar = QProgressBar(self, maximum=1000)
        self.progress_label = QLabel(self)
        self.progress_bar.setVisible(False)
        self.progress_label.setVisible(False)
        self.message_label = QLabel(self, wordWrap=True)
        self.memory_label = QLabel(self)
        self.backend_label = QLabel("Compute backend: checking…", self, wordWrap=True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)

        install_f1(self, "models")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Models are stored in {self.store.root}", self))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addLayout(actions)
        widgets: tuple[QWidget, ...] = (self.progress_bar, self.progress_label, self.message_label)
        for widget in (*widgets, self.memory_label, self.backend_label, close):
            layout.addWidget(widget)

    # --- state ----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Whether a download or import is running."""
        return self._task is not None

    def selected_id(self) -> str | None:
        return self.table.selected_id()

    def memory_fit_for(self, model_id: str) -> MemoryFit:
        """The memory verdict of a row (available memory is read now)."""
        return memory_fit(self.table.row_for(model_id).memory_need(), self._available_memory())

    def refresh(self) -> None:
        """Re-read the store and catalog and redraw the table, keeping the selection."""
        rows, problem = collect_rows(self.store)
        if problem:
            self._say(problem, error=True)
        free = self._available_memory()
        self.table.show_rows(
            rows,
            default=effective_default(self.store, rows),
            user_default=self.store.default_model(),
            free=free,
            status=lambda r: "Working…" if r.id == self._task_id else r.status(self.store),
        )
        self.memory_label.setText(
            f"Memory available now: {format_gb(free)}"
            if free is not None
            else "This system does not say how much memory is free; models are not checked."
        )
        self._update_actions()

    def _update_actions(self) -> None:
        row = self.table.selected_row()
        installed = row is not None and row.installed is not None
        entry = row.entry if row else None
        can_get = entry is not None and (entry.downloadable or entry.id == STARTER_ID)
        self.buttons["download"].setEnabled(not self.busy and can_get and not installed)
        self.buttons["download"].setText("&Download" if not entry or entry.urls else "&Install")
        self.buttons["cancel"].setEnabled(self.busy)
        self.buttons["import_ggml"].setEnabled(not self.busy)
        self.buttons["import_ct2"].setEnabled(not self.busy)
        self.buttons["delete"].setEnabled(not self.busy and installed)
        default = effective_default(self.store, self.table.rows)
        chosen = row is not None and row.id in (self.store.default_model(), default)
        self.buttons["default"].setEnabled(installed and not chosen)
        self.buttons["default"].setToolTip(
            "This is the default model" if installed and chosen else "Use it when none is chosen"
        )
        self.details.setText(self._describe(row) if row else "")

    def _describe(self, row: ModelRow) -> str:
        lines = [f"{row.name} ({row.id})"]
        if row.entry is not None:
            if row.entry.notes:
                lines.append(row.entry.notes)
            if row.entry.downloadable and not row.entry.verified:
                lines.append(UNVERIFIED_TEXT)
        warning = memory_fit(row.memory_need(), self._available_memory()).warning
        if warning:
            lines.append("⚠ " + warning)
        return "\n".join(lines)

    # --- questions (tests replace these) -------------------------------------------------
    def confirm(self, title: str, text: str) -> bool:
        """Ask a yes/no question (modal)."""
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def choose(self, title: str, text: str, options: list[str]) -> str | None:
        """Pick one of ``options`` (modal); None if the user cancels."""
        choice, ok = QInputDialog.getItem(self, title, text, options, 0, False)
        return choice if ok else None

    # --- actions --------------------------------------------------------------------------
    def download(self, model_id: str | None = None) -> bool:
        """Download or resume a catalog model, asking first where needed; False: not started."""
        model_id = model_id or self.selected_id()
        if model_id is None or self.busy:
            return False
        row = self.table.row_for(model_id)
        starter = row.entry is not None and row.entry.id == STARTER_ID
        if row.entry is None or not (row.entry.downloadable or starter):
            return False
        fit = self.memory_fit_for(model_id)
        if not fit.fits and not self.confirm(
            "Model may not fit in memory", f"{fit.warning}\n\nDownload {row.name} anyway?"
        ):
            return False
        if not row.entry.downloadable:
            return self._run(model_id, starter_work(self.store), "Converting")
        unverified = not row.entry.verified
        if unverified and not self.confirm(
            "Download without a checksum?", f"{row.name}: {UNVERIFIED_TEXT}\n\nDownload it?"
        ):
            return False
        return self._run(model_id, download_work(self.store, model_id, unverified), "Downloading")

    def cancel(self) -> None:
        """Stop the running download or import (it reports back as cancelled)."""
        if self._task is not None:
            self._task.cancel.set()
            self.progress_label.setText("Cancelling…")

    def import_ggml(self, path: str | Path | None = None) -> bool:
        """Install a whisper.cpp GGML file (validated, hashed and copied off the GUI thread)."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import a whisper.cpp model", "", "GGML models (*.bin);;All files (*)"
            )
        if not path or self.busy:
            return False
        model_id = model_id_from_filename(Path(path).name)
        return self._run(model_id, import_ggml_work(self.store, Path(path)), "Importing")

    def import_ct2_folder(
        self,
        path: str | Path | None = None,
        model_id: str | None = None,
        quantization: str | None = None,
    ) -> bool:
        """Convert a faster-whisper (CTranslate2) folder to GGML and install it."""
        if path is None:
            path = QFileDialog.getExistingDirectory(self, "Import a faster-whisper model folder")
        if not path or self.busy:
            return False
        if quantization is None:
            labels = ["q8_0 (smaller and faster)", "f16 (full precision)"]
            choice = self.choose("Import faster-whisper model", "Store the weights as:", labels)
            if choice is None:
                return False
            quantization = choice.split()[0]
        src = Path(path)
        model_id = model_id or ct2_model_id(src, quantization)
        return self._run(
            model_id, convert_work(self.store, src, model_id, quantization), "Converting"
        )

    def delete(self, model_id: str | None = None) -> bool:
        """Remove an installed model after asking."""
        model_id = model_id or self.selected_id()
        if model_id is None or self.busy or not self.store.is_installed(model_id):
            return False
        name = self.table.row_for(model_id).name
        if not self.confirm("Delete model?", f"Delete {name} from this computer?"):
            return False
        try:
            self.store.remove(model_id)
        except (WavescribeError, OSError) as exc:
            self._say(f"Could not delete {name}: {exc}", error=True)
            return False
        self._say(f"Deleted {name}.")
        self._changed()
        return True

    def set_default(self, model_id: str | None = None) -> bool:
        """Make an installed model the one used when a job does not name one."""
        model_id = model_id or self.selected_id()
        if model_id is None:
            return False
        try:
            self.store.set_default(model_id)
        except WavescribeError as exc:
            self._say(str(exc), error=True)
            return False
        self._say(f"{self.table.row_for(model_id).name} is now the default model.")
        self._changed()
        return True

    # --- running work ---------------------------------------------------------------------
    def _run(self, model_id: str, fn: Work, verb: str) -> bool:
        # Bound methods of the dialog (not lambdas) as slots: Qt then surely runs them on the
        # dialog's thread, whichever thread emits.
        task = ModelTask(verb.lower(), fn)
        task.progress.connect(self._on_progress)
        task.done.connect(self._on_done)
        task.failed.connect(self._on_finished)
        self._task, self._task_id, self._verb = task, model_id, verb
        self.progress_bar.setRange(0, 0)  # busy until the first report
        self.progress_bar.setVisible(True)
        self.progress_label.setText(f"{verb} {model_id}…")
        self.progress_label.setVisible(True)
        self._say("")
        self.refresh()
        task.start()
        return True

    def _on_progress(self, value: Any) -> None:
        if self._task is None or self._task_id is None or self._task.cancel.is_set():
            return
        model_id, verb = self._task_id, self._verb
        if isinstance(value, DownloadProgress):
            self.download_progress.emit(model_id, value)
            fraction, text = value.fraction, download_text(value)
        else:
            fraction, text = float(value), f"{float(value):.0%}"
        self.progress_label.setText(f"{verb} {model_id}: {text}")
        if fraction is not None:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(fraction * 1000))
            self.table.set_status(model_id, f"{verb} {fraction:.0%}")

    def _on_done(self, _result: Any) -> None:
        self._on_finished(None)

    def _on_finished(self, error: BaseException | None) -> None:
        task, model_id = self._task, self._task_id
        if task is None or model_id is None:
            return  # shut down meanwhile
        task.stop()  # the thread is past its last emit: this join is immediate
        self._task = self._task_id = None
        self.progress_bar.setVisible(False)
        self.progress_label.setVisible(False)
        if error is None:
            self._say(f"Installed {model_id}.")
        elif isinstance(error, Cancelled):
            self._say(str(error))
        elif isinstance(error, WavescribeError | OSError):
            self._say(str(error), error=True)
        else:
            self._say(f"Unexpected error ({type(error).__name__}): {error}", error=True)
        self._changed()
        self.task_finished.emit(model_id, error)

    def _start_backend_info(self) -> None:
        def work(_report: Any, _cancel: threading.Event) -> str:
            return parse_system_info(self.system_info.get()).summary

        task = ModelTask("system-info", work)
        task.done.connect(self._show_backend)
        task.failed.connect(self._show_backend)
        self._info_task = task.start()

    def _show_backend(self, result: str | BaseException) -> None:
        if self._info_task is None:
            return  # shut down meanwhile
        self._info_task.stop()
        self._info_task = None
        if isinstance(result, BaseException):
            self.backend_label.setText(f"Compute backend: unknown ({result})")
            return
        self.backend_label.setText(f"Compute backend: {result}")
        self.backend_label.setToolTip(self.system_info.known)

    # --- helpers --------------------------------------------------------------------------
    def _changed(self) -> None:
        self.refresh()
        self.models_changed.emit()

    def _say(self, text: str, error: bool = False) -> None:
        self.message_label.setStyleSheet("color: #c62828;" if error else "")
        self.message_label.setText(text)

    def shutdown(self) -> None:
        """Cancel running work and wait for its thread (a closed dialog leaves nothing behind)."""
        for task in (self._task, self._info_task):
            if task is not None:
                task.stop()
        self._task = self._task_id = self._info_task = None

    def done(self, result: int) -> None:
        self.shutdown()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
