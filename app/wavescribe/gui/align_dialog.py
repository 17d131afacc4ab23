"""File → Align Script…: choose the media and the script, align off the GUI thread, open the
result in the editor as a finished job.

The work (model, engine, transcription, alignment: ``core.align.aligner.align_media``) runs on
the task pool (``engine_bridge.run_task``) with an engine of its own that is closed afterwards;
progress and the result come back through ``TaskRunner.to_gui``. Cancel stops the engine within
about a second and changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.transcript import Transcript
from wavescribe.gui.engine_bridge import install, run_task

if TYPE_CHECKING:
    from wavescribe.gui.workspace import Workspace

SCRIPT_FILTERS = "Scripts and subtitles (*.txt *.srt *.vtt);;All files (*)"
STAGES = {
    "model": "Preparing the model",
    "load": "Loading the model",
    "decode": "Reading audio",
    "transcribe": "Listening",
    "refine": "Aligning the script",
    "align": "Timing the script's words",
}


class AlignDialog(QDialog):
    """Pick media and script, then Align; ``aligned(media, transcript)`` is called on success."""

    def __init__(
        self,
        options: TranscribeOptions,
        model: str | None,
        aligned: Callable[[str, Transcript], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Align Script")
        self.setObjectName("alignDialog")
        self._options, self._model, self._aligned = options, model, aligned
        self._cancel = threading.Event()
        self._engine: Any = None
        self.running = False
        self.media_edit = QLineEdit()
        self.script_edit = QLineEdit()
        form = QFormLayout()
        form.addRow("Audio or video:", self._with_browse(self.media_edit, self._browse_media))
        form.addRow("Script:", self._with_browse(self.script_edit, self._browse_script))
        hint = QLabel(
            "Plain text (paragraphs, or one line per cue), or SRT/VTT with wrong or missing "
            "timings. The words stay as written; only the timings are computed."
        )
        hint.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("alignStatus")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.hide()
        self.buttons = QDialogButtonBox()
        self.align_button = self.buttons.addButton("Align", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.align_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())

    def _with_browse(self, edit: QLineEdit, browse: Callable[[], None]) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        button = QPushButton("Browse…")
        button.clicked.connect(browse)
        row.addWidget(button)
        return box

    def _browse_media(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Audio or Video to Align To")
        if path:
            self.media_edit.setText(path)

    def _browse_script(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Script to Align", "", SCRIPT_FILTERS)
        if path:
            self.script_edit.setText(path)

    # -- running --------------------------------------------------------------------------
    def start(self) -> None:
        """Check the inputs here (a clear line, no thread), then align on the task pool."""
        from wavescribe.core import errors
        from wavescribe.core.align.script import read_script

        media, script_path = self.media_edit.text().strip(), self.script_edit.text().strip()
        if not media or not Path(media).is_file():
            self.status.setText(f"Choose an audio or video file{': ' + media if media else ''}.")
            return
        try:
            script = read_script(script_path)
        except errors.WavescribeError as exc:
            self.status.setText(str(exc) if script_path else "Choose the script to align.")
            return
        self.running = True
        self._cancel.clear()
        self.align_button.setEnabled(False)
        self.bar.show()
        self.bar.setRange(0, 0)
        self.status.setText("Starting…")
        options, model = self._options, self._model
        self._to_gui = install().to_gui  # looked up here, on the GUI thread

        def work() -> Transcript:
            return self._work(media, script, options, model)

        run_task(
            work,
            on_done=lambda result: self._finished(media, result),
            on_error=self._failed,
        )

    def cancel(self) -> None:
        """Stop a running alignment (nothing changes), or close the dialog."""
        if not self.running:
            self.reject()
            return
        self._cancel.set()
        engine = self._engine
        if engine is not None:
            engine.cancel()
        self.status.setText("Cancelling…")

    def _work(
        self, media: str, script: Any, options: TranscribeOptions, model: str | None
    ) -> Transcript:
        """On the task pool: model, engine, transcription and alignment."""
        from wavescribe.core import errors
        from wavescribe.core.align.aligner import align_media
        from wavescribe.core.engine.client import Engine, Progress
        from wavescribe.core.models.starter import resolve_model

        def report(stage: str, fraction: float) -> None:
            self._to_gui(self._progress, stage, fraction)

        model_path = resolve_model(model, progress=lambda f: report("model", f))
        if self._cancel.is_set():
            raise errors.Cancelled("alignment cancelled")

        def on_event(ev: Any) -> None:
            if self._cancel.is_set():
                engine.cancel()
            if isinstance(ev, Progress):
                report(ev.stage, ev.fraction)

        with Engine(model_path, use_gpu=options.use_gpu) as engine:
            self._engine = engine
            try:
                return align_media(
                    engine, media, script, options, on_event, cancelled=self._cancel.is_set
                )
            finally:
                self._engine = None

    def _progress(self, stage: str, fraction: float) -> None:
        if not self.running:
            return
        self.status.setText(STAGES.get(stage, stage.capitalize()) + "…")
        self.bar.setRange(0, 1000)
        self.bar.setValue(round(max(0.0, min(1.0, fraction)) * 1000))

    def _finished(self, media: str, result: Transcript) -> None:
        self.running = False
        self._aligned(media, result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        from wavescribe.core import errors

        self.running = False
        self.align_button.setEnabled(True)
        self.bar.hide()
        if isinstance(exc, errors.Cancelled) or self._cancel.is_set():
            self.status.setText("Alignment cancelled: nothing changed.")
        else:
            self.status.setText(f"Alignment failed: {exc}")


def open_align_dialog(parent: QWidget, workspace: Workspace) -> AlignDialog:
    """Show the dialog; a result opens in the editor as a finished job, its summary in the
    status bar of ``parent`` (a main window)."""

    def aligned(media: str, transcript: Transcript) -> None:
        workspace.add_transcript(media, transcript)
        summary = transcript.metadata.get("alignment", {}).get("summary", "")
        workspace.status.emit(f"Aligned {Path(media).name}: {summary}")

    dialog = AlignDialog(workspace.defaults, workspace.default_model, aligned, parent)
    dialog.open()
    return dialog
