"""The keyboard shortcuts sheet: the editor's own table of actions, so it cannot go stale."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def shortcut_rows() -> list[tuple[str, str]]:
    """(keys as this platform shows them, what they do), undo and redo included."""
    from wavescribe.gui.editor import SHORTCUTS

    native = QKeySequence.SequenceFormat.NativeText
    rows = [
        (QKeySequence(QKeySequence.StandardKey.Undo).toString(native), "Undo"),
        (QKeySequence(QKeySequence.StandardKey.Redo).toString(native), "Redo"),
    ]
    rows += [(QKeySequence(keys).toString(native), label) for _, label, keys in SHORTCUTS]
    rows.append(("Drag an edge / the body", "Retime / move a cue (one undo step)"))
    rows.append(("Drag on empty waveform", "Create a cue"))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcut_rows()
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (keys, label) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(label))
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(460, 560)
