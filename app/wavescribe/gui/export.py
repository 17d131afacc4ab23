"""Export the shown transcript as SRT, WebVTT, plain text or JSON.

The file is written off the GUI thread (a long transcript's JSON is megabytes) and atomically by
the core. The last folder and format are remembered; the first export goes beside the audio.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from wavescribe.core.transcript import Transcript
from wavescribe.gui import settings
from wavescribe.gui.engine_bridge import run_task
from wavescribe.gui.errors import show_error

# name -> (label in menus, file dialog filter); the names are core.formats' names.
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "srt": ("SubRip (.srt)", "SubRip subtitles (*.srt)"),
    "vtt": ("WebVTT (.vtt)", "WebVTT subtitles (*.vtt)"),
    "txt": ("Plain Text (.txt)", "Plain text (*.txt)"),
    "json": ("Wavescribe JSON (.json)", "Wavescribe transcript, lossless (*.json)"),
}


SPEAKER_NAMES_KEY = "export/speaker_names"  # "prefix" or "none": NAME: before SRT/TXT cues


def speaker_names_action(parent: QWidget) -> QAction:
    """A checkable menu entry: SRT and TXT exports start cues/paragraphs with the speaker's name
    (WebVTT always carries speakers as voice tags, JSON as fields). Remembered across runs."""
    action = QAction("Speaker &Names in SRT and Text", parent)
    action.setCheckable(True)
    action.setChecked(settings.get_text(SPEAKER_NAMES_KEY, "none") == "prefix")
    action.toggled.connect(
        lambda on: settings.set_value(SPEAKER_NAMES_KEY, "prefix" if on else "none")
    )
    return action


def format_options(fmt: str) -> dict[str, str]:
    """The writer options the export settings ask for in format ``fmt``."""
    if fmt in ("srt", "txt"):
        return {"speaker_names": settings.get_text(SPEAKER_NAMES_KEY, "none")}
    return {}


def ask_export_path(parent: QWidget | None, suggested: Path, fmt: str) -> tuple[Path, str] | None:
    """Ask where to export (a native dialog); the format follows the filter or the extension.

    Tests replace this function to answer without a dialog.
    """
    filters = [f for _, f in EXPORT_FORMATS.values()]
    chosen, chosen_filter = QFileDialog.getSaveFileName(
        parent, "Export Subtitles", str(suggested), ";;".join(filters), EXPORT_FORMATS[fmt][1]
    )
    if not chosen:
        return None
    by_filter = next((n for n, (_, f) in EXPORT_FORMATS.items() if f == chosen_filter), fmt)
    return Path(chosen), by_filter


def target_for(path: Path, fmt: str) -> tuple[Path, str]:
    """A typed known extension wins over the dialog's filter; no extension gets the format's."""
    ext = path.suffix.lower().lstrip(".")
    if ext in EXPORT_FORMATS:
        return path, ext
    return path.with_name(path.name + f".{fmt}"), fmt


def export_transcript(
    parent: QWidget | None,
    transcript: Transcript,
    audio_path: Path,
    fmt: str | None = None,
    on_done: Callable[[Path], None] | None = None,
) -> None:
    """Ask for a file name and write ``transcript`` there (in the background)."""
    fmt = fmt or settings.get_text(settings.LAST_EXPORT_FORMAT, "srt")
    if fmt not in EXPORT_FORMATS:
        fmt = "srt"
    remembered = settings.get_text(settings.LAST_EXPORT_DIR)
    folder = Path(settings.get_dir(settings.LAST_EXPORT_DIR)) if remembered else audio_path.parent
    if not folder.is_dir():
        folder = Path.home()
    answer = ask_export_path(parent, folder / f"{audio_path.stem}.{fmt}", fmt)
    if answer is None:
        return
    target, fmt = target_for(*answer)
    settings.set_dir(settings.LAST_EXPORT_DIR, target.parent)
    settings.set_value(settings.LAST_EXPORT_FORMAT, fmt)

    options = format_options(fmt)

    def write() -> Path:
        from wavescribe.core import formats

        formats.write(transcript, target, fmt, **options)
        return target

    run_task(
        write,
        on_done=on_done,
        on_error=lambda exc: show_error(parent, exc, f"Export to {target.name}"),
    )
