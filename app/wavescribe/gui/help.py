"""F1 on every screen: a short help sheet for the screen it is pressed on.

The main window's F1 shows the editor's keyboard shortcuts while a transcript is being edited and
this window's sheet otherwise; the model manager and the options dialog each install their own
(:func:`install_f1`), since a modal dialog does not pass keys to the window behind it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget


def help_key() -> QKeySequence:
    """The platform's help key (F1; Ctrl+? on macOS). Needs the QApplication: not at import."""
    key = QKeySequence(QKeySequence.StandardKey.HelpContents)
    return key if not key.isEmpty() else QKeySequence("F1")


SHEETS: dict[str, tuple[str, str]] = {
    "main": (
        "Wavescribe",
        "<p><b>Transcribe</b>: File → Open… (Ctrl+O) or drop audio and video files on the window."
        " Each file is a row of the queue; its subtitles appear as they are decoded and open in"
        " the editor when it is done. Right-click a queued row for its own options.</p>"
        "<p><b>Edit existing subtitles</b>: File → Open Subtitles… (Ctrl+Shift+O), or drop a .srt"
        " or .vtt file with its audio or video. Save Subtitles (Ctrl+Alt+S) writes the file back"
        " in its own format; Export Subtitles (Ctrl+E) writes SRT, WebVTT, text or JSON.</p>"
        "<p><b>Projects</b> (.wsproj) keep a transcript with its edits; edits are also"
        " autosaved and offered back after a crash.</p>"
        "<p><b>Models</b>: Tools → Models… (Ctrl+M). <b>Options</b>: Transcription → Options…"
        " (the subtitle rules there also drive the editor's warnings).</p>"
        "<p>Help → Keyboard Shortcuts lists the editor's keys.</p>",
    ),
    "models": (
        "Models",
        "<p>Installed models are listed first; the ★ marks the one used when a file does not"
        " name one (Set as default changes it).</p>"
        "<p><b>Download</b> fetches a catalog model (checked against its published SHA-256)."
        " <b>Import GGML file…</b> adds a whisper.cpp model you have; <b>Import faster-whisper"
        " folder…</b> converts a CTranslate2 model offline.</p>"
        "<p><b>Languages</b>: an English model (.en) transcribes English only and cannot"
        " translate; a multilingual one knows about 100 languages.</p>"
        "<p><b>Memory</b>: ⚠ marks a model that may not fit in the memory free now.</p>",
    ),
    "options": (
        "Transcription Options",
        "<p><b>Model</b>, <b>Language</b> and <b>Translate</b>: languages other than English and"
        " translation are offered only for a multilingual model.</p>"
        "<p><b>Initial prompt</b>: names and spellings the speech uses help the decoder.</p>"
        "<p><b>Beam size</b>: 1 is fastest, 5 a little more accurate.</p>"
        "<p><b>Decode only where there is speech</b>: the speech is found first and only it is"
        " decoded, a window at a time: faster where there are pauses, music or noise, and no"
        " text in silence. Doubtful passages are marked suspect (F8 in the editor goes to the"
        " next one). Off: the file is decoded whole, as whisper.cpp does by itself.</p>"
        "<p><b>Subtitle rules</b>: characters per line, lines, reading speed (characters a"
        " second), the longest and shortest time on screen and the gap between subtitles."
        " Timing follows them when it snaps cues to the speech; the editor's list warns about"
        " every cue that breaks them, and re-checks the open transcript when they change.</p>",
    ),
}


class HelpSheet(QDialog):
    def __init__(self, screen: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title, html = SHEETS[screen]
        self.setObjectName("helpSheet")
        self.setProperty("screen", screen)
        self.setWindowTitle(f"Help — {title}")
        text = QTextBrowser(self)
        text.setOpenExternalLinks(False)
        text.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.resize(480, 380)


def show_help(parent: QWidget | None, screen: str) -> HelpSheet:
    sheet = HelpSheet(screen, parent)
    sheet.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    sheet.open()
    return sheet


def install_f1(widget: QWidget, screen: str) -> QShortcut:
    """F1 anywhere in ``widget``'s window opens ``screen``'s sheet."""
    shortcut = QShortcut(help_key(), widget)
    shortcut.activated.connect(lambda: show_help(widget, screen))
    return shortcut
