"""The timing controller: snapping priorities, clamping at neighbours, splits and new cues."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from wavescribe.core.audio.peaks import PeakPyramid
from wavescribe.core.audio.silence import silence_edges, silences
from wavescribe.core.editing.commands import Insert, SetTimes, Split
from wavescribe.core.editing.document import SubtitleDocument, UndoHistory
from wavescribe.core.editing.timing_controller import (
    MIN_CUE_MS,
    Snapping,
    SnapTarget,
    TimingController,
    snap,
)
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment, Transcript, Word

RULES = SubtitleRules(min_gap_ms=80)
OFF = Snapping(enabled=False)


def _doc() -> SubtitleDocument:
    return SubtitleDocument(
        Transcript(
            [
                Segment(
                    1000, 2000, " one two", [Word(1000, 1300, " one"), Word(1400, 1900, " two")]
                ),
                Segment(
                    3000,
                    4000,
                    " three four",
                    [Word(3000, 3400, " three"), Word(3500, 3950, " four")],
                ),
                Segment(6000, 6500, "five"),
            ]
        )
    )


def _ctl(snapping: Snapping = OFF, **kw) -> TimingController:
    return TimingController(_doc(), RULES, snapping=snapping, media_end_ms=8000, **kw)


def _apply(ctl: TimingController, result) -> None:
    assert result.command is not None, result.limit
    result.command.do(ctl.doc)


def _times(ctl: TimingController, i: int) -> tuple[int, int]:
    return ctl.doc[i].start, ctl.doc[i].end


# --- snap ----------------------------------------------------------------------------------------


def test_snap_prefers_priority_then_distance_within_tolerance():
    cands = [
        SnapTarget(1010, "silence"),
        SnapTarget(1030, "word"),
        SnapTarget(960, "word"),
        SnapTarget(1080, "cue"),
        SnapTarget(1300, "playhead"),  # out of reach
    ]
    assert snap(1000, cands, 100) == SnapTarget(1080, "cue")
    assert snap(1000, cands, 100, order=("word", "silence")) == SnapTarget(1030, "word")
    assert snap(1000, cands, 20, order=("word", "silence")) == SnapTarget(1010, "silence")
    assert snap(1000, [*cands, SnapTarget(1090, "playhead")], 100).kind == "playhead"
    assert snap(1000, cands, 5) is None
    assert snap(1000, [SnapTarget(990, "word"), SnapTarget(1010, "word")], 50).ms == 990


# --- dragging edges ------------------------------------------------------------------------------


def test_an_edge_stops_at_the_neighbour_minus_the_gap_and_says_so():
    ctl = _ctl()
    r = ctl.drag_edge(0, "end", 2990)
    assert isinstance(r.command, SetTimes) and (r.command.start, r.command.end) == (1000, 2920)
    assert r.limit == "cue 2" and r.command.edge == "end"
    r = ctl.drag_edge(1, "start", 1500)
    assert r.command.start == 2080 and r.limit == "cue 1"
    r = ctl.drag_edge(0, "start", -300)
    assert r.command.start == 0 and r.limit == "the start of the audio"
    r = ctl.drag_edge(2, "end", 9000)
    assert r.command.end == 8000 and r.limit == "the end of the audio"


def test_an_edge_keeps_the_minimum_cue_length():
    ctl = _ctl()
    r = ctl.drag_edge(0, "start", 2500)
    assert r.command.start == 2000 - MIN_CUE_MS and r.limit == "the minimum duration"
    r = ctl.drag_edge(0, "end", 500)
    assert r.command.end == 1000 + MIN_CUE_MS


def test_with_no_room_for_the_gap_an_edge_may_touch_its_neighbour_but_not_cross():
    doc = SubtitleDocument(Transcript([Segment(0, 1000, "a"), Segment(1020, 1150, "b")]))
    ctl = TimingController(doc, RULES, snapping=OFF)
    r = ctl.drag_edge(1, "start", 900)  # 1000 + 80 would leave b shorter than 100 ms
    assert r.command.start == 1000 and r.limit == "cue 1"


def test_an_edge_that_does_not_move_gives_no_command():
    r = _ctl().drag_edge(0, "end", 2000)
    assert r.command is None and r.limit is None


def test_edges_snap_to_words_cue_chain_playhead_and_silence_by_priority():
    ctl = _ctl(Snapping(tolerance_ms=60), silences=[1320, 2500])
    r = ctl.drag_edge(0, "end", 1310)  # word end 1300 beats the nearer silence at 1320
    assert (r.command.end, r.snapped.kind) == (1300, "word")
    r = ctl.drag_edge(0, "end", 2880)  # next cue's start minus the gap
    assert (r.command.end, r.snapped.kind) == (2920, "cue")
    r = ctl.drag_edge(0, "end", 2530)
    assert (r.command.end, r.snapped.kind) == (2500, "silence")
    ctl.playhead_ms = 1340
    r = ctl.drag_edge(0, "end", 1310)
    assert (r.command.end, r.snapped.kind) == (1340, "playhead")
    ctl.snapping = Snapping(enabled=False)
    assert ctl.drag_edge(0, "end", 1310).command.end == 1310


def test_a_snap_target_beyond_a_neighbour_is_clamped_and_not_reported_as_snapped():
    ctl = _ctl(Snapping(tolerance_ms=100))
    ctl.playhead_ms = 2990
    r = ctl.drag_edge(0, "end", 2950)
    assert r.command.end == 2920 and r.snapped is None and r.limit == "cue 2"


def test_a_whole_drag_is_one_undo_step_through_the_history():
    ctl = _ctl(Snapping(tolerance_ms=30))
    history = UndoHistory(ctl.doc)
    original = copy.deepcopy(ctl.doc.to_dict())
    for x in range(2000, 2600, 7):
        r = ctl.drag_edge(0, "end", x)
        if r.command:
            history.push(r.command)
    history.seal()
    assert len(history) == 1 and ctl.doc[0].end == 2595
    history.undo()
    assert ctl.doc.to_dict() == original


# --- moving a cue --------------------------------------------------------------------------------


def test_a_body_drag_keeps_the_length_and_stops_at_neighbours():
    ctl = _ctl()
    r = ctl.drag_body(1, 2500)
    assert (r.command.start, r.command.end, r.command.edge) == (2500, 3500, "body")
    r = ctl.drag_body(1, 1500)
    assert (r.command.start, r.command.end, r.limit) == (2080, 3080, "cue 1")
    r = ctl.drag_body(1, 5500)
    assert (r.command.start, r.command.end, r.limit) == (4920, 5920, "cue 3")


def test_a_body_drag_snaps_by_either_edge():
    ctl = _ctl(Snapping(tolerance_ms=50), silences=[5030])
    r = ctl.drag_body(1, 4000)  # end at 5000 is 30 ms from a silence edge
    assert (r.command.start, r.command.end, r.snapped.kind) == (4030, 5030, "silence")
    ctl.playhead_ms = 3990
    r = ctl.drag_body(1, 4000)  # the start snaps to the playhead: a higher priority
    assert (r.command.start, r.snapped.kind) == (3990, "playhead")


# --- keyboard ------------------------------------------------------------------------------------


def test_nudges_are_separate_undo_steps_and_respect_neighbours():
    ctl = _ctl()
    history = UndoHistory(ctl.doc)
    for _ in range(3):
        history.push(ctl.nudge(1, "start", -100).command)
    assert len(history) == 3 and ctl.doc[1].start == 2700
    history.push(ctl.nudge(1, "body", 100).command)
    assert _times(ctl, 1) == (2800, 4100)
    r = ctl.nudge(0, "end", 10000)
    assert r.command.end == 2720 and r.limit == "cue 2"


def test_set_edge_at_the_playhead():
    ctl = _ctl()
    _apply(ctl, ctl.set_edge_at(1, "end", 4500))
    assert _times(ctl, 1) == (3000, 4500)
    _apply(ctl, ctl.set_edge_at(1, "start", 2500))
    assert _times(ctl, 1) == (2500, 4500)
    _apply(ctl, ctl.set_edge_at(1, "start", 4450))  # past its end: the cue moves, stops at cue 3
    assert _times(ctl, 1) == (3920, 5920)


def test_setting_a_start_after_the_end_moves_the_cue_keeping_its_length():
    ctl = _ctl()
    _apply(ctl, ctl.set_edge_at(0, "start", 2100))
    assert _times(ctl, 0) == (1920, 2920)  # stopped by cue 2, length kept


# --- splitting and creating -----------------------------------------------------------------------


def test_split_at_the_playhead_finds_the_cue_and_leaves_the_gap():
    ctl = _ctl()
    r = ctl.split_at_playhead(3450)
    assert isinstance(r.command, Split) and r.command.index == 1
    r.command.do(ctl.doc)
    assert [_times(ctl, i) for i in (1, 2)] == [(3000, 3410), (3490, 4000)]
    assert [w.text for w in ctl.doc[1].words] == [" three"]


def test_split_refuses_off_a_cue_or_too_near_its_edges():
    ctl = _ctl()
    assert ctl.split_at_playhead(2500).command is None
    assert "100 ms" in ctl.split_at_playhead(6050).limit
    r = ctl.split_at_playhead(6130)  # no room for the gap: split without one
    assert r.command.gap_ms == 0


def test_split_at_a_word_cuts_between_it_and_the_previous_word():
    ctl = _ctl()
    assert ctl.split_at_word(1, 0).command is None
    _apply(ctl, ctl.split_at_word(1, 1))
    assert [_times(ctl, i) for i in (1, 2)] == [(3000, 3410), (3490, 4000)]
    assert (ctl.doc[1].text, ctl.doc[2].text) == (" three", "four")


def test_create_cue_fits_the_gap_it_started_in():
    ctl = _ctl()
    r = ctl.create_cue(2900, 2100, "hi")  # dragged backwards, across both gaps' margins
    assert isinstance(r.command, Insert) and r.command.index == 1
    seg = r.command.segment
    assert (seg.start, seg.end, seg.text, r.limit) == (2100, 2900, "hi", None)
    r = ctl.create_cue(2050, 3500)
    assert (r.command.segment.start, r.command.segment.end, r.limit) == (
        2080,
        2920,
        "its neighbours",
    )
    r = ctl.create_cue(4500, 4510)
    assert (r.command.segment.start, r.command.segment.end) == (4500, 4600)
    r = ctl.create_cue(7000, 9000)
    assert (r.command.index, r.command.segment.end) == (3, 8000)
    assert ctl.create_cue(1500, 1700).command is None  # inside cue 1


def test_create_cue_refuses_where_there_is_no_room():
    doc = SubtitleDocument(Transcript([Segment(0, 1000, "a"), Segment(1050, 2000, "b")]))
    ctl = TimingController(doc, RULES, snapping=OFF)
    r = ctl.create_cue(1010, 1040)
    assert r.command is None and "no room" in r.limit


def test_create_cue_snaps_its_ends():
    ctl = _ctl(Snapping(tolerance_ms=50))
    ctl.playhead_ms = 2500
    r = ctl.create_cue(2470, 2900)
    assert (r.command.segment.start, r.command.segment.end) == (2500, 2920)


def test_cue_at():
    ctl = _ctl()
    assert [ctl.cue_at(t) for t in (999, 1000, 1999, 2000, 3500, 9000)] == [
        None,
        0,
        0,
        None,
        1,
        None,
    ]


def test_a_loaded_overlap_can_be_fixed_by_dragging_but_not_made_worse():
    doc = SubtitleDocument(Transcript([Segment(0, 1200, "a"), Segment(1000, 2000, "b")]))
    ctl = TimingController(doc, RULES, snapping=OFF)
    assert ctl.drag_edge(0, "end", 1300).command.end == 920  # never further in
    assert ctl.drag_edge(0, "start", 100).command.start == 100  # the other edge stays editable
    assert ctl.drag_edge(1, "start", 900).command.start == 1280


# --- silence -------------------------------------------------------------------------------------


def _speech_and_silence(rate: int = 16000) -> np.ndarray:
    rng = np.random.default_rng(3)
    x = rng.standard_normal(rate * 6).astype(np.float32) * 0.001  # background noise, -60 dB
    for a, b in [(500, 1800), (2600, 2700), (2800, 4200)]:  # loud bursts; a gap too short to count
        x[a * 16 : b * 16] = rng.standard_normal((b - a) * 16) * 0.3
    return x


@pytest.mark.parametrize("from_pyramid", [False, True])
def test_silences_are_found_from_samples_or_the_pyramid(from_pyramid):
    x = _speech_and_silence()
    source = PeakPyramid.compute(x, 16000) if from_pyramid else x
    found = silences(source, threshold_db=-30, min_silence_ms=150)
    want = [(0, 500), (1800, 2600), (4200, 6000)]
    assert len(found) == len(want)
    for (a, b), (c, d) in zip(found, want, strict=True):
        assert abs(a - c) <= 10 and abs(b - d) <= 10
    edges = silence_edges(source, threshold_db=-30, min_silence_ms=150)
    assert len(edges) == 4 and all(
        abs(e - w) <= 10 for e, w in zip(edges, [500, 1800, 2600, 4200], strict=True)
    )


def test_digital_silence_is_all_silence_with_no_edges():
    x = np.zeros(16000, np.float32)
    assert silences(x) == [(0, 1000)]
    assert silence_edges(x) == []


def test_the_audio_end_defaults_to_the_transcripts_source_duration():
    from wavescribe.core.transcript import SourceInfo

    doc = _doc()
    doc.transcript.source = SourceInfo("a.wav", 7000)
    r = TimingController(doc, RULES, snapping=OFF).drag_edge(2, "end", 9000)
    assert r.command.end == 7000 and r.limit == "the end of the audio"
