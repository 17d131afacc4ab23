"""Speaker edits are single, exactly reversible undo steps."""

from __future__ import annotations

import copy

import pytest

from wavescribe.core.editing.document import EditRefused, SubtitleDocument, UndoHistory
from wavescribe.core.editing.speaker_commands import (
    MergeSpeakers,
    RenameSpeaker,
    ReplaceSpeakers,
    SetSpeaker,
    SplitAtSpeakerChange,
)
from wavescribe.core.speakers.assign import assign_speakers
from wavescribe.core.speakers.diarize import Diarization
from wavescribe.core.transcript import Segment, Speaker, Transcript, Word


def doc() -> tuple[SubtitleDocument, UndoHistory]:
    words = [Word(0, 400, " Hi", 0.9, "S1"), Word(500, 900, " there", 0.9, "S2")]
    t = Transcript(
        segments=[
            Segment(0, 1000, "Hi there", words, speaker="S1"),
            Segment(1500, 2500, "Second", speaker="S2"),
            Segment(3000, 4000, "Third"),
        ],
        speakers={"S1": Speaker("Ann", "#0072b2"), "S2": Speaker("Bob", "#e69f00")},
    )
    d = SubtitleDocument(t)
    return d, UndoHistory(d)


def snapshot(d: SubtitleDocument) -> dict:
    return copy.deepcopy(d.to_dict())


def check_reversible(command) -> SubtitleDocument:
    d, h = doc()
    before = snapshot(d)
    h.push(command)
    after = snapshot(d)
    assert after != before
    assert len(h) == 1  # one undo step
    h.undo()
    assert snapshot(d) == before
    h.redo()
    assert snapshot(d) == after
    return d


def test_set_speaker_of_several_cues_adds_a_new_speaker_and_undoes():
    d = check_reversible(SetSpeaker([1, 2], "S3"))
    assert [s.speaker for s in d.segments] == ["S1", "S3", "S3"]
    assert d.transcript.speakers["S3"].name == "Speaker 3"


def test_set_speaker_sets_the_words_too_and_refuses_a_no_op():
    d = check_reversible(SetSpeaker([0], "S2"))
    assert {w.speaker for w in d.segments[0].words} == {"S2"}
    _, h = doc()
    with pytest.raises(EditRefused):
        h.push(SetSpeaker([1], "S2"))
    assert len(h) == 0  # refused: nothing changed, no empty undo step


def test_rename_changes_the_name_everywhere_in_one_step():
    d = check_reversible(RenameSpeaker("S1", "Dr. Ann Lee"))
    assert d.transcript.speaker_name(d.segments[0].speaker) == "Dr. Ann Lee"
    with pytest.raises(EditRefused):
        RenameSpeaker("S1", "  ").do(doc()[0])


def test_merge_moves_cues_and_words_and_drops_the_merged_speaker():
    d = check_reversible(MergeSpeakers("S2", "S1"))
    assert [s.speaker for s in d.segments] == ["S1", "S1", None]
    assert {w.speaker for w in d.segments[0].words} == {"S1"}
    assert "S2" not in d.transcript.speakers
    with pytest.raises(EditRefused):
        MergeSpeakers("S1", "S1").do(doc()[0])


def test_split_at_speaker_change_cuts_between_the_words():
    d = check_reversible(SplitAtSpeakerChange(0))
    first, second = d.segments[0], d.segments[1]
    assert (first.text, first.speaker, first.start) == ("Hi", "S1", 0)
    assert (second.text, second.speaker, second.end) == ("there", "S2", 1000)
    assert first.end <= second.start
    with pytest.raises(EditRefused):
        SplitAtSpeakerChange(1).do(doc()[0])


def test_replace_speakers_applies_a_diarization_in_one_step():
    d0, _ = doc()
    dia = Diarization([(0, 450, 0), (450, 2600, 1), (2900, 4000, 0)], 2)
    segments, speakers = assign_speakers(d0.segments, dia)
    d = check_reversible(ReplaceSpeakers(segments, speakers))
    assert [s.speaker for s in d.segments] == ["S1", "S2", "S2", "S1"]
    assert [s.text for s in d.segments[:2]] == ["Hi", "there"]


def test_assign_never_leaves_a_cue_with_two_speakers():
    words = [Word(i * 300, i * 300 + 250, f" w{i}") for i in range(10)]
    seg = Segment(0, 3000, "".join(w.text for w in words).strip(), words)
    dia = Diarization([(0, 1450, 0), (1500, 3000, 1)], 2)
    segments, speakers = assign_speakers([seg], dia)
    assert [s.speaker for s in segments] == ["S1", "S2"]
    assert [s.text for s in segments] == ["w0 w1 w2 w3 w4", "w5 w6 w7 w8 w9"]
    for s in segments:
        assert {w.speaker for w in s.words} == {s.speaker}
    assert set(speakers) == {"S1", "S2"}
    # a lone short word inside another speaker's turn follows its neighbours (a blip)
    blip = Diarization([(0, 1450, 0), (1450, 1800, 1), (1800, 3000, 0)], 2)
    assert len(assign_speakers([seg], blip)[0]) == 1


def test_speaker_at_takes_the_longest_overlap_else_the_nearest_turn():
    d = Diarization([(0, 1000, 0), (1000, 1600, 1), (3000, 4000, 2)], 3)
    assert d.speaker_at(900, 1500) == 1  # 100 ms of 0, 500 ms of 1
    assert d.speaker_at(200, 300) == 0
    assert d.speaker_at(1700, 1800) == 1  # in a gap: the nearer turn
    assert d.speaker_at(2800, 2900) == 2
    assert d.speaker_at(9000, 9100) == 2
    assert Diarization([], 0).speaker_at(0, 10) is None
    brute = Diarization([(i * 300, i * 300 + 250, i % 3) for i in range(50)], 3)
    for a in range(0, 16000, 137):
        overlaps = {}
        for s, e, w in brute.turns:
            if min(e, a + 400) > max(s, a):
                overlaps[w] = overlaps.get(w, 0) + min(e, a + 400) - max(s, a)
        if overlaps:
            assert brute.speaker_at(a, a + 400) == max(overlaps, key=overlaps.get)
