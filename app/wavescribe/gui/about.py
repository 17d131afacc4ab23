"""The About box: versions of everything that matters for a bug report, and the compute backend.

whisper.cpp's system info (CPU features, GPU backend) comes from a running engine when there is
one; otherwise the app's ``SystemInfo`` asks the library in a short-lived child process, off the
GUI thread, so the GUI process never loads it, and remembers the answer.
"""

from __future__ import annotations

import html
import platform
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from wavescribe import __version__
from wavescribe.core.models.hardware_fit import SystemInfo
from wavescribe.gui.engine_bridge import run_task
from wavescribe.gui.resources import app_icon


def versions() -> list[tuple[str, str]]:
    def dist(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return [
        ("Wavescribe", __version__),
        ("pywhispercpp (whisper.cpp)", dist("pywhispercpp")),
        ("stable-ts", dist("stable-ts-whisperless")),
        ("Qt / PySide6", f"{qVersion()} / {pyside_version}"),
        ("Python", platform.python_version()),
        ("System", f"{platform.system()} {platform.release()} ({platform.machine()})"),
    ]


def describe_backend(system_info: str) -> str:
    """One line: the GPU backend if the build has one, else the CPU features it uses."""
    from wavescribe.core.models.hardware_fit import parse_system_info

    return parse_system_info(system_info).summary


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None, system_info: SystemInfo) -> None:
        """``system_info`` is the app's: known from a running engine or an earlier ask."""
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About Wavescribe")
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        text = QLabel(
            "<h2>Wavescribe</h2><p>Offline audio and video to accurate, well-timed subtitles, "
            "with whisper.cpp. Nothing leaves this computer.</p>"
            "<table>"
            + "".join(
                f"<tr><td>{html.escape(k)}&nbsp;&nbsp;</td><td>{html.escape(v)}</td></tr>"
                for k, v in versions()
            )
            + "</table>"
        )
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.backend = QLabel()
        self.backend.setObjectName("aboutBackend")
        self.backend.setWordWrap(True)
        self.backend.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(icon)
        layout.addWidget(text)
        layout.addWidget(self.backend)
        layout.addWidget(buttons)

        if system_info.known:
            self._show_backend(system_info.known)
        else:
            self.backend.setText("Backend: asking whisper.cpp…")
            run_task(system_info.get, self._show_backend, self._show_failure)

    def _show_failure(self, exc: BaseException) -> None:
        self.backend.setText(f"Backend: {html.escape(str(exc))}")

    def _show_backend(self, system_info: str) -> None:
        self.backend.setText(
            f"<p><b>Backend:</b> {html.escape(describe_backend(system_info))}</p>"
            f"<p><small>{html.escape(system_info)}</small></p>"
        )
