"""The editor's EditStack is core's UndoHistory seen through a QUndoStack, step for step.

Random operations drive an ``EditStack`` and a standalone ``UndoHistory`` on copies of one
document; after every step both documents and both histories agree, and the ``QUndoStack``
shows exactly the history (count, index, clean state, texts).
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from PySide6.QtWidgets import QApplication

from wavescribe.core.editing.commands import (
    Delete,
    Insert,
    MergeWithNext,
    SetText,
    SetTimes,
    Shift,
    Split,
)
from wavescribe.core.editing.document import (
    EditCommand,
    EditRefused,
    SubtitleDocument,
    UndoHistory,
)
from wavescribe.core.editing.find_replace import ReplaceAll
from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word
from wavescribe.gui.editor.undo import EditStack


def _words(start: int, *tokens: str) -> list[Word]:
    return [Word(start + i * 400, start + i * 400 + 300, " " + t) for i, t in enumerate(tokens)]


def _doc() -> SubtitleDocument:
    segs = [
        Segment(0, 1000, " Hello world", _words(0, "Hello", "world"), 0.1),
        Segment(1500, 3000, " How are you", _words(1500, "How", "are", "you")),
        Segment(3500, 4000, "Fine."),
        Segment(5000, 7000, " Line one\nline two", _words(5000, "Line", "one", "line", "two")),
    ]
    return SubtitleDocument(Transcript(segs, "en", SourceInfo("talk.wav", 9000)))


class Stubborn:
    """Renames the source; its undo (or redo) is refused once a shared switch is set, as an
    edit whose document moved on would be. Refusing changes nothing, as the contract says."""

    def __init__(self, name: str, switch: dict[str, bool]) -> None:
        self.label = f"Rename to {name}"
        self.name, self.switch = name, switch
        self.old: str | None = None

    id = None  # never merges

    def merge_with(self, other: EditCommand) -> bool:
        return False

    def is_noop(self) -> bool:
        return False

    def do(self, doc: SubtitleDocument) -> None:
        if self.old is not None and self.switch["refuse"]:
            raise EditRefused("the source moved on")
        assert doc.transcript.source is not None
        self.old, doc.transcript.source.path = doc.transcript.source.path, self.name

    def undo(self, doc: SubtitleDocument) -> None:
        if self.switch["refuse"]:
            raise EditRefused("the source moved on")
        assert doc.transcript.source is not None and self.old is not None
        doc.transcript.source.path = self.old


class Mirror(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        QApplication.instance() or QApplication([])
        self.stack = EditStack(_doc())
        self.ref = UndoHistory(_doc())
        self.switches = ({"refuse": False}, {"refuse": False})  # the stack's, the reference's
        self.refusals: list[str] = []
        self.stack.refused.connect(self.refusals.append)
        self.seen: list[str] = []
        self.stack.changed.connect(lambda e: self.seen.append(e.action))

    def _both(self, make) -> None:
        """Apply the same edit (built twice: commands keep state) to both; both refuse alike."""
        try:
            self.ref.push(make(1))
        except EditRefused:
            assert not self.stack.push(make(0))
        else:
            assert self.stack.push(make(0))

    def _index(self, data) -> int:
        return data.draw(st.integers(-1, len(self.ref.doc)))

    def _near(self, index: int) -> tuple[int, int]:
        doc = self.ref.doc
        return (doc[index].start, doc[index].end) if 0 <= index < len(doc) else (0, 9000)

    # --- the core commands of tests/core/test_edits.py ----------------------------------------
    @rule(data=st.data(), d1=st.integers(-600, 600), d2=st.integers(-600, 600))
    def set_times(self, data, d1, d2):
        index = self._index(data)
        edge = data.draw(st.sampled_from([None, "start", "end", "body"]))
        start, end = self._near(index)
        d2 = d1 if edge == "body" else d2
        self._both(lambda _: SetTimes(index, start + d1, end + d2, edge=edge))

    @rule(data=st.data())
    def drag_back(self, data):
        """An edge dragged away and back in one gesture: the step disappears."""
        index = self._index(data)
        start, end = self._near(index)
        self._both(lambda _: SetTimes(index, start, end + 100, edge="end"))
        self._both(lambda _: SetTimes(index, start, end, edge="end"))

    @rule(data=st.data(), text=st.text("ab \n", max_size=6))
    def set_text(self, data, text):
        index = self._index(data)
        self._both(lambda _: SetText(index, text))

    @rule(data=st.data(), share=st.floats(-0.1, 1.1))
    def split(self, data, share):
        index = self._index(data)
        start, end = self._near(index)
        at = round(start + share * (end - start))
        self._both(lambda _: Split(index, at))

    @rule(data=st.data())
    def merge(self, data):
        index = self._index(data)
        self._both(lambda _: MergeWithNext(index))

    @rule(data=st.data(), length=st.integers(0, 600))
    def insert(self, data, length):
        index = self._index(data)
        doc = self.ref.doc
        lo = doc[index - 1].end if 0 < index <= len(doc) else 0
        self._both(lambda _: Insert(index, Segment(lo + 10, lo + 10 + length, "new")))

    @rule(data=st.data())
    def delete(self, data):
        index = self._index(data)
        self._both(lambda _: Delete(index))

    @rule(find=st.sampled_from(["o", "Line"]), repl=st.sampled_from(["", "E E"]))
    def replace_all(self, find, repl):
        self._both(lambda _: ReplaceAll(find, repl))

    @rule(delta=st.integers(-1500, 1500))
    def shift(self, delta):
        self._both(lambda _: Shift([0, 1], delta))

    @rule(name=st.sampled_from(["a.wav", "b.wav"]))
    def stubborn(self, name):
        self._both(lambda i: Stubborn(name, self.switches[i]))

    @rule(name=st.sampled_from(["a.wav", "b.wav"]), undo=st.booleans())
    def stubborn_refused_at_once(self, name, undo):
        """A step whose undo (after being undone: whose redo) is refused: it is dropped."""
        self.stubborn(name)
        if not undo:
            self.undo()
        self.stubborn_refuses(True)
        self.undo() if undo else self.redo()
        self.stubborn_refuses(False)

    @rule(refuse=st.booleans())
    def stubborn_refuses(self, refuse):
        for switch in self.switches:
            switch["refuse"] = refuse

    # --- the history -----------------------------------------------------------------------
    @rule()
    def seal(self):
        self.stack.seal()
        self.ref.seal()

    @rule()
    def set_clean(self):
        self.stack.set_clean()
        self.ref.set_clean()

    @rule()
    def undo(self):
        self.stack.undo()
        self.ref.undo()

    @rule()
    def redo(self):
        self.stack.redo()
        self.ref.redo()

    @precondition(lambda self: len(self.ref) > 0)
    @rule(data=st.data())
    def qt_set_index(self, data):
        """As a QUndoView click does: Qt walks the steps, each one through the history."""
        target = data.draw(st.integers(0, len(self.ref)))
        self.stack.qstack.setIndex(target)
        while self.ref.index > target:
            self.ref.undo()
        count = len(self.ref)
        while self.ref.index < target and self.ref.can_redo:
            self.ref.redo()
            if len(self.ref) < count:  # dropped: Qt's target moves down with the list
                target, count = target - 1, len(self.ref)

    @rule()
    def clear(self):
        self.stack.clear()
        self.ref.clear()

    # --- after every step --------------------------------------------------------------------
    @invariant()
    def the_stack_is_the_history_and_qt_shows_it(self):
        h, q, ref = self.stack.history, self.stack.qstack, self.ref
        assert self.stack.doc.to_dict() == ref.doc.to_dict()
        assert (h.index, h.clean_index, h.labels) == (ref.index, ref.clean_index, ref.labels)
        assert (q.count(), q.index()) == (len(h), h.index)
        assert q.isClean() == h.is_clean
        assert q.cleanIndex() == (-1 if h.clean_index is None else h.clean_index)
        assert [q.text(i) for i in range(q.count())] == h.labels == self.stack.labels
        assert q.undoText() == (h.undo_label or "") and q.redoText() == (h.redo_label or "")
        assert all(q.command(i).id() == -1 for i in range(q.count()))
        assert all(r.startswith("Not changed: ") for r in self.refusals)

    def teardown(self) -> None:
        self.stack.deleteLater()


Mirror.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.usefixtures("qapp")
class TestEditStackMirrorsTheHistory(Mirror.TestCase):
    pass


def test_a_step_refused_on_undo_is_dropped_and_the_reason_said(qapp):
    switch = {"refuse": False}
    stack = EditStack(_doc())
    reasons: list[str] = []
    stack.refused.connect(reasons.append)
    stack.push(SetText(0, "x"))
    stack.push(Stubborn("b.wav", switch))
    stack.set_clean()
    before = copy.deepcopy(stack.doc.to_dict())
    switch["refuse"] = True
    stack.undo()
    assert reasons == ["Not changed: the source moved on"]
    assert stack.doc.to_dict() == before  # the refused step changed nothing
    assert stack.labels == ["Edit text of cue 1"] and stack.qstack.count() == 1
    assert stack.history.clean_index is None and stack.qstack.cleanIndex() == -1
    stack.undo()
    assert stack.doc[0].text == " Hello world"


def test_clearing_an_empty_stack_whose_saved_state_was_cut_off_is_clean(qtbot):
    """Found by the state machine: insert, save, undo, a drag that cancels itself, clear."""
    machine = Mirror()
    machine.stack.push(Insert(1, Segment(1_100, 1_400, "new")))
    machine.stack.set_clean()
    machine.stack.undo()
    machine.stack.push(SetTimes(0, 0, 1_100, edge="end"))
    machine.stack.push(SetTimes(0, 0, 1_000, edge="end"))  # back where it was: the step goes
    assert len(machine.stack.history) == 0 and machine.stack.qstack.count() == 0
    machine.stack.clear()
    assert machine.stack.history.is_clean and machine.stack.qstack.isClean()
