"""Editing on the waveform itself: text in place, the cue menu, and the snap / refused markers."""

from __future__ import annotations

import copy

import pytest
from gui_helpers import show_editor
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu

from wavescribe.core.editing.timing_controller import SnapTarget
from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word
from wavescribe.gui.editor.editor_widget import EditorPanel
from wavescribe.gui.editor.timeline.markers import REFUSED_COLOR, SNAP_COLOR

LEFT = Qt.MouseButton.LeftButton
Y = 80  # a row inside the cue area, above the word ticks


def make_transcript() -> Transcript:
    words = [Word(1000, 1300, " one"), Word(1400, 1700, " two"), Word(1800, 2000, " three")]
    segs = [
        Segment(1000, 2000, "one two three", words),
        Segment(3000, 4000, "four"),
        Segment(5000, 6000, "five six"),
    ]
    return Transcript(segs, "en", SourceInfo("talk.wav", 8000))


@pytest.fixture
def editor(qtbot):
    # x = ms / 10
    panel = show_editor(qtbot, make_transcript(), activate=True, record_messages=True)
    yield panel
    panel.shutdown()


def texts(panel: EditorPanel) -> list[str]:
    return [s.text for s in panel.stack.doc.segments]


def column_has(image, x: int, color: QColor, top: int = 20) -> bool:
    """Whether any pixel in columns ``x-1..x+1`` below the ruler is ``color``."""
    return any(
        image.pixelColor(cx, cy).rgb() == color.rgb()
        for cx in (x - 1, x, x + 1)
        for cy in range(top, image.height())
    )


# --- text in place -------------------------------------------------------------------------------
def test_double_click_type_and_enter_sets_the_text_in_one_undo_step(qtbot, editor):
    original = copy.deepcopy(editor.stack.doc.to_dict())
    wf = editor.waveform
    qtbot.mouseDClick(wf, LEFT, pos=QPoint(350, Y))
    box = wf.text_editor
    assert box is not None and box.isVisible() and box.hasFocus()
    assert box.geometry().left() <= 300 < box.geometry().right()  # laid over cue 2 (3000-4000)
    assert box.toPlainText() == "four"
    qtbot.keyClicks(box, "Spam, split me")  # S, P, M and Space are editor shortcuts elsewhere
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert texts(editor) == ["one two three", "Spam, split me", "five six"]
    assert wf.text_editor is None and wf.hasFocus()
    assert editor.stack.qstack.count() == 1
    editor.undo_action.trigger()
    assert editor.stack.doc.to_dict() == original


def test_shift_enter_breaks_the_line(qtbot, editor):
    editor.select(2)
    editor.waveform.setFocus()
    qtbot.keyClick(editor.waveform, Qt.Key.Key_F2)
    box = editor.waveform.text_editor
    assert box is not None
    qtbot.keyClick(box, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "seven")
    qtbot.keyClick(box, Qt.Key.Key_Enter)
    assert editor.stack.doc[2].text == "five six\nseven"


def test_escape_cancels_and_an_unchanged_text_leaves_no_undo_step(qtbot, editor):
    original = copy.deepcopy(editor.stack.doc.to_dict())
    wf = editor.waveform
    qtbot.mouseDClick(wf, LEFT, pos=QPoint(150, Y))
    qtbot.keyClicks(wf.text_editor, "nothing")
    qtbot.keyClick(wf.text_editor, Qt.Key.Key_Escape)
    assert wf.text_editor is None
    assert editor.stack.doc.to_dict() == original
    wf.setFocus()
    qtbot.keyClick(wf, Qt.Key.Key_Return)  # Enter on the selected cue opens it too
    assert wf.text_editor is not None and wf.text_editor.index == 0
    qtbot.keyClick(wf.text_editor, Qt.Key.Key_Return)
    assert editor.stack.doc.to_dict() == original and editor.stack.qstack.count() == 0


def test_clicking_elsewhere_commits_the_text(qtbot, editor):
    wf = editor.waveform
    qtbot.mouseDClick(wf, LEFT, pos=QPoint(150, Y))
    qtbot.keyClicks(wf.text_editor, "first")
    qtbot.mouseClick(wf, LEFT, pos=QPoint(450, Y))  # empty waveform: focus leaves the editor
    assert texts(editor)[0] == "first"
    assert wf.text_editor is None


def test_f2_in_the_list_edits_the_list_cell_not_the_waveform(qtbot, editor):
    editor.select(1)
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_F2)
    assert editor.waveform.text_editor is None
    assert editor.table.state() == editor.table.State.EditingState


# --- the cue menu --------------------------------------------------------------------------------
def menu_action(menu: QMenu, name: str):
    found = [a for a in menu.actions() if a.objectName() == name]
    assert found, [a.text() for a in menu.actions()]
    return found[0]


def test_the_menu_splits_before_the_word_under_the_mouse(qtbot, editor):
    original = copy.deepcopy(editor.stack.doc.to_dict())
    wf = editor.waveform
    wf.viewport.ms_per_px = 5.0  # zoomed in: words are shown (x = ms / 5)
    menu = wf.cue_menu_at(1500 / 5)  # over "two"
    split = menu_action(menu, "splitAtWord")
    assert split.text() == "Split before “two”" and split.isEnabled()
    split.trigger()
    segs = editor.stack.doc.segments
    assert texts(editor)[:2] == ["one", "two three"]
    assert [w.text for w in segs[0].words] == [" one"]
    assert [w.text for w in segs[1].words] == [" two", " three"]
    # halfway between "one" (ends 1300) and "two" (starts 1400), less the rules' gap
    assert segs[0].end <= 1350 <= segs[1].start and segs[1].start - segs[0].end <= 80
    assert (segs[0].start, segs[1].end) == (1000, 2000)
    editor.undo_action.trigger()
    assert editor.stack.doc.to_dict() == original


def test_words_are_offered_only_when_zoomed_in_far_enough_to_see_them(editor):
    wf = editor.waveform
    wf.viewport.ms_per_px = 20.0  # words are not drawn at this zoom
    assert not [a for a in wf.cue_menu_at(75).actions() if a.objectName() == "splitAtWord"]
    wf.viewport.ms_per_px = 5.0
    first = menu_action(wf.cue_menu_at(1100 / 5), "splitAtWord")
    assert first.text() == "Split before “one”" and not first.isEnabled()
    assert wf.cue_menu_at(4500 / 5) is None  # no cue there, no menu


def test_a_right_click_opens_the_menu_on_that_cue_and_its_actions_work(qtbot, editor):
    wf = editor.waveform
    shown: list[list[str]] = []

    def choose_merge() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        shown.append([a.text().split("\t")[0] for a in menu.actions() if a.text()])
        merge = menu_action(menu, "merge")
        menu.close()
        merge.trigger()

    QTimer.singleShot(50, choose_merge)
    pos = QPoint(350, Y)  # cue 2
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, wf.mapToGlobal(pos))
    QApplication.sendEvent(wf, event)  # runs the menu until choose_merge closes it
    assert shown and shown[0] == [
        "Split at playhead",
        "Merge with next",
        "Delete cue",
        "Play cue",
        "Re-transcribe…",
        "Align text…",
        "Edit text",
    ]
    assert editor.selected == 1
    assert texts(editor) == ["one two three", "four five six"]
    assert editor.stack.qstack.count() == 1


def test_edit_text_from_the_menu_opens_the_editor_on_that_cue(editor):
    wf = editor.waveform
    menu_action(wf.cue_menu_at(550), "editText").trigger()
    assert wf.text_editor is not None and wf.text_editor.index == 2


# --- snap and refused markers --------------------------------------------------------------------
def test_a_snapping_drag_shows_the_snap_target_until_release(qtbot, editor):
    wf = editor.waveform
    qtbot.mousePress(wf, LEFT, pos=QPoint(200, Y))  # cue 1's end edge (2000 ms)
    for x in (220, 260, 290):  # 2900 ms: within 8 px of 2920, cue 2's start less the 80 ms gap
        qtbot.mouseMove(wf, QPoint(x, Y))
    assert wf.snap_marker == SnapTarget(2920, "cue")
    assert editor.stack.doc[0].end == 2920
    image = wf.grab().toImage()
    assert column_has(image, round(wf.x_of(2920)), SNAP_COLOR)
    assert not column_has(image, round(wf.x_of(2600)), SNAP_COLOR)
    qtbot.mouseMove(wf, QPoint(250, Y))  # 2500 ms: nothing near, nothing shown
    assert wf.snap_marker is None
    qtbot.mouseMove(wf, QPoint(290, Y))
    assert wf.snap_marker is not None
    qtbot.mouseRelease(wf, LEFT, pos=QPoint(290, Y))
    assert wf.snap_marker is None
    assert editor.stack.qstack.count() == 1


def test_a_drag_stopped_by_a_neighbour_flashes_the_stopped_edge(qtbot, editor):
    wf = editor.waveform
    qtbot.mousePress(wf, LEFT, pos=QPoint(200, Y))
    for x in (240, 300, 350):
        qtbot.mouseMove(wf, QPoint(x, Y))
    marker = wf.refused_marker
    assert marker is not None and (marker.index, marker.ms, marker.reason) == (0, 2920, "cue 2")
    assert column_has(wf.grab().toImage(), round(wf.x_of(2920)), REFUSED_COLOR)
    qtbot.mouseRelease(wf, LEFT, pos=QPoint(350, Y))
    assert any("Stopped by cue 2" in m for m in editor.messages)  # the reason stays in words
    qtbot.waitUntil(lambda: wf.refused_marker is None, timeout=3000)  # the flash fades
    assert not column_has(wf.grab().toImage(), round(wf.x_of(2920)), REFUSED_COLOR)


def test_an_undo_clears_the_refused_flash_at_once(qtbot, editor):
    wf = editor.waveform
    qtbot.mousePress(wf, LEFT, pos=QPoint(200, Y))
    qtbot.mouseMove(wf, QPoint(260, Y))
    qtbot.mouseMove(wf, QPoint(350, Y))
    qtbot.mouseRelease(wf, LEFT, pos=QPoint(350, Y))
    assert wf.refused_marker is not None
    editor.undo_action.trigger()
    assert wf.refused_marker is None


def test_a_body_drag_into_the_previous_cue_flashes_its_start(qtbot, editor):
    wf = editor.waveform
    qtbot.mousePress(wf, LEFT, pos=QPoint(350, Y))  # cue 2's body
    for x in (330, 280, 200):
        qtbot.mouseMove(wf, QPoint(x, Y))
    marker = wf.refused_marker
    assert marker is not None and marker.index == 1
    assert marker.ms == editor.stack.doc[1].start == 2080  # cue 1 ends at 2000, plus the gap
    qtbot.mouseRelease(wf, LEFT, pos=QPoint(200, Y))
