"""Files into the window: the Open dialog, and files or folders dropped on it (a folder brings
the media files directly inside it). A mixin of :class:`~wavescribe.gui.main_window.MainWindow`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QWidget

from wavescribe.gui import settings
from wavescribe.gui.media_types import MEDIA_SUFFIXES

if TYPE_CHECKING:
    from wavescribe.gui.workspace import Workspace

OPEN_FILTERS = ";;".join(
    (
        "Audio, video, subtitles and projects ("
        + " ".join(f"*{s}" for s in MEDIA_SUFFIXES)
        + " *.srt *.vtt *.wsproj)",
        "Wavescribe projects (*.wsproj)",
        "All files (*)",
    )
)


def ask_open_paths(parent: QWidget | None) -> list[str]:
    """Native open dialog; tests replace this function."""
    folder = settings.get_dir(settings.LAST_OPEN_DIR)
    paths, _ = QFileDialog.getOpenFileNames(parent, "Open Audio or Video", folder, OPEN_FILTERS)
    return paths


class FileDrop:
    """Drag and drop of files and folders onto the window."""

    workspace: Workspace

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: Any) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        files = expand_folders(paths)
        if files:
            event.acceptProposedAction()
            self.workspace.add_files(files)


def expand_folders(paths: list[str]) -> list[str]:
    """Files as they are; a dropped folder contributes the media files directly inside it."""
    out: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += sorted(str(c) for c in p.iterdir() if c.suffix.lower() in MEDIA_SUFFIXES)
        else:
            out.append(raw)
    return out
