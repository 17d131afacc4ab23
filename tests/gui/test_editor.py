"""The editor by mouse and keys: drags, create, split, merge, delete, list edits, undo."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from gui_helpers import show_editor
from PySide6.QtCore import QPoint, Qt

from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word
from wavescribe.gui.editor.editor_widget import EditorPanel
from wavescribe.gui.editor.segment_model import SegmentModel, parse_time

RATE = 16000
LEFT = Qt.MouseButton.LeftButton


def make_transcript(path: Path) -> Transcript:
    segs = [
        Segment(1000, 2000, "one two", [Word(1000, 1400, " one"), Word(1500, 2000, " two")]),
        Segment(3000, 4000, "three"),
        Segment(5000, 6000, "four five"),
    ]
    return Transcript(segs, "en", SourceInfo(str(path), 8000))


@pytest.fixture
def audio(tmp_path: Path) -> Path:
    t = np.arange(8 * RATE) / RATE
    samples = (0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 0.5 * t) > 0)).astype("f4")
    path = tmp_path / "talk.wav"
    sf.write(path, samples, RATE)
    return path


@pytest.fixture
def editor(qtbot, audio: Path):
    # x = ms / 10, a little past the end of the audio
    panel = show_editor(qtbot, make_transcript(audio), str(audio), record_messages=True)
    yield panel
    panel.shutdown()


def drag(qtbot, widget, from_ms: int, to_ms: int, y: int = 80) -> None:
    x0, x1 = round(widget.x_of(from_ms)), round(widget.x_of(to_ms))
    qtbot.mousePress(widget, LEFT, pos=QPoint(x0, y))
    for i in range(1, 5):
        qtbot.mouseMove(widget, QPoint(x0 + (x1 - x0) * i // 4, y))
    qtbot.mouseRelease(widget, LEFT, pos=QPoint(x1, y))


def times(panel: EditorPanel) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in panel.stack.doc.segments]


def test_the_waveform_is_drawn_from_peaks_computed_off_thread(editor):
    assert editor.waveform.pyramid is not None
    assert editor.waveform.pyramid.duration_ms == 8000
    assert editor.waveform.viewport.ms_per_px == 10
    editor.waveform.grab()  # paints without error at this zoom


def test_dragging_an_end_edge_retimes_the_cue_in_one_undo_step(qtbot, editor):
    original = copy.deepcopy(editor.stack.doc.to_dict())
    drag(qtbot, editor.waveform, 2000, 2500)
    assert times(editor)[0] == (1000, 2500)
    assert editor.stack.qstack.count() == 1
    editor.undo_action.trigger()
    assert editor.stack.doc.to_dict() == original
    editor.redo_action.trigger()
    assert times(editor)[0] == (1000, 2500)


def test_dragging_the_body_moves_the_cue_and_its_words(qtbot, editor):
    drag(qtbot, editor.waveform, 1500, 1200)
    assert times(editor)[0] == (700, 1700)
    assert editor.stack.doc[0].words[0].start == 700
    assert editor.stack.qstack.count() == 1


def test_a_drag_into_a_neighbour_stops_there_and_says_why(qtbot, editor):
    drag(qtbot, editor.waveform, 2000, 3500)
    assert times(editor)[0] == (1000, 2920)  # the rules' 80 ms gap before cue 2
    assert any("Stopped by cue 2" in m for m in editor.messages)


def test_dragging_on_empty_waveform_creates_a_cue(qtbot, editor):
    original = copy.deepcopy(editor.stack.doc.to_dict())
    drag(qtbot, editor.waveform, 6500, 7500)
    assert times(editor)[3] == (6500, 7500)
    assert editor.selected == 3
    assert editor.table.selectionModel().selectedRows()[0].row() == 3
    editor.stack.undo()
    assert editor.stack.doc.to_dict() == original


def test_clicking_a_cue_selects_its_row_and_back(qtbot, editor):
    qtbot.mouseClick(editor.waveform, LEFT, pos=QPoint(350, 80))
    assert editor.selected == 1
    assert editor.table.selectionModel().selectedRows()[0].row() == 1
    editor.table.selectRow(2)
    assert editor.waveform.selected == 2
    qtbot.mouseClick(editor.waveform, LEFT, pos=QPoint(450, 80))  # empty: seeks, deselects
    assert editor.selected == -1
    assert editor.player.position_ms == 4500


def test_split_merge_delete_and_undo_all_restore_the_original(qtbot, editor):
    original = copy.deepcopy(editor.stack.doc.to_dict())
    editor.player.seek(1450)
    editor.actions_by_name["split"].trigger()
    assert len(editor.stack.doc) == 4
    assert editor.stack.doc[0].text == "one" and editor.stack.doc[1].text == "two"
    editor.select(1)
    editor.actions_by_name["merge"].trigger()
    assert [s.text for s in editor.stack.doc.segments][:2] == ["one", "two three"]
    editor.select(0)
    editor.actions_by_name["delete"].trigger()
    assert len(editor.stack.doc) == 2
    assert editor.model.rowCount() == 2
    editor.select(0)
    editor.actions_by_name["start_earlier_big"].trigger()
    editor.actions_by_name["end_later"].trigger()
    assert editor.stack.qstack.count() == 5
    while editor.stack.qstack.canUndo():
        editor.undo_action.trigger()
    assert editor.stack.doc.to_dict() == original
    assert editor.model.rowCount() == 3


def test_editing_the_list_goes_through_undo(editor):
    model = editor.model
    assert model.setData(model.index(0, SegmentModel.START), "00:01.250")
    assert model.setData(model.index(1, SegmentModel.TEXT), "three!")
    assert times(editor)[0] == (1250, 2000)
    assert editor.stack.doc[1].text == "three!"
    assert model.data(model.index(0, SegmentModel.DURATION)) == "0.75"
    assert not model.setData(model.index(0, SegmentModel.END), "soon")
    assert not model.setData(model.index(0, SegmentModel.END), "00:03.500")  # overlaps cue 2
    assert any("not a time" in m for m in editor.messages)
    assert any("overlap" in m for m in editor.messages)
    editor.stack.undo()
    editor.stack.undo()
    assert times(editor)[0] == (1000, 2000) and editor.stack.doc[1].text == "three"


def test_rule_warnings_show_in_the_list(editor):
    model = editor.model
    model.setData(model.index(1, SegmentModel.TEXT), "x" * 60)  # far too fast for 1 s
    tip = model.data(model.index(1, SegmentModel.CPS), Qt.ItemDataRole.ToolTipRole)
    assert tip and ("fast" in tip.lower() or "second" in tip.lower())
    assert model.data(model.index(1, SegmentModel.CPS), Qt.ItemDataRole.ForegroundRole)


def test_with_no_audio_device_play_says_why_and_editing_goes_on(qtbot, editor):
    editor.actions_by_name["play"].trigger()
    editor.select(0)
    editor.play_cue()
    assert not editor.player.is_playing
    assert any(m.startswith("Cannot play") for m in editor.messages)
    drag(qtbot, editor.waveform, 2000, 2300)
    assert times(editor)[0] == (1000, 2300)


def test_zoom_and_scroll(qtbot, editor):
    wf = editor.waveform
    wf.zoom(1)
    assert wf.viewport.ms_per_px == pytest.approx(10 / 1.5)
    wf.zoom(5)
    assert wf.viewport.ms_per_px == 5.0  # the deepest zoom
    wf.scroll_to(3000)
    assert editor.scrollbar.value() == 3000
    editor.scrollbar.setValue(1000)
    assert wf.viewport.start_ms == 1000
    wf.grab()  # word zoom paints the word ticks
    wf.fit_all()
    assert wf.viewport.start_ms == 0 and wf.viewport.end_ms >= 8000


def test_time_parsing():
    assert parse_time("01:02.5") == 62_500
    assert parse_time("1:00:00,250") == 3_600_250
    assert parse_time("4.2") == 4200
    assert parse_time("abc") is None


def test_the_shortcuts_sheet_lists_the_editor_actions(qtbot, editor):
    from wavescribe.gui.editor.shortcuts_help import ShortcutsDialog

    dialog = ShortcutsDialog(editor)
    qtbot.addWidget(dialog)
    labels = [dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())]
    assert "Split the cue at the playhead" in labels and "Undo" in labels


def test_edges_snap_to_silence_unless_snapping_is_off(qtbot, editor):
    qtbot.waitUntil(lambda: 7000 in editor.controller.silences, timeout=5000)
    drag(qtbot, editor.waveform, 6000, 6960)
    assert times(editor)[2] == (5000, 7000)  # the tone stops at 7 s
    editor.stack.undo()
    editor.actions_by_name["snap"].trigger()
    drag(qtbot, editor.waveform, 6000, 6960)
    assert times(editor)[2] == (5000, 6960)


def test_the_cue_under_the_playhead_is_highlighted_in_the_list(editor):
    editor.player.seek(3500)
    assert editor.model.current == 1
    assert editor.model.data(editor.model.index(1, 0), Qt.ItemDataRole.BackgroundRole)
    assert editor.waveform.playhead_ms == 3500
