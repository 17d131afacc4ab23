"""The app as a program: how it starts, what it remembers, its conventions and resources."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from gui_helpers import wait_state
from PySide6.QtCore import QPoint, QSize
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from shared_data import JFK
from wavescribe import cli
from wavescribe.core.jobs import JobState
from wavescribe.gui import app as gui_app
from wavescribe.gui import settings
from wavescribe.gui.resources import APP_ICON, DESKTOP_FILE, app_icon, resource_path

ROOT = Path(__file__).parents[2]


# -- how it starts ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "gui"),
    [
        ([], True),
        (["talk.mp4"], True),
        (["a.wav", "b.flac"], True),
        (["transcribe", "a.wav"], False),
        (["models", "list"], False),
        (["--version"], False),
        (["a.wav", "-o", "x"], False),
    ],
)
def test_which_arguments_open_the_window(argv, gui):
    assert cli.wants_gui(argv) is gui


def test_wavescribe_with_files_opens_the_window_with_them(monkeypatch):
    calls = []
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(gui_app, "main", lambda argv: calls.append(list(argv)) or 0)
    assert cli.main(["talk.mp4", "b.wav"]) == 0
    assert cli.main([]) == 0
    assert calls == [["talk.mp4", "b.wav"], []]


def test_without_a_display_the_command_explains_instead_of_crashing(monkeypatch, capsys):
    for var in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert cli.main([]) == cli.EXIT_USAGE
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["talk.mp4"])
    assert exit_info.value.code == cli.EXIT_USAGE
    assert "wavescribe transcribe" in capsys.readouterr().err


def test_gui_main_shows_the_window_and_queues_the_files_it_was_given(qapp, qtbot, monkeypatch):
    seen = {}

    def run_event_loop() -> int:  # instead of app.exec(): quitting the tests' app would end them
        def live():
            return [
                w
                for w in QApplication.topLevelWidgets()
                if w.objectName() == "mainWindow" and w.isVisible() and w.workspace.jobs.rowCount()
            ]

        qtbot.waitUntil(lambda: bool(live()))
        window = live()[0]
        seen["jobs"] = [j.path for j in window.workspace.jobs.jobs]
        window.workspace.cancel_all()
        qtbot.waitUntil(lambda: not window.workspace.bridge.is_busy())
        window.close()
        return 0

    monkeypatch.setattr(qapp, "exec", run_event_loop)
    assert gui_app.main([str(JFK)]) == 0
    assert seen["jobs"] == [JFK]


def test_start_up_loads_no_engine_code_and_reports_the_first_paint(tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "WAVESCRIBE_STARTUP_REPORT": "exit",
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "wavescribe.gui"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    [line] = [ln for ln in done.stdout.splitlines() if ln.startswith("WAVESCRIBE_STARTUP ")]
    report = json.loads(line.split(" ", 1)[1])
    assert report["heavy_modules"] == []
    assert 0 < report["shown_after_s"] < 10


# -- conventions ----------------------------------------------------------------------------
def test_actions_use_the_platforms_standard_shortcuts(window):
    K = QKeySequence.StandardKey
    assert window.open_action.shortcut() == QKeySequence(K.Open)
    assert window.save_action.shortcut() == QKeySequence(K.Save)
    assert window.save_as_action.shortcut() == QKeySequence(K.SaveAs)
    assert not window.quit_action.shortcut().isEmpty()
    assert not window.options_action.shortcut().isEmpty()


def test_window_geometry_and_layout_are_remembered(make_window):
    first = make_window()
    first.resize(QSize(777, 555))
    first.move(QPoint(40, 30))
    first.close()
    second = make_window()
    assert second.size() == QSize(777, 555)


def test_file_open_queues_the_chosen_files_and_remembers_the_folder(window, monkeypatch):
    from wavescribe.gui import main_window

    monkeypatch.setattr(main_window, "ask_open_paths", lambda parent: [str(JFK)])
    window.open_action.trigger()
    assert [j.path for j in window.workspace.jobs.jobs] == [JFK]
    assert settings.get_dir(settings.LAST_OPEN_DIR) == str(JFK.parent)
    window.workspace.cancel_all()


def test_transcribed_files_appear_in_open_recent_and_reopen_from_there(window, qtbot):
    [job] = window.workspace.add_files([JFK])
    assert settings.recent_files() == []  # not before the engine has read it
    wait_state(qtbot, job, JobState.DONE)
    assert settings.recent_files()[0] == str(JFK.resolve())
    window.recent_menu.aboutToShow.emit()
    entries = [a for a in window.recent_menu.actions() if a.text() == "jfk.flac"]
    assert len(entries) == 1
    entries[0].trigger()
    assert len(window.workspace.jobs.jobs) == 2
    window.workspace.cancel_all()


def test_about_box_names_versions_and_the_compute_backend(window, qtbot):
    window.about_action.trigger()
    about = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "aboutDialog")
    qtbot.waitUntil(lambda: "CPU features" in about.backend.text(), timeout=60_000)
    text = about.findChildren(type(about.backend))[1].text()
    assert "Wavescribe" in text and "pywhispercpp" in text and "Qt" in text
    about.close()


def test_a_gpu_build_on_the_cpu_says_so_in_the_status_bar(window, qtbot):
    """What the bridge sends when a Vulkan build found no GPU (see core.compute_device)."""
    why = "this Vulkan build found no usable GPU (...); transcribing on the CPU instead"
    window.workspace.bridge.device_info.emit("CPU", why)
    assert window.device_label.text() == "whisper.cpp on CPU ⚠"
    assert window.device_label.toolTip() == why
    assert window.statusBar().currentMessage().startswith("This Vulkan build found no usable GPU")
    window.workspace.bridge.device_info.emit("Vulkan0 (Radeon 780M)", "")
    assert window.device_label.text() == "whisper.cpp on Vulkan0 (Radeon 780M)"


def test_models_menu_opens_the_model_manager_on_the_users_store(window, qtbot):
    def manager():
        return [
            w for w in QApplication.topLevelWidgets() if type(w).__name__ == "ModelManagerDialog"
        ]

    window.models_action.trigger()
    qtbot.waitUntil(lambda: any(w.isVisible() for w in manager()))
    [dialog] = manager()
    assert dialog.store.root == Path(os.environ["WAVESCRIBE_DATA_DIR"]) / "models"
    dialog.close()


def test_first_run_panel_says_what_to_do_and_which_model_is_used(window, qtbot):
    assert window.pages.currentWidget() is window.first_run
    qtbot.waitUntil(lambda: "tiny.en" in window.first_run.model_label.text())


def test_first_run_panel_names_the_starter_model_when_none_is_installed(
    empty_data_dir, make_window, qtbot
):
    window = make_window()
    qtbot.waitUntil(lambda: "starter" in window.first_run.model_label.text())
    assert "first time" in window.first_run.model_label.text()


# -- resources ------------------------------------------------------------------------------
def test_icon_and_desktop_file_are_found_from_the_checkout(qapp):
    assert resource_path(APP_ICON).read_text().startswith("<svg")
    desktop = resource_path(DESKTOP_FILE).read_text()
    assert "Exec=wavescribe %F" in desktop and "Icon=wavescribe" in desktop
    assert not app_icon().isNull()
    assert not app_icon().pixmap(64, 64).isNull()  # the SVG renders


def test_a_built_wheel_carries_the_resources_and_finds_them(tmp_path):
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    source.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md", "models.toml", "app", "resources"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name, **_skip_junk(copy))
    wheel_dir = tmp_path / "wheel"
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*pip, "-w", str(wheel_dir), str(source)], check=True, capture_output=True)
    [wheel] = wheel_dir.glob("wavescribe-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        z.extractall(site)
    packaged = {f"wavescribe/resources/{APP_ICON}", f"wavescribe/resources/{DESKTOP_FILE}"}
    assert packaged | {"wavescribe/models.toml"} <= names
    code = "from wavescribe.gui.resources import resource_path; print(resource_path({!r}))"
    code = code.format(APP_ICON)
    found = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {code}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == str(site / "wavescribe/resources/icons/wavescribe.svg")


def _skip_junk(copy) -> dict:
    if copy is shutil.copy:
        return {}
    return {"ignore": shutil.ignore_patterns("__pycache__", "*.egg-info")}


def test_an_unusable_data_folder_is_one_dialog_at_start_and_stale_parts_go(
    window, qtbot, tmp_path, monkeypatch
):
    import os
    import time

    from PySide6.QtWidgets import QMessageBox

    # A stale half-download beside a fresh one, in a usable folder: only the stale one goes.
    data = tmp_path / "data-at-start"
    (data / "models").mkdir(parents=True)
    stale, fresh = data / "models" / "old.bin.part", data / "models" / "new.bin.part"
    stale.write_bytes(b"x" * 10)
    fresh.write_bytes(b"x" * 10)
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    monkeypatch.setenv("WAVESCRIBE_DATA_DIR", str(data))
    gui_app._prepare_data_dir(window)
    assert not stale.exists() and fresh.exists()
    assert not window.findChildren(QMessageBox)

    # A data "folder" that is a file: one clear box, no exception.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("WAVESCRIBE_DATA_DIR", str(blocker))
    gui_app._prepare_data_dir(window)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorBox") is not None)
    box = window.findChild(QMessageBox, "errorBox")
    text = box.text() + box.informativeText()
    assert "data folder" in text and "not a folder" in text
    box.close()
