"""Core errors become dialogs here, once: what happened, and what the person can do about it.

Dialogs are window-modal but opened with ``open()`` (never ``exec()``), so no nested event loop
runs and jobs keep going behind them. While one error box is showing, further errors are added to
it rather than stacking boxes. ``present`` is the single place a box appears; tests can watch it.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from wavescribe.core import errors
from wavescribe.gui.hints import phrase_hint


@dataclass(frozen=True, slots=True)
class Explanation:
    title: str  # short: what happened
    detail: str  # the core's one-line message
    advice: str  # what to do about it
    technical: str = ""  # a traceback, for bugs only


_ADVICE: list[tuple[type[BaseException], str, str]] = [
    (errors.Cancelled, "Cancelled", "Nothing was written."),
    (
        errors.InputNotFound,
        "The file cannot be opened",
        "Check that it still exists and that you may read it, then add it again.",
    ),
    (
        errors.UnsupportedAudio,
        "This file has no audio Wavescribe can read",
        "Check that it is the file you meant. Audio (WAV, FLAC, MP3, Ogg, M4A) and video "
        "(MP4, MKV, WebM, MOV) with a sound track work.",
    ),
    (
        errors.CorruptAudio,
        "The file looks damaged",
        "Try another copy of the file, or convert it again from its source.",
    ),
    (
        errors.SubtitleParseError,
        "The subtitle file cannot be read",
        "Fix the line the message names, or export the file again from where it came from.",
    ),
    (
        errors.ModelNotFound,
        "No speech model to use",
        "Open Tools → Models… to download a model or import one you already have.",
    ),
    (
        errors.ModelCorrupt,
        "The speech model is damaged",
        "Open Tools → Models…, delete this model and download or import it again. Your files "
        "and transcripts are not affected.",
    ),
    (
        errors.ConversionError,
        "The model could not be converted",
        "Check that the folder is a complete faster-whisper model, or import a GGML file.",
    ),
    (
        errors.DownloadError,
        "The model could not be downloaded",
        "Check the connection and try again: the download resumes where it stopped.",
    ),
    (
        errors.ModelError,
        "There is a problem with the speech model",
        "Open Tools → Models… to choose, download or import another model.",
    ),
    (
        errors.EngineCrashed,
        "The transcription engine crashed",
        "Your other files and transcripts are safe. Try this file again; if it crashes again, "
        "try another model.",
    ),
    (
        errors.EngineError,
        "Transcription failed",
        "Try again. If it keeps failing, try another model or a shorter part of the file.",
    ),
    (
        errors.InputError,
        "The file cannot be used",
        "Check that it is an audio or video file, then add it again.",
    ),
    (
        errors.WavescribeError,
        "Something went wrong",
        "Try again; the message above says what failed.",
    ),
    (
        MemoryError,
        "Not enough memory",
        "Close other programs, or choose a smaller model in Models…",
    ),
    (
        OSError,
        "The file could not be written or read",
        "Check that the folder exists, that you may write there and that the disk is not full; "
        "or choose another place.",
    ),
]


def explain(exc: BaseException) -> Explanation:
    """Turn any exception into words a person can act on (unknown ones are reported as bugs)."""
    message = str(exc) or type(exc).__name__
    if "out of memory" in message.lower() and isinstance(exc, errors.EngineError):
        return Explanation(
            "Not enough memory for this model",
            message,
            "Close other programs, or choose a smaller model in Models… (tiny and base need "
            "the least).",
        )
    hint = getattr(exc, "hint", None)
    for cls, title, advice in [*_project_advice(), *_ADVICE]:
        if isinstance(exc, cls):
            # The core's hint is about this very error; the class's advice is the fallback.
            return Explanation(title, message, phrase_hint(hint) if hint is not None else advice)
    technical = "".join(traceback.format_exception(exc))
    return Explanation(
        "Something went wrong inside Wavescribe",
        f"{type(exc).__name__}: {message}",
        "This is a bug. Your other work is unharmed; please report it with the details below.",
        technical,
    )


def _project_advice() -> list[tuple[type[BaseException], str, str]]:
    from wavescribe.core.project import project_file as project

    return [
        (
            project.ProjectTooNew,
            "This project is from a newer Wavescribe",
            "Update Wavescribe to open it.",
        ),
        (
            project.ProjectWriteError,
            "The project could not be saved",
            "Choose another folder, or free some disk space. The previous file is unchanged.",
        ),
        (
            project.ProjectError,
            "The project cannot be opened",
            "Check that it is a Wavescribe project file; an autosaved copy may be offered at "
            "the next start if the app crashed.",
        ),
    ]


def show_error(parent: QWidget | None, exc: BaseException, context: str = "") -> None:
    """Show an error dialog (or add to the one already showing); ``context`` names the file."""
    info = explain(exc)
    present(parent, info, context)


_open_box: QMessageBox | None = None
_entries: list[str] = []


def present(parent: QWidget | None, info: Explanation, context: str = "") -> QMessageBox:
    """The one place an error box appears."""
    global _open_box
    heading = f"{context}: {info.title}" if context else info.title
    body = f"{info.detail}\n\n{info.advice}"
    box = _open_box
    if box is not None and _alive(box) and box.isVisible():
        if len(_entries) == 1:
            _entries[0] = f"— {box.text()}\n{box.informativeText()}"
        _entries.append(f"— {heading}\n{body}")
        box.setText(f"{len(_entries)} problems")
        box.setInformativeText("\n\n".join(_entries))
        return box
    box = QMessageBox(parent)
    box.setObjectName("errorBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Wavescribe")
    box.setText(heading)
    box.setInformativeText(body)
    if info.technical:
        box.setDetailedText(info.technical)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    _open_box = box
    _entries[:] = [heading]
    return box


def _alive(widget: QWidget) -> bool:
    try:
        widget.isVisible()
    except RuntimeError:
        return False
    return True
