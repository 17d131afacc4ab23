"""Re-transcribing a region from the editor: real engine (tiny.en), real audio (JFK), real widgets.

The region replaces exactly its cues (cues it cuts are replaced whole), cues outside stay
byte-identical, the whole thing is one undo step, and Cancel changes nothing.
"""

from __future__ import annotations

import copy

import pytest
from gui_helpers import MAX_STALL_S, StallMeter, dump, hand_transcript, shift_drag, show_editor
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from conftest import FAST
from shared_data import JFK
from wavescribe.gui.options import OptionsDialog

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def editor(qtbot):
    panel = show_editor(qtbot, hand_transcript(), str(JFK), activate=True, record_messages=True)
    yield panel
    panel.shutdown()


def test_shift_drag_selects_a_span_and_creates_no_cue(qtbot, editor):
    wf = editor.waveform
    shift_drag(qtbot, wf, 4000, 7000)
    assert wf.span == (4000, 7000)
    assert len(editor.stack.doc) == 4 and editor.stack.qstack.count() == 0
    assert editor.region() == (3000, 7800)  # cut cues are taken whole
    qtbot.keyClick(wf, Qt.Key.Key_Escape)
    assert wf.span is None


def test_the_selected_cues_are_the_region_when_no_span_is_dragged(qtbot, editor):
    model, sel = editor.model, editor.table.selectionModel()
    flags = sel.SelectionFlag.Select | sel.SelectionFlag.Rows
    editor.select(1)
    sel.select(model.index(2, 0), flags)
    assert editor.selected_rows() == [1, 2]
    assert editor.region() == (3000, 7800)
    editor.select(0)
    assert editor.region() == (300, 2600)


def test_a_span_re_transcribes_through_the_menu_and_dialog_as_one_undo_step(qtbot, editor):
    doc = editor.stack.doc
    original = copy.deepcopy(doc.to_dict())
    outside = [dump(doc[0]), dump(doc[3])]
    wf = editor.waveform
    shift_drag(qtbot, wf, 4000, 7000)
    menu = wf.cue_menu_at(wf.x_of(5500))
    assert menu.objectName() == "spanMenu"
    item = next(a for a in menu.actions() if a.objectName() == "retranscribe")
    item.trigger()
    dialog = next(
        w for w in QApplication.topLevelWidgets() if w.objectName() == "retranscribeDialog"
    )
    assert isinstance(dialog, OptionsDialog) and dialog.isVisible()
    assert "00:03.000 – 00:07.800" in dialog.windowTitle()
    dialog.beam.setValue(1)
    dialog.refine.setChecked(False)
    meter = StallMeter()
    dialog.accept()
    assert editor.retranscribe_bar.isVisible()
    qtbot.waitUntil(lambda: not editor.retranscriber.busy, timeout=120_000)
    worst = meter.stop()
    assert not editor.retranscribe_bar.isVisible()

    segs = doc.segments
    assert [dump(segs[0]), dump(segs[-1])] == outside  # cues outside: byte-identical
    middle = segs[1:-1]
    text = " ".join(s.text for s in middle).lower()
    assert "ask not" in text and "the the the" not in text, text
    assert all(3000 <= s.start <= s.end <= 7800 for s in middle)
    assert doc.overlaps() == []
    assert editor.stack.qstack.count() == 1 and wf.span is None
    assert editor.messages[-1].startswith("Re-transcribed 00:03.000 – 00:07.800: 2 cues replaced")
    after = copy.deepcopy(doc.to_dict())

    editor.undo_action.trigger()
    assert doc.to_dict() == original
    editor.redo_action.trigger()
    assert doc.to_dict() == after
    assert worst < MAX_STALL_S, f"the GUI thread froze for {worst * 1000:.0f} ms"


def test_cancel_leaves_the_transcript_untouched(qtbot, editor):
    doc = editor.stack.doc
    original = copy.deepcopy(doc.to_dict())
    editor.select(1)
    job = editor.start_retranscribe(editor.region(), FAST)
    assert job is not None and job.span == (3000, 5000)
    assert editor.start_retranscribe((0, 1000), FAST) is None  # one region at a time
    qtbot.mouseClick(editor.retranscribe_bar.cancel_button, LEFT)
    qtbot.waitUntil(lambda: not editor.retranscriber.busy, timeout=60_000)
    assert editor.messages[-1] == "Re-transcription cancelled: nothing changed"
    assert doc.to_dict() == original and editor.stack.qstack.count() == 0


def test_re_transcribe_without_a_selection_says_what_to_do(editor):
    editor.select(-1)
    editor.actions_by_name["retranscribe"].trigger()
    assert editor.messages[-1] == "Select cues, or Shift+drag on the waveform, to re-transcribe"
    assert not editor.retranscriber.busy
