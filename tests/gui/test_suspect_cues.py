"""Suspect cues in the editor: marked in the list and on the waveform, reached with F8 /
Shift+F8, cleared by editing their text or "Mark as checked" (one undo step each)."""

from __future__ import annotations

import copy

import pytest
from gui_helpers import show_editor
from PySide6.QtCore import Qt

from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word
from wavescribe.gui.editor.segment_model import SegmentModel
from wavescribe.gui.editor.suspects import SUSPECT
from wavescribe.gui.editor.timeline.paint import RULER_PX, SUSPECT_BAND_PX

Y = 80
REPEAT = "repeats the cue before"
LOW = "low confidence"


def make_transcript() -> Transcript:
    segs = [
        Segment(1000, 2000, "one two", [Word(1000, 1400, " one"), Word(1500, 2000, " two")]),
        Segment(3000, 4000, "one two", [], None, REPEAT),
        Segment(5000, 6000, "five six"),
        Segment(7000, 8000, "seven", [], None, LOW),
    ]
    return Transcript(segs, "en", SourceInfo("talk.wav", 9000))


@pytest.fixture
def editor(qtbot):
    panel = show_editor(qtbot, make_transcript(), activate=True, record_messages=True)  # x = ms/10
    yield panel
    panel.shutdown()


def band_color(panel, ms: int) -> int:
    """The colour just inside the top of the cue area at ``ms`` (where the suspect band is)."""
    image = panel.waveform.grab().toImage()
    return image.pixelColor(round(panel.waveform.x_of(ms)), RULER_PX + SUSPECT_BAND_PX // 2).rgb()


def test_suspect_cues_have_a_badge_a_tint_and_the_reason_in_the_tooltip(editor):
    model = editor.model
    tip = model.index(1, SegmentModel.TEXT).data(Qt.ItemDataRole.ToolTipRole)
    assert f"Suspect: {REPEAT}" in tip
    assert f"Suspect: {LOW}" in model.index(3, SegmentModel.END).data(Qt.ItemDataRole.ToolTipRole)
    decoration = [
        model.index(r, SegmentModel.START).data(Qt.ItemDataRole.DecorationRole) for r in range(4)
    ]
    assert [d is not None for d in decoration] == [False, True, False, True]
    backgrounds = [
        model.index(r, SegmentModel.TEXT).data(Qt.ItemDataRole.BackgroundRole) for r in range(4)
    ]
    assert [b is not None for b in backgrounds] == [False, True, False, True]
    tip0 = model.index(0, SegmentModel.TEXT).data(Qt.ItemDataRole.ToolTipRole) or ""
    assert "Suspect" not in tip0


def test_suspect_cues_carry_an_amber_band_on_the_waveform_at_any_zoom(editor):
    assert band_color(editor, 3900) == SUSPECT.rgb()  # near the end: no text drawn there
    assert band_color(editor, 7900) == SUSPECT.rgb()
    assert band_color(editor, 1900) != SUSPECT.rgb()
    assert band_color(editor, 5900) != SUSPECT.rgb()
    wf = editor.waveform
    wf.viewport.ms_per_px, wf.viewport.start_ms = 400.0, 0.0  # a cue is 2.5 px: drawn narrow
    wf.update()
    assert band_color(editor, 3500) == SUSPECT.rgb()
    assert band_color(editor, 5500) != SUSPECT.rgb()


def test_next_and_previous_suspect_select_them_in_list_and_waveform_and_wrap(qtbot, editor):
    editor.waveform.setFocus()
    qtbot.keyClick(editor.waveform, Qt.Key.Key_F8)
    assert editor.selected == 1
    assert [i.row() for i in editor.table.selectionModel().selectedRows()] == [1]
    assert editor.messages[-1] == f"Cue 2 is suspect: {REPEAT}"
    qtbot.keyClick(editor.waveform, Qt.Key.Key_F8)
    assert editor.selected == 3
    qtbot.keyClick(editor.waveform, Qt.Key.Key_F8)
    assert editor.selected == 1 and editor.messages[-1].endswith("(from the top)")
    qtbot.keyClick(editor.waveform, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    assert editor.selected == 3 and editor.messages[-1].endswith("(from the end)")
    editor.actions_by_name["prev_suspect"].trigger()
    assert editor.selected == 1


def test_navigation_scrolls_the_suspect_cue_into_view(qtbot):
    segs = [Segment(i * 2000, i * 2000 + 1000, f"cue {i}") for i in range(200)]
    segs[150].suspect = LOW
    panel = show_editor(qtbot, Transcript(segs, "en", SourceInfo("t.wav", 400_000)))
    try:
        panel.actions_by_name["next_suspect"].trigger()
        vp = panel.waveform.viewport
        assert panel.selected == 150 and vp.start_ms <= 300_000 and vp.end_ms >= 301_000
        rect = panel.table.visualRect(panel.model.index(150, 0))
        assert panel.table.viewport().rect().contains(rect.center())
    finally:
        panel.shutdown()


def test_no_suspect_cues_says_so(qtbot):
    panel = show_editor(qtbot, Transcript([Segment(0, 1000, "fine")]), record_messages=True)
    try:
        panel.actions_by_name["next_suspect"].trigger()
        assert panel.messages == ["No suspect cues"] and panel.selected == -1
    finally:
        panel.shutdown()


def test_editing_a_suspect_cues_text_clears_the_flag_in_one_undo_step(editor):
    original = copy.deepcopy(editor.stack.doc.to_dict())
    index = editor.model.index(1, SegmentModel.TEXT)
    assert editor.model.setData(index, "three four")
    assert editor.stack.doc[1].suspect is None
    assert editor.model.index(1, SegmentModel.START).data(Qt.ItemDataRole.DecorationRole) is None
    assert band_color(editor, 3900) != SUSPECT.rgb()
    assert editor.stack.qstack.count() == 1
    editor.undo_action.trigger()
    assert editor.stack.doc.to_dict() == original
    assert band_color(editor, 3900) == SUSPECT.rgb()


def test_mark_as_checked_from_the_cue_menu_clears_the_flag_and_undo_brings_it_back(editor):
    menu = editor.waveform.cue_menu_at(750)  # cue 4
    names = [a.objectName() for a in menu.actions()]
    assert "suspectReason" in names and "mark_checked" in names
    assert next(a for a in menu.actions() if a.objectName() == "suspectReason").text() == (
        f"Suspect: {LOW}"
    )
    next(a for a in menu.actions() if a.objectName() == "mark_checked").trigger()
    assert editor.stack.doc[3].suspect is None and editor.stack.doc[3].text == "seven"
    assert editor.undo_action.text() == "&Undo Mark cue 4 as checked"
    editor.actions_by_name["mark_checked"].trigger()  # again: nothing to clear, and it says so
    assert editor.messages[-1] == "Cue 4 is not marked as suspect"
    assert editor.stack.qstack.count() == 1
    editor.undo_action.trigger()
    assert editor.stack.doc[3].suspect == LOW
    plain = editor.waveform.cue_menu_at(150)
    assert "mark_checked" not in [a.objectName() for a in plain.actions()]


def test_the_edit_menu_offers_the_suspect_actions(window):
    editor = window._ensure_editor()
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    for name in ("next_suspect", "prev_suspect", "mark_checked", "retranscribe"):
        assert editor.actions_by_name[name] in edit_menu.actions()
    assert editor.actions_by_name["next_suspect"].shortcut().toString() == "F8"


def test_a_click_on_a_suspect_row_selects_the_cue_on_the_waveform(qtbot, editor):
    rect = editor.table.visualRect(editor.model.index(3, SegmentModel.TEXT))
    qtbot.mouseClick(editor.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert editor.waveform.selected == 3
    image = editor.waveform.grab().toImage()
    x = round(editor.waveform.x_of(7950))
    assert image.pixelColor(x, RULER_PX + 1).rgb() == SUSPECT.rgb()
    assert (
        image.pixelColor(x, Y).rgb() != image.pixelColor(round(editor.waveform.x_of(5950)), Y).rgb()
    )
