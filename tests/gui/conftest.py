"""Fixtures for the desktop app's tests: offscreen Qt, isolated settings and data, a real model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# Before any QApplication exists (pytest-qt creates it on first use). A developer with a display
# may still watch the tests with QT_QPA_PLATFORM=xcb.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from wavescribe.core.engine.options import TranscribeOptions

FAST = TranscribeOptions(beam_size=1, refine=False)  # where refinement is not the point


@pytest.fixture(scope="session")
def models_dir_with_tiny(tiny_en_ggml: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose store has the converted tiny.en (linked, not copied) as its model."""
    data = tmp_path_factory.mktemp("wavescribe-gui-data")
    models = data / "models"
    models.mkdir()
    (models / "tiny.en.bin").symlink_to(tiny_en_ggml)
    return data


@pytest.fixture(autouse=True)
def isolated_app(qapp, tmp_path: Path, monkeypatch, models_dir_with_tiny: Path) -> Iterator[None]:
    """Each test gets its own QSettings file and a data folder that holds tiny.en."""
    from wavescribe.gui.app import create_app

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    data = tmp_path / "data"
    data.mkdir()
    (data / "models").symlink_to(models_dir_with_tiny / "models", target_is_directory=True)
    monkeypatch.setenv("WAVESCRIBE_DATA_DIR", str(data))
    create_app()
    yield
    for widget in QApplication.topLevelWidgets():  # dialogs a failed test left open
        if isinstance(widget, QMessageBox):
            widget.close()


@pytest.fixture
def empty_data_dir(tmp_path: Path, monkeypatch) -> Path:
    """A data folder with no model at all (a first run)."""
    data = tmp_path / "empty-data"
    data.mkdir()
    monkeypatch.setenv("WAVESCRIBE_DATA_DIR", str(data))
    return data


@pytest.fixture
def make_window(qtbot):
    """Build real main windows (shown, transcribing fast: greedy, no refinement) on demand."""
    from wavescribe.gui.main_window import MainWindow

    made: list[MainWindow] = []

    def make() -> MainWindow:
        win = MainWindow()
        win.workspace.set_defaults(FAST, None)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        made.append(win)
        return win

    yield make
    for win in made:
        win.workspace.shutdown()  # engine processes end with the test, not the session
        win.projects.discard(win.projects.unsaved_jobs())  # no quit question at teardown
        win.close()


@pytest.fixture
def window(make_window):
    return make_window()
