"""Open existing subtitles with their media: menu, drop and command line; edit, save, export.

Unedited, Save Subtitles and Export give back the file's bytes (the files used here are
well-formed; see tests/core/test_formats_round_trip.py for what a round trip keeps).
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from gui_helpers import drop_files, visible_boxes
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from shared_data import DATA, JFK
from wavescribe.core import formats
from wavescribe.core.jobs import JobState
from wavescribe.gui import export, open_subtitles
from wavescribe.gui.app import _after_show

SRT = DATA / "subtitles" / "androidx_media" / "subrip" / "typical.srt"
VTT = DATA / "subtitles" / "androidx_media" / "webvtt" / "with_css_styles.vtt"
VIDEO = DATA / "formats" / "video" / "big_buck_bunny_small.mp4"


@pytest.fixture
def dialogs(monkeypatch):
    """Stand in for the file dialogs: queued answers; what the media dialog offered is kept."""
    subs: list[Path] = []
    media: list[Path] = []
    offered: list[Path | None] = []

    def media_answer(parent, subtitle, offer):
        offered.append(offer)
        return media.pop(0) if media else None

    monkeypatch.setattr(open_subtitles, "ask_subtitle_path", lambda p: subs.pop(0))
    monkeypatch.setattr(open_subtitles, "ask_media_path", media_answer)
    return subs, media, offered


def _opened(qtbot, window, subtitle: Path):
    qtbot.waitUntil(lambda: window.subtitles.file_of(window.workspace.shown) == subtitle)
    job = window.workspace.shown
    assert job.state is JobState.DONE
    qtbot.waitUntil(lambda: window.editor is not None and window.editor.stack is not None)
    assert window.lower_pages.currentWidget() is window.editor
    return job


def _save(qtbot, window, path: Path) -> bytes:
    assert window.save_subtitles_action.isEnabled()
    with qtbot.waitSignal(window.subtitles.saved, timeout=5000):
        window.save_subtitles_action.trigger()
    return path.read_bytes()


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / src.name
    shutil.copyfile(src, dst)
    return dst


@pytest.mark.parametrize(("source", "media"), [(SRT, JFK), (VTT, VIDEO)], ids=["srt", "vtt"])
def test_open_edit_save_export_round_trip(
    window, qtbot, dialogs, monkeypatch, tmp_path, source, media
):
    subs, medias, _ = dialogs
    path = _copy(source, tmp_path)
    subs.append(path)
    medias.append(media)
    window.open_subtitles_action.trigger()
    job = _opened(qtbot, window, path)
    assert job.path == media
    editor = window.editor
    want = formats.read(source)
    assert [(s.start, s.end, s.text) for s in editor.stack.doc.segments] == [
        (s.start, s.end, s.text) for s in want.segments
    ]
    assert not window.projects.is_modified(job)
    original = source.read_bytes()

    # unedited: Save Subtitles and Export both give the file's bytes back
    assert _save(qtbot, window, path) == original
    fmt = formats.format_for_path(source)
    out = tmp_path / f"export.{fmt}"
    monkeypatch.setattr(export, "ask_export_path", lambda *a: (out, fmt))
    window.export_action.trigger()
    qtbot.waitUntil(out.exists)
    assert out.read_bytes() == original

    # an edit in the list changes that cue's text and nothing else
    model = editor.model
    assert model.setData(model.index(1, model.TEXT), "Edited <i>here</i>", Qt.ItemDataRole.EditRole)
    assert window.projects.is_modified(job)
    edited = _save(qtbot, window, path).decode()
    assert not window.projects.is_modified(job)  # written to its file: nothing unsaved
    diff = list(difflib.ndiff(original.decode().split("\n"), edited.split("\n")))
    removed = [ln[2:] for ln in diff if ln.startswith("- ")]
    assert removed == want.segments[1].text.split("\n")  # that cue's lines, no others
    assert [ln[2:] for ln in diff if ln.startswith("+ ")] == ["Edited <i>here</i>"]
    assert formats.read(path).segments[1].text == "Edited <i>here</i>"

    # undo, and the file is the original again
    editor.undo_action.trigger()
    assert _save(qtbot, window, path) == original


def test_tags_line_breaks_and_crlf_survive_an_edit_elsewhere(window, qtbot, dialogs, tmp_path):
    subs, medias, _ = dialogs
    text = (
        "1\r\n00:00:00,500 --> 00:00:02,000 X1:100 X2:600 Y1:20 Y2:80\r\n"
        "{\\an8}<i>And so, my fellow</i>\r\n<b>Americans</b>\r\n\r\n"
        "2\r\n00:00:03,000 --> 00:00:05,000\r\nask not\r\n"
    )
    path = tmp_path / "tags.srt"
    path.write_bytes(text.encode())
    subs.append(path)
    medias.append(JFK)
    window.open_subtitles_action.trigger()
    _opened(qtbot, window, path)
    model = window.editor.model
    assert model.setData(model.index(1, model.TEXT), "ask not what", Qt.ItemDataRole.EditRole)
    assert _save(qtbot, window, path) == text.replace("ask not\r\n", "ask not what\r\n").encode()


def test_the_media_is_asked_for_and_remembered(window, qtbot, dialogs, tmp_path):
    subs, medias, offered = dialogs
    path = _copy(SRT, tmp_path)
    subs.append(path)  # cancelled at the media question: nothing opens
    window.open_subtitles_action.trigger()
    assert offered == [None] and window.workspace.jobs.rowCount() == 0
    subs.append(path)
    medias.append(JFK)
    window.open_subtitles_action.trigger()
    _opened(qtbot, window, path)
    assert open_subtitles.remembered_media(path) == JFK
    subs.append(path)  # next time the dialog offers the media it was opened with
    window.open_subtitles_action.trigger()
    assert offered[-1] == JFK


def test_media_beside_the_subtitles_is_offered(tmp_path):
    (tmp_path / "film.en.srt").write_bytes(SRT.read_bytes())
    shutil.copyfile(JFK, tmp_path / "film.flac")
    assert open_subtitles.media_beside(tmp_path / "film.en.srt") == tmp_path / "film.flac"


def test_drop_subtitles_with_their_media_opens_without_asking(window, qtbot, dialogs, tmp_path):
    _, _, offered = dialogs
    path = _copy(VTT, tmp_path)
    drop_files(window, path, VIDEO)
    job = _opened(qtbot, window, path)
    assert offered == [] and job.path == VIDEO
    assert len(window.workspace.jobs.jobs) == 1  # the video was not queued for transcription


def test_drop_subtitles_alone_asks_for_the_media(window, qtbot, dialogs, tmp_path):
    _, medias, offered = dialogs
    path = _copy(SRT, tmp_path)
    medias.append(JFK)
    drop_files(window, path)
    _opened(qtbot, window, path)
    assert offered == [None]


def test_command_line_subtitles_and_media(window, qtbot, dialogs, tmp_path):
    """``wavescribe FILE.srt MEDIA``: the app queues its arguments as _after_show does."""
    _, _, offered = dialogs
    path = _copy(SRT, tmp_path)
    _after_show(window, [str(path), str(JFK)])
    job = _opened(qtbot, window, path)
    assert offered == [] and job.path == JFK


def test_a_broken_file_is_one_message_and_opens_nothing(window, qtbot, dialogs, tmp_path):
    from gui_helpers import visible_boxes

    subs, medias, _ = dialogs
    bad = tmp_path / "bad.srt"
    bad.write_text("1\n00:00:01,000 --> 00:00:xx,000\nhello\n")
    subs.append(bad)
    medias.append(JFK)
    window.open_subtitles_action.trigger()
    qtbot.waitUntil(lambda: bool(visible_boxes("errorBox")))
    assert window.workspace.jobs.rowCount() == 0


def test_pair_up_matches_media_by_name():
    pairs, rest = open_subtitles.pair_up(["a.srt", "b.vtt", "a.mkv", "b.mp4", "c.wav"])
    assert pairs == [(Path("a.srt"), Path("a.mkv")), (Path("b.vtt"), Path("b.mp4"))]
    assert rest == [Path("c.wav")]
    pairs, rest = open_subtitles.pair_up(["x.srt", "y.wav"])
    assert pairs == [(Path("x.srt"), Path("y.wav"))] and rest == []


def test_the_subtitle_file_is_known_again_from_its_project(
    window, qtbot, dialogs, monkeypatch, tmp_path
):
    from wavescribe.gui import projects

    subs, medias, _ = dialogs
    path = _copy(SRT, tmp_path)
    subs.append(path)
    medias.append(JFK)
    window.open_subtitles_action.trigger()
    job = _opened(qtbot, window, path)
    project = tmp_path / "typical.wsproj"
    monkeypatch.setattr(projects, "ask_project_save_path", lambda parent, suggested: project)
    window.save_action.trigger()
    qtbot.waitUntil(lambda: project.exists() and not window.projects.is_modified(job))
    window.workspace.remove(job.id)

    window.projects.open(project)
    qtbot.waitUntil(lambda: window.workspace.shown is not None)
    assert window.subtitles.file_of(window.workspace.shown) == path
    assert _save(qtbot, window, path) == SRT.read_bytes()

    exported = tmp_path / "out.json"
    monkeypatch.setattr(export, "ask_export_path", lambda *a: (exported, "json"))
    window.export_action.trigger()
    qtbot.waitUntil(exported.exists)
    assert str(tmp_path) not in exported.read_text()  # names files, never their folders


def test_editor_actions_work_on_opened_subtitles(window, qtbot, dialogs, tmp_path):
    subs, medias, _ = dialogs
    path = _copy(VTT, tmp_path)
    subs.append(path)
    medias.append(VIDEO)
    window.open_subtitles_action.trigger()
    _opened(qtbot, window, path)
    editor = window.editor
    editor.select(0)
    editor.actions_by_name["merge"].trigger()
    merged = editor.stack.doc.segments[0]
    assert merged.text == "This is the first subtitle. This is the second subtitle."
    assert (merged.start, merged.end, merged.cue_id) == (0, 3456, "id1")
    written = _save(qtbot, window, path).decode()
    assert "id1\n00:00.000 --> 00:03.456\nThis is the first subtitle. This" in written
    assert "\nid2\n" not in written and written.startswith("WEBVTT\n\nSTYLE\n")
    editor.undo_action.trigger()
    assert _save(qtbot, window, path) == VTT.read_bytes()


def test_save_in_the_quit_dialog_writes_an_opened_subtitle_file_back(
    window, qtbot, dialogs, monkeypatch, tmp_path
):
    """Subtitles opened with their media and edited: Save on quit updates that subtitle file
    (no project file is asked for), then the window closes."""
    from wavescribe.gui import projects

    subs, medias, _ = dialogs
    path = _copy(SRT, tmp_path)
    subs.append(path)
    medias.append(JFK)
    window.open_subtitles_action.trigger()
    job = _opened(qtbot, window, path)
    before = [s.text for s in job.transcript.segments]
    window.editor.select(0)
    window.editor.actions_by_name["delete"].trigger()
    assert window.isWindowModified()
    asked: list[Path] = []
    monkeypatch.setattr(projects, "ask_project_save_path", lambda p, s: asked.append(s))

    window.quit_action.trigger()
    qtbot.waitUntil(lambda: bool(visible_boxes("quitBox")))
    [box] = visible_boxes("quitBox")
    box.button(QMessageBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not window.isVisible())

    assert asked == []
    assert [s.text for s in formats.read(path).segments] == before[1:]
