"""The empty window: what to do, and which model will do the work.

Shown until the first file is added. Which model that is takes a look at the disk (and maybe the
starter package), so the sentence is worked out off the GUI thread and filled in when ready.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from wavescribe.gui.engine_bridge import run_task
from wavescribe.gui.hints import with_hint
from wavescribe.gui.resources import app_icon


def describe_model(spec: str | None = None, store: object | None = None) -> str:
    """One or two sentences saying which model a new job will use (runs off the GUI thread)."""
    from wavescribe.core.errors import ModelError
    from wavescribe.core.humanize import format_size
    from wavescribe.core.models.starter import STARTER_ID, starter_available
    from wavescribe.core.models.store import ModelStore

    store = store if store is not None else ModelStore()
    assert isinstance(store, ModelStore)
    try:
        path = store.resolve(spec)
    except ModelError as exc:
        if spec not in (None, STARTER_ID):
            return f"The chosen model cannot be used: {with_hint(exc)}"

        if starter_available():
            return (
                "Model: <b>tiny.en</b> (English), the starter model that comes with Wavescribe. "
                "It is prepared once, the first time you transcribe (a few seconds). "
                "Larger, more accurate and multilingual models are in Models…"
            )
        return (
            "No speech model is installed yet. Open <b>Models…</b> to download one or to import "
            "a model file you already have."
        )
    size = format_size(path.stat().st_size)
    return f"Model: <b>{path.stem}</b> ({size}). Change it in Options or Models…"


class FirstRunPanel(QWidget):
    open_requested = Signal()
    models_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunPanel")
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Drop audio or video files here")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        open_keys = QKeySequence(QKeySequence.StandardKey.Open).toString(
            QKeySequence.SequenceFormat.NativeText
        )
        hint = QLabel(
            f"…or choose <b>File → Open</b> ({open_keys}). Each file joins the queue and its "
            "subtitles appear below as they are transcribed, on this computer: nothing is "
            "uploaded. Export them as SRT, WebVTT, text or JSON when done."
        )
        self.model_label = QLabel("Looking for a speech model…")
        self.model_label.setObjectName("firstRunModel")
        for label in (hint, self.model_label):
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        open_button = QPushButton("Open Files…")
        open_button.setDefault(True)
        open_button.clicked.connect(self.open_requested)
        models_button = QPushButton("Models…")
        models_button.clicked.connect(self.models_requested)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(open_button)
        buttons.addWidget(models_button)
        buttons.addStretch()

        # A column of readable width, centred: wrapped labels get their full height from it.
        column = QWidget()
        column.setMaximumWidth(560)
        inner = QVBoxLayout(column)
        inner.addWidget(icon)
        inner.addSpacing(8)
        inner.addWidget(title)
        inner.addWidget(hint)
        inner.addSpacing(4)
        inner.addWidget(self.model_label)
        inner.addSpacing(12)
        inner.addLayout(buttons)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(column, 10)
        row.addStretch()
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addLayout(row)
        layout.addStretch(3)

    def refresh_model(self, spec: str | None = None) -> None:
        """Work out (in the background) which model will be used and say so."""
        run_task(
            lambda: describe_model(spec),
            self.model_label.setText,
            lambda exc: self.model_label.setText(f"Could not look for models: {exc}"),
        )
