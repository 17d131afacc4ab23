"""Layout and navigation: zoom keeps the cue (or the playhead) in view, the list and the waveform
agree on the selection after merge and undo, pane sizes survive a restart, the find dialog stays
off the waveform, and the waveform gets the room in the window."""

from __future__ import annotations

import pytest
from gui_helpers import show_editor
from PySide6.QtCore import QPoint, QRect, Qt

from shared_data import BUNNY, JFK
from wavescribe.core.transcript import Segment, SourceInfo, Transcript
from wavescribe.gui.editor.editor_widget import EditorPanel

LEFT = Qt.MouseButton.LeftButton


def long_transcript(n: int = 60) -> Transcript:
    segs = [Segment(i * 1000 + 100, i * 1000 + 800, f"cue {i}") for i in range(n)]
    return Transcript(segs, "en", SourceInfo("talk.wav", n * 1000))


@pytest.fixture
def editor(qtbot):
    panel = show_editor(qtbot, long_transcript(), activate=True, ms_per_px=None)
    panel.waveform.set_duration(60_000)  # the whole file in view
    yield panel
    panel.shutdown()


def in_view(panel: EditorPanel, a: float, b: float) -> bool:
    vp = panel.waveform.viewport
    return vp.start_ms <= a and b <= vp.end_ms


def table_rows(panel: EditorPanel) -> list[int]:
    return sorted(i.row() for i in panel.table.selectionModel().selectedRows())


def test_zooming_in_keeps_the_selected_cue_in_view(qtbot, editor):
    editor.select(50)  # 50.1-50.8 s, far right of the whole-file view
    editor.waveform.setFocus()
    for _ in range(12):
        qtbot.keyClick(editor.waveform, Qt.Key.Key_Plus)
        assert in_view(editor, 50_100, 50_800), editor.waveform.viewport
    assert editor.waveform.viewport.visible_ms <= 5000  # zoomed in all the way
    assert editor.scrollbar.value() == int(editor.waveform.viewport.start_ms)
    for _ in range(4):
        qtbot.keyClick(editor.waveform, Qt.Key.Key_Minus)
        assert in_view(editor, 50_100, 50_800)


def test_zooming_without_a_selection_keeps_the_playhead_in_view(qtbot, editor):
    editor.player.seek(43_210)
    editor.waveform.setFocus()
    for _ in range(12):
        qtbot.keyClick(editor.waveform, Qt.Key.Key_Plus)
        assert in_view(editor, 43_210, 43_210)
    # where it was on screen it stays (the zoom is anchored there)
    vp = editor.waveform.viewport
    assert abs(vp.x_of(43_210) - vp.width_px * 43_210 / 60_000) < 3


def test_list_and_waveform_agree_after_merge_undo_and_redo(qtbot, editor):
    editor.waveform.fit_all()
    x = editor.waveform.viewport.x_of(10_500)
    qtbot.mouseClick(editor.waveform, LEFT, pos=QPoint(round(x), 80))  # cue 10
    assert editor.selected == 10 and table_rows(editor) == [10]
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_M)  # merge 10 with 11
    assert editor.stack.doc[10].text == "cue 10 cue 11"
    assert editor.selected == 10 and table_rows(editor) == [10]
    editor.undo_action.trigger()
    assert len(editor.stack.doc) == 60
    assert table_rows(editor) == [editor.selected] and editor.selected >= 0
    editor.redo_action.trigger()
    assert table_rows(editor) == [editor.selected] and editor.selected >= 0
    last = len(editor.stack.doc) - 1
    editor.select(last)
    editor.actions_by_name["delete"].trigger()  # the last cue: the selection moves up
    assert editor.selected == last - 1 and table_rows(editor) == [last - 1]
    editor.undo_action.trigger()
    assert table_rows(editor) == [editor.selected]


def test_pane_sizes_survive_a_restart(qtbot):
    first = show_editor(qtbot, video_transcript(), str(BUNNY), ms_per_px=None)
    qtbot.waitUntil(first.video.isVisible, timeout=10_000)
    first.splitter.moveSplitter(420, 1)  # as a drag of the handle does
    first.top_splitter.moveSplitter(300, 1)
    sizes = first.splitter.sizes(), first.top_splitter.sizes()
    assert sizes[0][0] == 420 and sizes[1][0] == 300
    first.shutdown()
    first.close()
    second = show_editor(qtbot, video_transcript(), str(BUNNY), ms_per_px=None)
    try:
        qtbot.waitUntil(second.video.isVisible, timeout=10_000)
        assert second.splitter.sizes() == sizes[0]
        assert second.top_splitter.sizes() == sizes[1]
    finally:
        second.shutdown()
    audio = show_editor(qtbot, long_transcript(), ms_per_px=None)  # no video: the list and
    try:  # the waveform keep their split, the waveform takes the width
        assert audio.splitter.sizes() == sizes[0]
        assert audio.top_splitter.sizes()[0] == 0
    finally:
        audio.shutdown()


def video_transcript() -> Transcript:
    return Transcript([Segment(500, 1500, "Hello")], "en", SourceInfo(str(BUNNY), 5280))


def test_the_find_dialog_does_not_cover_the_waveform(qtbot, editor):
    editor.window().move(50, 50)
    editor.actions_by_name["find"].trigger()
    dialog = editor._find_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    wave = editor.waveform
    wave_rect = QRect(wave.mapToGlobal(QPoint(0, 0)), wave.size())
    assert not dialog.frameGeometry().intersects(wave_rect)
    table = QRect(editor.table.mapToGlobal(QPoint(0, 0)), editor.table.size())
    assert table.intersects(dialog.frameGeometry())  # over the list, near what it finds
    dialog.close()


def test_in_the_window_the_waveform_gets_the_room_and_a_view_menu(qtbot, window):
    window.resize(1000, 700)
    segs = [Segment(0, 2000, "And so my fellow Americans")]
    window.workspace.add_transcript(str(JFK), Transcript(segs, "en", SourceInfo(str(JFK), 11000)))
    editor = window.editor
    assert editor is not None and window.lower_pages.currentWidget() is editor
    qtbot.wait(50)
    assert editor.waveform.height() > window.job_table.height()
    assert editor.waveform.height() >= 200
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus.index("&View") == menus.index("&Edit") + 1
    view = window.menuBar().actions()[menus.index("&View")].menu()
    assert editor.show_video_action in view.actions()
