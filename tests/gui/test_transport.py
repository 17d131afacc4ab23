"""The transport: play/pause on a real (null) sound card, the time field, clicks in cues, previous
and next cue from the playhead, and frame / 10 ms steps with the keyboard."""

from __future__ import annotations

import pytest
from gui_helpers import show_editor
from PySide6.QtCore import QPoint, Qt
from test_playback import RATE, null_sound_card, tone  # noqa: F401  (a fixture)

from wavescribe.core.transcript import Segment, SourceInfo, Transcript
from wavescribe.gui.editor.playback import format_clock, parse_clock

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def transcript() -> Transcript:
    segs = [Segment(1000, 2000, "one"), Segment(3000, 4000, "two"), Segment(5000, 6000, "three")]
    return Transcript(segs, "en", SourceInfo("tone.wav", 8000))


@pytest.fixture
def editor(qtbot):
    # x = ms / 10 on the waveform
    panel = show_editor(qtbot, transcript(), activate=True, record_messages=True)
    panel.player.set_audio(tone(8), RATE)
    yield panel
    panel.shutdown()


def test_clock_format_and_parse():
    assert format_clock(3_723_045) == "01:02:03.045"
    assert format_clock(0) == "00:00:00.000"
    for text, ms in [
        ("00:01:02.500", 62_500),
        ("1:02.5", 62_500),
        ("62.5", 62_500),
        ("62,5", 62_500),
        ("2", 2000),
        ("1:00:00", 3_600_000),
    ]:
        assert parse_clock(text) == ms, text
    for bad in ("", "abc", "1:2:3:4", "-5"):
        with pytest.raises(ValueError, match="Not a time"):
            parse_clock(bad)


def test_typing_a_time_moves_the_playhead(qtbot, editor):
    field = editor.transport.time_field
    qtbot.mouseClick(field, LEFT)
    assert field.hasFocus()
    field.selectAll()
    qtbot.keyClicks(field, "00:00:03.250")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert editor.player.position_ms == 3250
    assert editor.waveform.playhead_ms == 3250
    assert field.text() == "00:00:03.250" and not field.hasFocus()
    assert editor.waveform.hasFocus()  # the editor's keys work again at once
    qtbot.mouseClick(field, LEFT)
    field.selectAll()
    qtbot.keyClicks(field, "5.5")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert editor.player.position_ms == 5500
    qtbot.mouseClick(field, LEFT)
    field.selectAll()
    qtbot.keyClicks(field, "soon")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert editor.player.position_ms == 5500  # unchanged, and it says why
    assert editor.messages[-1].startswith("Not a time: 'soon'")


def test_ctrl_g_goes_to_the_time_field(qtbot, editor):
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_G, CTRL)
    assert editor.transport.time_field.hasFocus()


def test_the_play_button_plays_and_pauses_where_it_is(qtbot, editor, null_sound_card):  # noqa: F811
    editor.player.seek(2000)
    button = editor.transport.play_button
    assert button.text() == "▶ Play"
    qtbot.mouseClick(button, LEFT)
    assert editor.player.is_playing and button.text() == "⏸ Pause"
    qtbot.waitUntil(lambda: editor.player.position_ms >= 2300, timeout=5000)
    assert editor.transport.time_field.text().startswith("00:00:02.")
    qtbot.mouseClick(button, LEFT)
    assert not editor.player.is_playing and button.text() == "▶ Play"
    paused = editor.player.position_ms
    assert 2300 <= paused < 4000
    qtbot.wait(150)
    assert editor.player.position_ms == paused
    assert editor.waveform.playhead_ms == paused


def test_a_click_inside_a_cue_moves_the_playhead_so_split_works(qtbot, editor):
    qtbot.mouseClick(editor.waveform, LEFT, pos=QPoint(350, 80))  # 3500 ms, inside "two"
    assert editor.selected == 1
    assert editor.player.position_ms == 3500
    editor.actions_by_name["split"].trigger()
    segs = editor.stack.doc.segments
    assert len(segs) == 4  # split there (the rules' minimum gap is kept around 3500)
    assert segs[1].start == 3000 and segs[1].end < 3500 < segs[2].start and segs[2].end == 4000


def test_a_drag_on_a_cue_does_not_move_the_playhead(qtbot, editor):
    editor.player.seek(100)
    wf = editor.waveform
    qtbot.mousePress(wf, LEFT, pos=QPoint(350, 80))
    qtbot.mouseMove(wf, QPoint(380, 80))
    qtbot.mouseRelease(wf, LEFT, pos=QPoint(380, 80))
    assert editor.player.position_ms == 100
    assert editor.stack.doc[1].start == 3300  # the cue moved instead


def test_previous_and_next_cue_go_from_the_playhead(qtbot, editor):
    editor.player.seek(3500)  # inside "two", nothing selected
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_Right, ALT)
    assert editor.selected == 2 and editor.player.position_ms == 5000
    qtbot.keyClick(editor.table, Qt.Key.Key_Left, ALT)
    assert editor.selected == 1 and editor.player.position_ms == 3000
    qtbot.keyClick(editor.table, Qt.Key.Key_Left, ALT)
    assert editor.selected == 0 and editor.player.position_ms == 1000
    qtbot.keyClick(editor.table, Qt.Key.Key_Left, ALT)
    assert editor.selected == 0 and editor.messages[-1] == "No cue before it"
    editor.player.seek(4500)
    qtbot.keyClick(editor.table, Qt.Key.Key_Right, ALT)
    assert editor.selected == 2  # not cue 1: the playhead is past it
    selected_rows = [i.row() for i in editor.table.selectionModel().selectedRows()]
    assert selected_rows == [2]


def test_frame_steps_on_audio_are_10_ms(qtbot, editor):
    editor.player.seek(1234)
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_Right, CTRL)
    assert editor.player.position_ms == 1240  # onto the 10 ms grid
    qtbot.keyClick(editor.table, Qt.Key.Key_Right, CTRL)
    assert editor.player.position_ms == 1250
    for _ in range(3):
        qtbot.keyClick(editor.table, Qt.Key.Key_Left, CTRL)
    assert editor.player.position_ms == 1220
    editor.player.seek(0)
    qtbot.keyClick(editor.table, Qt.Key.Key_Left, CTRL)
    assert editor.player.position_ms == 0
    assert editor.transport.time_field.text() == "00:00:00.000"


def test_the_shortcut_sheet_lists_the_transport_keys():
    from wavescribe.gui.editor.shortcuts_help import SHORTCUTS

    names = {name: keys for name, _, keys in SHORTCUTS}
    assert names["step_back"] == "Ctrl+Left" and names["step_forward"] == "Ctrl+Right"
    assert len(set(names.values())) == len(names)  # no key bound twice
