"""Start the desktop app: the QApplication, its look, the main window, and the files to queue.

Start-up is kept to Qt and a few light core modules: the engine (whisper.cpp, torch, PyAV) is
only ever loaded in its own worker process, and model lookups run after the window is shown.

``WAVESCRIBE_STARTUP_REPORT=1`` prints one JSON line when the window first paints (seconds since
the process started and which heavy modules are loaded); ``=exit`` also quits right after, for
``benchmarks/startup.py``.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from wavescribe import __version__

HEAVY_MODULES = ("torch", "stable_whisper", "_pywhispercpp", "av", "numpy", "soundfile")
STARTUP_REPORT_ENV = "WAVESCRIBE_STARTUP_REPORT"


def create_app(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication with Wavescribe's names, icon and look (reuses one that exists)."""
    from wavescribe.gui.pyside_fixes import protect_singleton_refcounts

    protect_singleton_refcounts()
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication([sys.argv[0] if sys.argv else "wavescribe", *(argv or [])])
    app.setOrganizationName("Wavescribe")
    app.setApplicationName("Wavescribe")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("wavescribe")  # Wayland/X11 match the window to wavescribe.desktop
    from wavescribe.gui import engine_bridge, theme
    from wavescribe.gui.resources import app_icon

    app.setWindowIcon(app_icon())
    theme.follow_system_scheme(app)
    engine_bridge.install()
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Open the main window, queue the files named in ``argv``, run until it closes."""
    files = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    app = create_app()
    from wavescribe.gui.main_window import MainWindow

    window = MainWindow()
    report = os.environ.get(STARTUP_REPORT_ENV)
    if report:
        window.installEventFilter(_FirstPaintReporter(window, quit_after=report == "exit"))
    window.show()
    QTimer.singleShot(0, lambda: _after_show(window, files))
    code = app.exec()
    window.workspace.shutdown()  # already done when the window was closed; not on app.quit()
    window.projects.clean_exit()
    return code


def _after_show(window, files: list[str]) -> None:
    # What start-up created lives as long as the app: keep the collector from re-scanning it on
    # the GUI thread in every full collection.
    gc.freeze()
    _prepare_data_dir(window)
    if files:
        window.workspace.add_files(files)
    window.projects.offer_recovery()


def _prepare_data_dir(window: QWidget) -> None:
    """An unusable data folder is one clear dialog at start (not a traceback at the first
    write); leftovers of killed downloads and conversions are removed."""
    from wavescribe.core import paths
    from wavescribe.gui.errors import show_error

    try:
        paths.ensure_data_dir()
    except paths.DataFolderError as exc:
        show_error(window, exc)
        return
    paths.clean_stale_parts()


class _FirstPaintReporter(QObject):
    def __init__(self, parent: QObject, quit_after: bool) -> None:
        super().__init__(parent)
        self._quit_after = quit_after

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            report = {
                "shown_after_s": round(_seconds_since_process_start(), 3),
                "heavy_modules": sorted(set(HEAVY_MODULES) & set(sys.modules)),
            }
            print("WAVESCRIBE_STARTUP " + json.dumps(report), flush=True)
            if self._quit_after:
                QTimer.singleShot(0, QApplication.quit)
        return False


def _seconds_since_process_start() -> float:
    """Wall time since the process was created (Linux: from /proc; elsewhere since import)."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - int(fields[19]) / ticks
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED_AT


_IMPORTED_AT = time.perf_counter()
