"""The editor's history as Qt shows it: a QUndoStack step per gesture, mirroring UndoHistory."""

from __future__ import annotations

import copy
from itertools import pairwise

import pytest
from gui_helpers import show_editor
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QUndoStack

from wavescribe.core.editing.commands import Delete, Insert, MergeWithNext, SetText, SetTimes, Split
from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word
from wavescribe.gui.editor.editor_widget import EditorPanel
from wavescribe.gui.editor.undo import CoreCommand

LEFT = Qt.MouseButton.LeftButton
Y = 80


def make_transcript() -> Transcript:
    # Far apart and without words: nothing near an edge for a drag to snap to.
    segs = [
        Segment(1000, 2000, "one two", [Word(1000, 1400, " one"), Word(1500, 2000, " two")]),
        Segment(5000, 6000, "three"),
        Segment(9000, 10000, "four five"),
    ]
    return Transcript(segs, "en", SourceInfo("talk.wav", 12000))


@pytest.fixture
def editor(qtbot):
    panel = show_editor(qtbot, make_transcript(), width=1400)  # x = ms / 10
    yield panel
    panel.shutdown()


def drag_through(qtbot, widget, *ms: int) -> None:
    """Press at the first time, move through the others, release at the last: one gesture."""
    xs = [round(widget.x_of(m)) for m in ms]
    qtbot.mousePress(widget, LEFT, pos=QPoint(xs[0], Y))
    for a, b in pairwise(xs):
        for i in range(1, 4):
            qtbot.mouseMove(widget, QPoint(a + (b - a) * i // 3, Y))
    qtbot.mouseRelease(widget, LEFT, pos=QPoint(xs[-1], Y))


def snapshot(panel: EditorPanel) -> dict:
    return copy.deepcopy(panel.stack.doc.to_dict())


def test_a_mouse_drag_of_an_edge_is_one_qundocommand_named_by_its_label(qtbot, editor):
    q = editor.stack.qstack
    assert isinstance(q, QUndoStack)
    original = snapshot(editor)
    drag_through(qtbot, editor.waveform, 2000, 2300, 2600, 2500)
    assert editor.stack.doc[0].end == 2500
    assert q.count() == 1 and q.index() == 1
    assert isinstance(q.command(0), CoreCommand)
    assert q.text(0) == q.undoText() == "Retime cue 1"
    assert editor.undo_action.text() == "&Undo Retime cue 1" and editor.undo_action.isEnabled()
    assert editor.redo_action.text() == "&Redo" and not editor.redo_action.isEnabled()
    editor.undo_action.trigger()
    assert snapshot(editor) == original
    assert editor.undo_action.text() == "&Undo" and not editor.undo_action.isEnabled()
    assert editor.redo_action.text() == "&Redo Retime cue 1" and editor.redo_action.isEnabled()


def test_a_drag_back_to_where_it_began_leaves_no_step(qtbot, editor):
    original = snapshot(editor)
    drag_through(qtbot, editor.waveform, 2000, 2400, 2000)
    assert snapshot(editor) == original
    assert editor.stack.qstack.count() == 0
    assert not editor.undo_action.isEnabled()


def test_two_drags_of_the_same_edge_are_two_steps_because_release_seals(qtbot, editor):
    original = snapshot(editor)
    drag_through(qtbot, editor.waveform, 2000, 2300)
    after_first = snapshot(editor)
    drag_through(qtbot, editor.waveform, 2300, 2700)
    q = editor.stack.qstack
    assert q.count() == 2 and q.text(0) == q.text(1) == "Retime cue 1"
    q.undo()
    assert snapshot(editor) == after_first
    q.undo()
    assert snapshot(editor) == original


def test_seal_ends_a_gesture_even_for_commands_with_the_same_id(editor):
    stack = editor.stack
    stack.push(SetTimes(0, 1000, 2100, "end"))
    stack.push(SetTimes(0, 1000, 2200, "end"))
    assert stack.qstack.count() == 1
    stack.seal()
    stack.push(SetTimes(0, 1000, 2300, "end"))
    assert stack.qstack.count() == 2
    stack.push(SetTimes(0, 1000, 2200, "end"))  # back to where this gesture began
    assert stack.qstack.count() == 1 and stack.doc[0].end == 2200


def test_nothing_merges_across_the_save_point(editor):
    stack, q = editor.stack, editor.stack.qstack
    stack.push(SetTimes(0, 1000, 2100, "end"))
    saved = snapshot(editor)
    stack.set_clean()
    assert q.isClean() and q.cleanIndex() == 1
    stack.push(SetTimes(0, 1000, 2200, "end"))  # same gesture, same id: still a new step
    assert q.count() == 2 and not q.isClean()
    stack.push(SetTimes(0, 1000, 2100, "end"))  # dragged back to the saved state: no step left
    assert q.count() == 1 and q.isClean() and snapshot(editor) == saved
    stack.push(SetTimes(0, 1000, 2300, "end"))
    stack.undo()
    assert q.isClean() and snapshot(editor) == saved


def test_a_refused_command_leaves_the_stack_as_it_was_and_says_why(editor):
    stack = editor.stack
    stack.push(SetText(1, "three!"))
    before, revision = snapshot(editor), stack.doc.revision
    reasons: list[str] = []
    stack.refused.connect(reasons.append)
    assert not stack.push(SetTimes(0, 1000, 5500))  # into cue 2
    assert reasons == ["Not changed: it would overlap cue 2"]
    assert stack.qstack.count() == 1 and stack.qstack.index() == 1
    assert snapshot(editor) == before and stack.doc.revision == revision
    assert not stack.push(None, "nothing to split")
    assert reasons[-1] == "Not changed: nothing to split" and stack.qstack.count() == 1


def test_undo_and_redo_through_the_qundostack_restore_whole_documents(editor):
    stack, q = editor.stack, editor.stack.qstack
    states = [snapshot(editor)]
    for command in (
        SetTimes(0, 1000, 2500, "end"),
        SetText(1, "three, changed"),
        Split(0, 1450, word_index=1),
        MergeWithNext(2),
        Delete(0),
        Insert(0, Segment(100, 600, "new")),
        SetTimes(2, 8800, 9900),
    ):
        assert stack.push(command)
        states.append(snapshot(editor))
    assert q.count() == len(states) - 1
    for i in range(len(states) - 2, -1, -1):
        q.undo()
        assert snapshot(editor) == states[i]
        assert editor.model.rowCount() == len(states[i]["segments"])  # listeners followed
    for i in range(1, len(states)):
        q.redo()
        assert snapshot(editor) == states[i]
    for i in range(len(states) - 2, -1, -1):
        editor.undo_action.trigger()
        assert snapshot(editor) == states[i]


def test_every_change_raises_the_revision_and_listeners_see_a_settled_stack(editor):
    stack, q = editor.stack, editor.stack.qstack
    seen: list[tuple[str, int, int]] = []
    stack.changed.connect(lambda e: seen.append((e.action, q.index(), stack.doc.revision)))
    start = stack.doc.revision
    stack.push(SetTimes(0, 1000, 2100, "end"))
    stack.push(SetTimes(0, 1000, 2200, "end"))
    stack.undo()
    q.redo()  # straight through Qt, as a QUndoView would
    stack.set_clean()
    assert seen == [
        ("do", 1, start + 1),
        ("merge", 1, start + 2),
        ("undo", 0, start + 3),
        ("redo", 1, start + 4),
        ("clean", 1, start + 4),
    ]
