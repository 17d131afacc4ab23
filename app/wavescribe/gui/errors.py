"""Core errors become dialogs here, once: what happened, and what the person can do about it.

Dialogs are window-modal but opened with ``open()`` (never ``exec()``), so no nested event loop
runs and jobs keep going behind them. While a window's error box is showing, further errors are
added to it rather than stacking boxes. ``present`` is the single place a box appears; tests can
watch it.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, Qt
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


class ErrorBox(QMessageBox):
    """The error box of one window; errors that arrive while it shows are added to it.

    The box holds its own list of problems, and the window it belongs to is its Qt parent: no
    module keeps track of which box is open.
    """

    def __init__(self, parent: QWidget | None, heading: str, body: str, technical: str) -> None:
        super().__init__(parent)
        self.setObjectName("errorBox")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Wavescribe")
        self.setText(heading)
        self.setInformativeText(body)
        if technical:
            self.setDetailedText(technical)
        self.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.problems = [f"— {heading}\n{body}"]

    def add(self, heading: str, body: str) -> None:
        """List one more problem in this box."""
        self.problems.append(f"— {heading}\n{body}")
        self.setText(f"{len(self.problems)} problems")
        self.setInformativeText("\n\n".join(self.problems))


def present(parent: QWidget | None, info: Explanation, context: str = "") -> QMessageBox:
    """The one place an error box appears (added to the window's box when one is showing)."""
    heading = f"{context}: {info.title}" if context else info.title
    body = f"{info.detail}\n\n{info.advice}"
    box = _showing_box(parent)
    if box is not None:
        box.add(heading, body)
        return box
    box = ErrorBox(parent, heading, body, info.technical)
    if parent is None:
        _WindowlessBox.of_app().box = box
    box.open()
    return box


class _WindowlessBox(QObject):
    """Holds the error box that has no window (errors from background work with no owner): a
    widget without a parent lives only as long as a Python reference to it. A child of the
    QApplication, so the app owns it."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.setObjectName("windowlessErrorBox")
        self.box: ErrorBox | None = None

    @classmethod
    def of_app(cls) -> _WindowlessBox:
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("create the QApplication before showing errors")
        return app.findChild(cls, "windowlessErrorBox") or cls(app)


def _showing_box(parent: QWidget | None) -> ErrorBox | None:
    """The error box showing for ``parent``'s window (for no parent: the windowless one)."""
    if parent is not None:
        candidates = parent.window().findChildren(ErrorBox)
    else:
        candidates = [_WindowlessBox.of_app().box]
    return next((b for b in candidates if b is not None and _alive(b) and b.isVisible()), None)


def _alive(widget: QWidget) -> bool:
    try:
        widget.isVisible()
    except RuntimeError:
        return False
    return True
