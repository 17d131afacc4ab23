"""Reversible edits: do → undo restores the whole document, redo re-applies, drags coalesce."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from wavescribe.core.editing.commands import (
    Delete,
    Insert,
    MergeWithNext,
    ReplaceSpan,
    SetSuspect,
    SetText,
    SetTimes,
    Shift,
    Split,
    covering_span,
    retext_words,
)
from wavescribe.core.editing.document import EditRefused, SubtitleDocument, UndoHistory
from wavescribe.core.editing.find_replace import ReplaceAll
from wavescribe.core.editing.speaker_commands import (
    MergeSpeakers,
    RenameSpeaker,
    SetSpeaker,
    SplitAtSpeakerChange,
)
from wavescribe.core.transcript import Segment, SourceInfo, Speaker, Transcript, Word


def _words(start: int, *tokens: str, each: int = 300, gap: int = 100) -> list[Word]:
    out, t = [], start
    for i, tok in enumerate(tokens):
        out.append(Word(t, t + each, " " + tok, 0.5 + i / 100))
        t += each + gap
    return out


def _doc() -> SubtitleDocument:
    segs = [
        Segment(0, 1000, " Hello world", _words(0, "Hello", "world"), 0.1),
        Segment(1500, 3000, " How are you", _words(1500, "How", "are", "you")),
        Segment(3500, 4000, "Fine."),  # no words
        Segment(5000, 7000, " Line one\nline two", _words(5000, "Line", "one", "line", "two")),
    ]
    src = SourceInfo("talk.wav", 9000)
    return SubtitleDocument(Transcript(segs, language="en", source=src, metadata={"k": 1}))


def test_merged_retimes_that_add_up_to_a_move_redo_as_retimes() -> None:
    """Found by the state machine below: start +1 then end +1 in one drag merge into one step;
    its redo must not replay them as a move of the whole cue (which carries the words along)."""
    doc = _doc()
    history = UndoHistory(doc)
    history.push(SetTimes(0, 1, 1000, "start"))
    history.push(SetTimes(0, 1, 1001, "start"))  # same gesture: merged
    assert len(history) == 1
    latest = copy.deepcopy(doc.to_dict())
    assert latest["segments"][0]["words"][0]["start"] == 0  # retiming left the words in place
    history.undo()
    history.redo()
    assert doc.to_dict() == latest


def _check_round_trip(command) -> tuple[dict, dict]:
    """do, undo, redo, undo: compare whole documents at each step."""
    doc = _doc()
    history = UndoHistory(doc)
    original = copy.deepcopy(doc.to_dict())
    history.push(command)
    after = copy.deepcopy(doc.to_dict())
    assert after != original
    history.undo()
    assert doc.to_dict() == original
    history.redo()
    assert doc.to_dict() == after
    history.undo()
    assert doc.to_dict() == original
    history.redo()
    return original, after


def _texts(doc) -> list[str]:
    return [s.text for s in doc.segments]


# --- every command: do / undo / redo / undo ------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        SetTimes(1, 1200, 3100),
        SetTimes(1, 1600, 3100, edge="body"),
        SetText(0, " Hello, world!"),
        Split(1, 2000),
        Split(3, 6000, gap_ms=80),
        MergeWithNext(0),
        Insert(3, Segment(4200, 4800, "new")),
        Delete(2),
        ReplaceAll("o", "0"),
        Shift([1, 2], 200),
        SetSuspect(2, "repeats the cue before"),
        ReplaceSpan(1400, 4100, [Segment(1500, 2500, " Redone", _words(1500, "Redone"))]),
        ReplaceSpan(7500, 8800, [Segment(7600, 8000, "after", [], None, "low confidence")]),
    ],
    ids=lambda c: c.label,
)
def test_each_command_undoes_to_the_exact_original_and_redoes(command):
    _check_round_trip(command)


def test_a_move_carries_the_words_and_an_edge_retime_does_not():
    doc = _doc()
    SetTimes(1, 1700, 3200).do(doc)
    assert [w.start for w in doc[1].words] == [1700, 2100, 2500]
    SetTimes(1, 1600, 3200).do(doc)
    assert [w.start for w in doc[1].words] == [1700, 2100, 2500]


def test_split_by_time_sends_earlier_words_left_and_cuts_the_text_between_them():
    doc = _doc()
    Split(1, 1950, gap_ms=100).do(doc)  # between "How" (1500-1800) and "are" (1900-2200)
    a, b = doc[1], doc[2]
    assert (a.start, a.end, b.start, b.end) == (1500, 1900, 2000, 3000)
    assert (a.text, b.text) == (" How", "are you")  # the left keeps the leading space
    assert [w.text for w in a.words] == [" How"] and [w.text for w in b.words] == [" are", " you"]


def test_split_at_a_word_index_or_text_position_agree_on_words_and_text():
    by_word, by_text = _doc(), _doc()
    Split(3, 6100, word_index=2).do(by_word)
    Split(3, 6100, text_pos=len(" Line one\n")).do(by_text)
    for doc in (by_word, by_text):
        assert _texts(doc)[3:5] == [" Line one", "line two"]
        assert [w.text.strip() for w in doc[3].words] == ["Line", "one"]
        assert [w.text.strip() for w in doc[4].words] == ["line", "two"]


def test_split_without_words_cuts_the_text_at_the_space_nearest_the_time():
    doc = _doc()
    SetText(2, "one two three four").do(doc)
    Split(2, 3700).do(doc)  # 40% of the way
    assert _texts(doc)[2:4] == ["one two", "three four"]


def test_merge_joins_text_and_words_and_spans_both_cues():
    doc = _doc()
    MergeWithNext(0).do(doc)
    seg = doc[0]
    assert (seg.start, seg.end, seg.text) == (0, 3000, "Hello world How are you")
    assert [w.text.strip() for w in seg.words] == ["Hello", "world", "How", "are", "you"]
    assert seg.no_speech_prob == 0.1 and len(doc) == 3


def test_split_then_merge_gives_back_the_words():
    doc = _doc()
    before = [(w.start, w.end, w.text) for w in doc[1].words]
    Split(1, 2300).do(doc)
    MergeWithNext(1).do(doc)
    assert [(w.start, w.end, w.text) for w in doc[1].words] == before
    assert doc[1].text == "How are you"


def test_editing_text_keeps_the_timing_of_words_that_remain():
    words = _words(0, "the", "quick", "brwn", "fox")
    same = retext_words(words, "the quick\nbrwn fox")  # a line break only
    assert same == words and same[0] is not words[0]
    fixed = retext_words(words, "the quick brown fox")
    assert [(w.start, w.end) for w in fixed] == [(w.start, w.end) for w in words]
    assert fixed[2].text == " brown" and fixed[2].probability is None
    assert fixed[1].probability == words[1].probability
    more = retext_words(words, "the quick brown little fox")  # two words share one span
    assert [w.text for w in more] == [" the", " quick", " brown", " little", " fox"]
    assert more[2].start == 800 and more[3].end == 1100 and more[2].end == more[3].start
    fewer = retext_words(words, "the fox")
    assert [(w.text, w.start) for w in fewer] == [(" the", 0), (" fox", 1200)]


def test_replace_all_is_one_step_with_literal_or_regex_matching():
    doc = _doc()
    history = UndoHistory(doc)
    command = ReplaceAll("LINE", "Row")
    history.push(command)
    assert command.count == 2 and _texts(doc)[3] == " Row one\nRow two"
    assert len(history) == 1
    history.undo()
    history.push(ReplaceAll(r"(\w+) (\w+)$", r"\2 \1", regex=True, case_sensitive=True))
    assert _texts(doc)[:2] == [" world Hello", " How you are"]
    history.undo()
    history.push(ReplaceAll("o", r"\1"))  # literal: a backslash is just a backslash
    assert _texts(doc)[0] == r" Hell\1 w\1rld"
    history.undo()
    history.push(ReplaceAll("you", "they", whole_words=True))
    assert _texts(doc)[1] == " How are they"
    assert [w.text for w in doc[1].words] == [" How", " are", " they"]


def test_shift_moves_cues_and_their_words():
    doc = _doc()
    Shift([1, 2], 450).do(doc)
    assert [(s.start, s.end) for s in doc.segments[1:3]] == [(1950, 3450), (3950, 4450)]
    assert doc[1].words[0].start == 1950


# --- refusals leave everything as it was ---------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        SetTimes(1, 900, 2000),  # overlaps cue 1
        SetTimes(1, 1600, 3600),  # overlaps cue 3
        SetTimes(0, -10, 500),
        SetTimes(1, 2000, 1900),
        SetTimes(9, 0, 1),
        SetText(0, " Hello world"),  # unchanged
        Split(1, 1500),
        Split(1, 3000),
        Split(1, 1540, gap_ms=100),  # the gap leaves nothing on the left
        Split(1, 2000, word_index=7),
        MergeWithNext(3),
        Insert(1, Segment(900, 1200, "x")),
        Insert(9, Segment(9000, 9100, "x")),
        Delete(4),
        ReplaceAll("zebra", "x"),
        ReplaceAll("(o)", r"\2", regex=True),
        Shift([0], -1),
        Shift([1], -600),
        Shift([2], 1001),
        Shift([], 10),
    ],
    ids=lambda c: c.label,
)
def test_a_refused_command_changes_nothing_and_records_nothing(command):
    doc = _doc()
    history = UndoHistory(doc)
    before = copy.deepcopy(doc.to_dict())
    with pytest.raises(EditRefused) as info:
        history.push(command)
    assert info.value.reason
    assert doc.to_dict() == before and len(history) == 0 and not history.can_undo


def test_bad_patterns_are_refused_when_the_command_is_made():
    with pytest.raises(EditRefused):
        ReplaceAll("(", "x", regex=True)
    with pytest.raises(EditRefused):
        ReplaceAll("", "x")


# --- the history ---------------------------------------------------------------------------------


def test_a_drag_is_one_undo_step_and_sealing_ends_it():
    doc = _doc()
    history = UndoHistory(doc)
    original = copy.deepcopy(doc.to_dict())
    for end in range(3010, 3400, 10):
        history.push(SetTimes(1, 1500, end, edge="end"))
    assert len(history) == 1 and doc[1].end == 3390
    history.seal()
    history.push(SetTimes(1, 1500, 3300, edge="end"))
    assert len(history) == 2
    history.undo()
    assert doc[1].end == 3390
    history.undo()
    assert doc.to_dict() == original
    history.redo()
    assert doc[1].end == 3390


def test_a_body_drag_merges_into_one_move_that_carries_the_words_once():
    doc = _doc()
    history = UndoHistory(doc)
    for start in (1550, 1600, 1700):
        history.push(SetTimes(1, start, start + 1500, edge="body"))
    assert len(history) == 1 and history.undo_label == "Move cue 2"
    history.undo()
    history.redo()
    assert [w.start for w in doc[1].words] == [1700, 2100, 2500]


def test_different_edges_or_cues_or_nudges_do_not_merge():
    history = UndoHistory(_doc())
    history.push(SetTimes(1, 1500, 3100, edge="end"))
    history.push(SetTimes(1, 1400, 3100, edge="start"))
    history.push(SetTimes(0, 0, 1100, edge="end"))
    history.push(SetTimes(0, 0, 1200))
    history.push(SetTimes(0, 0, 1300))
    assert len(history) == 5


def test_the_save_point_is_never_merged_across():
    doc = _doc()
    history = UndoHistory(doc)
    history.push(SetTimes(1, 1500, 3100, edge="end"))
    history.set_clean()
    history.push(SetTimes(1, 1500, 3200, edge="end"))
    assert len(history) == 2 and not history.is_clean
    history.undo()
    assert history.is_clean and doc[1].end == 3100


def test_a_drag_back_to_where_it_began_leaves_no_step():
    doc = _doc()
    history = UndoHistory(doc)
    history.push(SetText(0, "x"))
    history.push(SetTimes(1, 1500, 3100, edge="end"))
    history.push(SetTimes(1, 1500, 3000, edge="end"))
    assert history.labels == ["Edit text of cue 1"] and history.index == 1


def test_undo_redo_state_labels_and_change_events():
    history = UndoHistory(_doc())
    events = []
    history.on_change.append(lambda e: events.append((e.action, e.command and e.command.label)))
    assert not history.can_undo and not history.can_redo and history.is_clean
    history.push(Delete(0))
    history.push(Delete(0))
    history.undo()
    assert history.undo_label == "Delete cue 1" and history.redo_label == "Delete cue 1"
    history.set_clean()
    history.undo()
    history.push(SetText(0, "new"))  # drops the redo tail, and the saved state with it
    assert history.labels == ["Edit text of cue 1"] and history.clean_index is None
    assert not history.can_redo and not history.is_clean
    assert [a for a, _ in events] == ["do", "do", "undo", "clean", "undo", "do"]
    history.clear()
    assert len(history) == 0 and history.is_clean


def test_revision_rises_with_every_change():
    doc = _doc()
    history = UndoHistory(doc)
    history.push(Delete(0))
    history.undo()
    history.redo()
    assert doc.revision == 3


# --- random sequences: invariants hold, undo-all restores --------------------------------------


class EditSequence(RuleBasedStateMachine):
    """Random commands, drags, undos and redos on a small document."""

    def __init__(self) -> None:
        super().__init__()
        self.doc = _doc()
        self.history = UndoHistory(self.doc)
        self.original = copy.deepcopy(self.doc.to_dict())

    def _push(self, command) -> None:
        before = copy.deepcopy(self.doc.to_dict())
        try:
            self.history.push(command)
        except EditRefused:
            assert self.doc.to_dict() == before

    def _index(self, data, extra: int = 1) -> int:
        return data.draw(st.integers(-1, len(self.doc) + extra))

    def _near(self, index: int) -> tuple[int, int]:
        """The cue's times, or somewhere for a bad index: most draws should be valid edits."""
        if 0 <= index < len(self.doc):
            return self.doc[index].start, self.doc[index].end
        return 0, 9000

    @rule(data=st.data(), d1=st.integers(-700, 700), d2=st.integers(-700, 700))
    def set_times(self, data, d1, d2):
        index = self._index(data)
        edge = data.draw(st.sampled_from([None, "start", "end", "body"]))
        start, end = self._near(index)
        if edge == "body":
            d2 = d1
        self._push(SetTimes(index, start + d1, end + d2, edge=edge))

    @rule(data=st.data(), text=st.text("ab \n", max_size=8))
    def set_text(self, data, text):
        self._push(SetText(self._index(data), text))

    @rule(data=st.data(), share=st.floats(-0.1, 1.1), gap=st.integers(0, 200))
    def split(self, data, share, gap):
        index = self._index(data)
        start, end = self._near(index)
        at = round(start + share * (end - start))
        how = data.draw(st.sampled_from(["time", "word", "text"]))
        w = data.draw(st.integers(0, 4)) if how == "word" else None
        p = data.draw(st.integers(0, 20)) if how == "text" else None
        self._push(Split(index, at, word_index=w, text_pos=p, gap_ms=gap))

    @rule(data=st.data())
    def merge(self, data):
        self._push(MergeWithNext(self._index(data)))

    @rule(data=st.data(), share=st.floats(-0.2, 1.0), length=st.integers(0, 800))
    def insert(self, data, share, length):
        index = self._index(data)
        lo = self.doc[index - 1].end if 0 < index <= len(self.doc) else 0
        hi = self.doc[index].start if 0 <= index < len(self.doc) else 9000
        a = round(lo + share * (hi - lo))
        self._push(Insert(index, Segment(a, a + length, "new", _words(a, "new"))))

    @rule(data=st.data())
    def delete(self, data):
        self._push(Delete(self._index(data)))

    @rule(find=st.sampled_from(["o", "e", "Line", "new"]), repl=st.sampled_from(["", "0", "E E"]))
    def replace_all(self, find, repl):
        self._push(ReplaceAll(find, repl))

    @rule(data=st.data(), delta=st.integers(-2000, 2000))
    def shift(self, data, delta):
        self._push(Shift(data.draw(st.lists(st.integers(0, max(0, len(self.doc) - 1)))), delta))

    @rule(data=st.data(), reason=st.sampled_from([None, "repeats the cue before"]))
    def set_suspect(self, data, reason):
        self._push(SetSuspect(self._index(data), reason))

    @rule(
        a=st.integers(-100, 9000),
        length=st.integers(-100, 4000),
        new=st.lists(st.tuples(st.integers(-500, 9500), st.integers(0, 3000)), max_size=4),
    )
    def replace_span(self, a, length, new):
        segs = [Segment(s, s + n, "redo", _words(s, "redo"), None, "why") for s, n in new]
        self._push(ReplaceSpan(a, a + length, segs))

    # --- speakers (issue 16) ---
    @rule(data=st.data(), who=st.sampled_from([None, "S1", "S2", "S3"]))
    def set_speaker(self, data, who):
        rows = data.draw(st.lists(st.integers(0, max(0, len(self.doc) - 1)), max_size=3))
        if len(self.doc):
            self._push(SetSpeaker(rows, who))

    @rule(who=st.sampled_from(["S1", "S2", "S9"]), name=st.sampled_from(["", "Ann", "Bob"]))
    def rename_speaker(self, who, name):
        self._push(RenameSpeaker(who, name))

    @rule(source=st.sampled_from(["S1", "S2", "S3"]), into=st.sampled_from(["S1", "S2"]))
    def merge_speakers(self, source, into):
        self._push(MergeSpeakers(source, into))

    @rule(data=st.data(), who=st.sampled_from(["S1", "S2"]))
    def split_at_speaker_change(self, data, who):
        index = self._index(data)
        if 0 <= index < len(self.doc) and self.doc[index].words:
            word = data.draw(st.integers(0, len(self.doc[index].words) - 1))
            self.doc[index].words[word].speaker = who  # as a diarization would have left it
            self.doc.transcript.speakers.setdefault(who, Speaker(who, "#0072b2"))
            self.history.clear()  # that change was not a command: start a fresh history
            self.original = copy.deepcopy(self.doc.to_dict())
        self._push(SplitAtSpeakerChange(index))

    @rule()
    def seal(self):
        self.history.seal()

    @precondition(lambda self: self.history.can_undo)
    @rule()
    def undo(self):
        self.history.undo()

    @precondition(lambda self: self.history.can_redo)
    @rule()
    def redo(self):
        self.history.redo()

    @invariant()
    def every_cue_speaker_is_in_the_table_or_none(self):
        table = self.doc.transcript.speakers
        for seg in self.doc.segments:
            assert seg.speaker is None or seg.speaker in table
            assert all(w.speaker is None or w.speaker in table for w in seg.words)

    @invariant()
    def cues_are_sorted_non_negative_and_never_overlap(self):
        for seg in self.doc.segments:
            assert 0 <= seg.start <= seg.end
        assert self.doc.overlaps() == []

    def teardown(self) -> None:
        latest = copy.deepcopy(self.doc.to_dict())
        top = self.history.index
        while self.history.can_undo:
            self.history.undo()
        assert self.doc.to_dict() == self.original
        for _ in range(top):
            self.history.redo()
        assert self.doc.to_dict() == latest


EditSequence.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_edit_sequences_keep_invariants_and_undo_all_restores = EditSequence.TestCase


def test_an_overlap_that_came_with_the_transcript_may_shrink_but_not_grow():
    doc = SubtitleDocument(
        Transcript([Segment(0, 1200, "a"), Segment(1000, 2000, "b"), Segment(2500, 3000, "c")])
    )
    history = UndoHistory(doc)
    history.push(SetText(0, "A"))
    history.push(SetTimes(0, 100, 1200))  # the overlapping edge did not move
    history.push(SetTimes(0, 100, 1100))  # a partial fix
    for worse in (SetTimes(0, 100, 1150), SetTimes(1, 950, 2000), Shift([0], 10)):
        with pytest.raises(EditRefused):
            history.push(worse)
    history.push(Shift([1], 40))
    assert doc.overlaps() == [0] and (doc[0].end, doc[1].start) == (1100, 1040)


# --- suspect cues and re-transcribed regions ---------------------------------------------------


def test_editing_a_suspect_cues_text_clears_the_flag_in_the_same_step():
    doc = _doc()
    doc.segments[1].suspect = "repeats the cue before"
    history = UndoHistory(doc)
    original = copy.deepcopy(doc.to_dict())
    history.push(SetText(1, " How are you?"))
    assert doc.segments[1].suspect is None and len(history) == 1
    history.undo()
    assert doc.to_dict() == original and doc.segments[1].suspect == "repeats the cue before"


def test_mark_as_checked_clears_the_flag_and_is_refused_on_a_cue_that_is_not_suspect():
    doc = _doc()
    doc.segments[0].suspect = "low confidence"
    history = UndoHistory(doc)
    history.push(SetSuspect(0, None))
    assert doc.segments[0].suspect is None and history.undo_label == "Mark cue 1 as checked"
    with pytest.raises(EditRefused):
        history.push(SetSuspect(0, None))
    history.undo()
    assert doc.segments[0].suspect == "low confidence"


def test_split_and_merge_keep_a_cue_suspect():
    doc = _doc()
    doc.segments[1].suspect = "low confidence"
    history = UndoHistory(doc)
    history.push(Split(1, 2000))
    assert [s.suspect for s in doc.segments[1:3]] == ["low confidence"] * 2
    history.push(MergeWithNext(0))
    assert doc.segments[0].suspect == "low confidence"


def test_a_region_grows_to_cover_the_cues_it_cuts():
    segs = _doc().segments
    assert covering_span(segs, 2000, 3600) == (1500, 4000)  # cuts cues 2 and 3: both whole
    assert covering_span(segs, 3100, 3400) == (3100, 3400)  # in a gap: as it is
    assert covering_span(segs, 0, 9000) == (0, 9000)


def test_replace_span_replaces_exactly_the_cues_in_it_and_keeps_the_rest_identical():
    doc = _doc()
    before = copy.deepcopy(doc.to_dict())
    history = UndoHistory(doc)
    new = [
        Segment(1450, 2600, " How are", _words(1500, "How", "are"), 0.2, "low confidence"),
        Segment(2500, 4200, " you? Fine.", _words(2700, "you?", "Fine.")),  # overlaps, too long
    ]
    command = ReplaceSpan(2000, 3600, new)  # cuts cues 2 and 3: both are replaced whole
    history.push(command)
    after = doc.to_dict()["segments"]
    assert (command.replaced, command.added) == (2, 2)
    assert after[0] == before["segments"][0] and after[3] == before["segments"][3]
    a, b = doc.segments[1], doc.segments[2]
    assert (a.start, a.end, a.suspect) == (1500, 2600, "low confidence")  # clipped to cue 2's start
    assert (b.start, b.end, b.suspect) == (2600, 4000, None)  # laid after it, clipped to the region
    assert all(b.start <= w.start <= w.end <= b.end for w in b.words)
    assert doc.overlaps() == []
    history.undo()
    assert doc.to_dict() == before
    history.redo()
    assert doc.to_dict()["segments"] == after


def test_replace_span_in_a_gap_inserts_and_an_empty_result_deletes():
    doc = _doc()
    history = UndoHistory(doc)
    history.push(ReplaceSpan(7200, 8800, [Segment(7300, 8000, "late")]))
    assert [s.text for s in doc.segments][-1] == "late" and len(doc) == 5
    history.undo()
    new = [Segment(8900, 9500, "beyond"), Segment(7300, 8000, "in")]
    history.push(ReplaceSpan(7200, 8800, new))
    assert [s.text for s in doc.segments][-1] == "in" and len(doc) == 5  # "beyond": outside
    history.push(ReplaceSpan(1500, 3000, []))  # the decoder heard nothing there
    assert _texts(doc) == [" Hello world", "Fine.", " Line one\nline two", "in"]
    with pytest.raises(EditRefused):
        history.push(ReplaceSpan(3000, 3000, []))


class _RefusesLater:
    """Applies once; a later undo or redo is refused (as for a document that moved on)."""

    label = "Stubborn"
    id = None

    def __init__(self) -> None:
        self.refuse = False

    def do(self, doc: SubtitleDocument) -> None:
        if self.refuse:
            raise EditRefused("the document moved on")

    def undo(self, doc: SubtitleDocument) -> None:
        if self.refuse:
            raise EditRefused("the document moved on")

    def merge_with(self, other) -> bool:
        return False

    def is_noop(self) -> bool:
        return False


def test_a_step_refused_on_undo_or_redo_is_dropped_and_the_reason_reported():
    doc = _doc()
    history = UndoHistory(doc)
    events = []
    history.on_change.append(lambda e: events.append((e.action, e.reason)))
    stubborn, later = _RefusesLater(), _RefusesLater()
    history.push(SetText(0, "x"))
    history.push(stubborn)
    history.push(later)
    history.set_clean()  # the saved state lies past the steps that will be dropped
    before, revision = copy.deepcopy(doc.to_dict()), doc.revision
    later.refuse = True
    history.undo()  # refused: the step goes, the index moves past it, the document stays
    assert events[-1] == ("drop", "the document moved on")
    assert doc.to_dict() == before and doc.revision == revision
    assert history.labels == ["Edit text of cue 1", "Stubborn"] and history.index == 2
    assert history.clean_index is None and not history.can_redo
    history.undo()
    assert history.index == 1 and history.redo_label == "Stubborn"
    stubborn.refuse = True
    history.redo()  # refused: the step goes, the index stays
    assert events[-1] == ("drop", "the document moved on")
    assert history.labels == ["Edit text of cue 1"] and history.index == 1
    history.undo()
    assert doc[0].text == " Hello world"
