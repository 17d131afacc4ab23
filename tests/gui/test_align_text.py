"""Align text to a selection in the editor: real engine (tiny.en), real speech (JFK), real widgets.

The text typed for a span replaces exactly that span's cues, word for word, timed to where they
are said; one undo step puts the old cues back; words not in the audio are flagged; Cancel
changes nothing.
"""

from __future__ import annotations

import copy

import pytest
from gui_helpers import MAX_STALL_S, StallMeter, dump, hand_transcript, shift_drag, show_editor
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from conftest import FAST
from shared_data import JFK
from wavescribe.core.transcript import Segment

LEFT = Qt.MouseButton.LeftButton
SAID = "Ask not what your country can do for you,"  # JFK: 3.3-4.3 s, a pause, 5.4-7.7 s
LAST = "ask what you can do for your country."  # 8.2-10.9 s


def words_of(segs: list[Segment]) -> list[str]:
    return [w.text.strip() for s in segs for w in s.words]


@pytest.fixture
def editor(qtbot):
    panel = show_editor(qtbot, hand_transcript(), str(JFK), activate=True, record_messages=True)
    yield panel
    panel.shutdown()


def test_text_typed_for_a_span_replaces_its_cues_timed_to_the_speech_as_one_step(qtbot, editor):
    doc = editor.stack.doc
    original = copy.deepcopy(doc.to_dict())
    outside = [dump(doc[0]), dump(doc[3])]
    wf = editor.waveform
    shift_drag(qtbot, wf, 4000, 7000)
    menu = wf.cue_menu_at(wf.x_of(5500))
    next(a for a in menu.actions() if a.objectName() == "align_text").trigger()
    dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "alignTextDialog")
    assert dialog.isVisible() and "00:03.000 – 00:07.800" in dialog.windowTitle()
    box = dialog.findChild(QPlainTextEdit, "alignText")
    assert box.toPlainText() == "the the the the\nthe the the the"  # the span's text, to edit
    box.setPlainText(SAID)
    meter = StallMeter()
    dialog.accept()
    assert editor.align_bar.isVisible()
    qtbot.waitUntil(lambda: not editor.aligner.busy, timeout=120_000)
    worst = meter.stop()
    assert not editor.align_bar.isVisible()

    segs = doc.segments
    assert [dump(segs[0]), dump(segs[-1])] == outside  # cues outside: byte-identical
    middle = segs[1:-1]
    assert words_of(middle) == SAID.split()  # the text exactly, word for word
    assert " ".join(s.text for s in middle).split() == SAID.split()
    assert all(s.suspect is None for s in middle)
    first, last = middle[0].words[0], middle[-1].words[-1]
    assert 3150 <= first.start <= 3450, first  # "Ask" where it is said, not at the span's start
    assert 7500 <= last.end <= 7800, last
    assert doc.overlaps() == []
    assert editor.stack.qstack.count() == 1 and wf.span is None
    assert editor.undo_action.text().startswith("&Undo Align text to 00:03.000")
    assert editor.messages[-1].startswith("Aligned text to 00:03.000 – 00:07.800: 2 cues")
    after = copy.deepcopy(doc.to_dict())

    editor.undo_action.trigger()
    assert doc.to_dict() == original
    editor.redo_action.trigger()
    assert doc.to_dict() == after
    assert worst < MAX_STALL_S, f"the GUI thread froze for {worst * 1000:.0f} ms"


def test_words_not_in_the_audio_are_flagged_not_stretched(qtbot, editor):
    doc = editor.stack.doc
    extra = "We choose to go to the moon."
    text = f"{SAID}\n{extra}\n{LAST}"
    job = editor.start_align_text((3000, 11000), text, FAST)
    assert job is not None
    qtbot.waitUntil(lambda: not editor.aligner.busy, timeout=120_000)
    assert len(doc) > 1 and doc[0].text == "And so my fellow Americans,"
    new = doc.segments[1:]
    assert words_of(new) == text.split()
    flagged = [s for s in new if s.suspect is not None]
    assert words_of(flagged) == extra.split(), [(s.text, s.suspect) for s in new]
    heard = [s for s in new if s.suspect is None]
    assert 3150 <= heard[0].words[0].start <= 3450
    assert 8000 <= next(s for s in heard if s.text.startswith("ask")).start <= 8400
    assert "flagged" in editor.messages[-1]


def test_cancel_leaves_the_transcript_untouched(qtbot, editor):
    doc = editor.stack.doc
    original = copy.deepcopy(doc.to_dict())
    job = editor.start_align_text((3000, 7800), SAID, FAST)
    assert job is not None
    assert editor.start_align_text((0, 1000), SAID, FAST) is None  # one at a time
    qtbot.mouseClick(editor.align_bar.cancel_button, LEFT)
    qtbot.waitUntil(lambda: not editor.aligner.busy, timeout=60_000)
    assert editor.messages[-1] == "Alignment cancelled: nothing changed"
    assert doc.to_dict() == original and editor.stack.qstack.count() == 0


def test_align_text_without_a_selection_says_what_to_do(editor):
    editor.select(-1)
    editor.actions_by_name["align_text"].trigger()
    assert editor.messages[-1] == "Select cues, or Shift+drag on the waveform, to align text to"
    assert not editor.aligner.busy
