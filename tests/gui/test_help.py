"""F1 on every screen, Keyboard Shortcuts under Help; Save and Export remember the last folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from test_options import open_dialog

from shared_data import JFK
from wavescribe.core.transcript import Segment, Transcript
from wavescribe.gui import export, projects


def _visible(name: str) -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.objectName() == name and w.isVisible()]


def _press_f1(qtbot, widget: QWidget) -> None:
    """F1 as a user presses it: into the focused widget of the active window."""
    widget.window().activateWindow()
    qtbot.waitUntil(widget.window().isActiveWindow)
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_F1)


def _close_all(name: str) -> None:
    for w in _visible(name):
        w.close()


def test_f1_in_the_main_window_and_in_the_editor(window, qtbot):
    _press_f1(qtbot, window.first_run)
    qtbot.waitUntil(lambda: bool(_visible("helpSheet")))
    assert _visible("helpSheet")[0].property("screen") == "main"
    _close_all("helpSheet")

    window.workspace.add_transcript(JFK, Transcript([Segment(0, 2000, "And so")]))
    qtbot.waitUntil(lambda: window.editor is not None and window.editor.model is not None)
    _press_f1(qtbot, window.editor.table)  # the editor: its keyboard shortcuts
    qtbot.waitUntil(lambda: bool(_visible("shortcutsDialog")))
    assert not _visible("helpSheet")
    _close_all("shortcutsDialog")


def test_keyboard_shortcuts_sits_under_help(window, qtbot):
    help_menu = window.help_menu
    labels = [a.text() for a in help_menu.actions()]
    assert "&Keyboard Shortcuts" in labels and "&Help for This Screen" in labels
    window.shortcuts_action.trigger()  # works before any editor exists
    qtbot.waitUntil(lambda: bool(_visible("shortcutsDialog")))
    _close_all("shortcutsDialog")


def test_f1_in_the_options_dialog(window, qtbot):
    dialog = open_dialog(qtbot, window.options_action.trigger)
    _press_f1(qtbot, dialog.prompt)
    qtbot.waitUntil(lambda: bool(_visible("helpSheet")))
    assert _visible("helpSheet")[0].property("screen") == "options"
    _close_all("helpSheet")
    dialog.reject()


def test_f1_in_the_model_manager(window, qtbot):
    window.models_action.trigger()
    qtbot.waitUntil(lambda: bool(_visible("modelManager")))
    manager = _visible("modelManager")[0]
    _press_f1(qtbot, manager.table)
    qtbot.waitUntil(lambda: bool(_visible("helpSheet")))
    assert _visible("helpSheet")[0].property("screen") == "models"
    _close_all("helpSheet")
    manager.close()


def test_save_and_export_remember_the_last_folder(window, qtbot, monkeypatch, tmp_path):
    asked_save: list[Path] = []
    asked_export: list[Path] = []
    folder = tmp_path / "chosen"
    folder.mkdir()

    def save_answer(parent, suggested: Path) -> Path:
        asked_save.append(suggested)
        return folder / f"p{len(asked_save)}.wsproj"

    def export_answer(parent, suggested: Path, fmt: str):
        asked_export.append(suggested)
        return folder / f"e{len(asked_export)}.srt", "srt"

    monkeypatch.setattr(projects, "ask_project_save_path", save_answer)
    monkeypatch.setattr(export, "ask_export_path", export_answer)
    for _ in range(2):
        job = window.workspace.add_transcript(JFK, Transcript([Segment(0, 2000, "And so")]))
        window.save_action.trigger()
        saved = folder / f"p{len(asked_save)}.wsproj"
        qtbot.waitUntil(saved.exists)
        window.export_action.trigger()
        exported = folder / f"e{len(asked_export)}.srt"
        qtbot.waitUntil(exported.exists)
        assert window.workspace.shown is job
    assert asked_save[0].parent == JFK.parent and asked_export[0].parent == JFK.parent
    assert asked_save[1].parent == folder and asked_export[1].parent == folder
