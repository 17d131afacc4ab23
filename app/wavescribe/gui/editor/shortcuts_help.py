"""The editor's keyboard shortcuts: one table that the editor binds and the help sheet shows."""

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

# (name, label, shortcut): the editor binds these and the sheet lists them: defined once
SHORTCUTS: list[tuple[str, str, str]] = [
    ("play", "Play / pause", "Space"),
    ("play_cue", "Play the selected cue", "P"),
    ("loop", "Loop cue: playing the cue repeats it until stopped", "L"),
    ("speed_up", "Play faster (up to 2×)", "Ctrl+Shift+Up"),
    ("speed_down", "Play slower (down to 0.5×)", "Ctrl+Shift+Down"),
    ("prev_cue", "Previous cue (before the playhead)", "Alt+Left"),
    ("next_cue", "Next cue (after the playhead)", "Alt+Right"),
    ("step_back", "Playhead one frame back (audio: 10 ms)", "Ctrl+Left"),
    ("step_forward", "Playhead one frame on (audio: 10 ms)", "Ctrl+Right"),
    ("goto_time", "Go to a time (type it in the transport)", "Ctrl+G"),
    ("prev_suspect", "Previous suspect cue", "Shift+F8"),
    ("next_suspect", "Next suspect cue", "F8"),
    ("mark_checked", "Mark the suspect cue as checked", "Ctrl+K"),
    ("retranscribe", "Re-transcribe the selected cues or span…", "Ctrl+Shift+R"),
    ("retime", "Re-time the selected cues to the speech", "Ctrl+Shift+T"),
    ("align_text", "Align typed or pasted text to the selected cues or span…", "Ctrl+Shift+A"),
    ("split", "Split the cue at the playhead", "S"),
    ("merge", "Merge the cue with the next", "M"),
    ("delete", "Delete the cue", "Ctrl+Delete"),
    ("edit_text", "Edit the cue's text (or double-click it on the waveform)", "F2"),
    ("start_at_playhead", "Set the cue's start at the playhead", "A"),
    ("end_at_playhead", "Set the cue's end at the playhead", "D"),
    ("start_earlier", "Nudge start 10 ms earlier", "["),
    ("start_later", "Nudge start 10 ms later", "]"),
    ("start_earlier_big", "Nudge start 100 ms earlier", "Ctrl+["),
    ("start_later_big", "Nudge start 100 ms later", "Ctrl+]"),
    ("end_earlier", "Nudge end 10 ms earlier", ";"),
    ("end_later", "Nudge end 10 ms later", "'"),
    ("end_earlier_big", "Nudge end 100 ms earlier", "Ctrl+;"),
    ("end_later_big", "Nudge end 100 ms later", "Ctrl+'"),
    ("zoom_in", "Zoom in (or Ctrl+wheel)", "+"),
    ("zoom_out", "Zoom out", "-"),
    ("zoom_cue", "Zoom to the selected cue", "Z"),
    ("zoom_all", "Show the whole file", "Ctrl+0"),
    ("snap", "Snapping on / off", "Ctrl+Shift+S"),
    ("follow", "Follow the playhead on / off", "Ctrl+Shift+F"),
    ("find", "Find in the transcript", "Ctrl+F"),
    ("replace", "Find and replace", "Ctrl+H"),
    ("help", "Keyboard shortcuts", "F1"),
]


def shortcut_rows() -> list[tuple[str, str]]:
    """(keys as this platform shows them, what they do), undo and redo included."""
    native = QKeySequence.SequenceFormat.NativeText
    rows = [
        (QKeySequence(QKeySequence.StandardKey.Undo).toString(native), "Undo"),
        (QKeySequence(QKeySequence.StandardKey.Redo).toString(native), "Redo"),
    ]
    rows += [(QKeySequence(keys).toString(native), label) for _, label, keys in SHORTCUTS]
    rows.append(("Drag an edge / the body", "Retime / move a cue (one undo step)"))
    rows.append(("Click on the waveform", "Move the playhead there (and select the cue)"))
    rows.append(("Drag on empty waveform", "Create a cue"))
    span = "Select a time span (to re-transcribe or align text to it)"
    rows.append(("Shift+drag on the waveform", span))
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
