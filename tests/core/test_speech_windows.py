"""The speech-first planner: regions -> pieces -> windows, and fed time -> source time."""

from __future__ import annotations

import itertools

import numpy as np

from wavescribe.core.engine.speech_windows import (
    GAP_MS,
    MAX_WINDOW_MS,
    PAD_BEFORE_MS,
    PAD_MS,
    PIECE_MAX_MS,
    Window,
    plan_pieces,
    plan_windows,
)
from wavescribe.core.transcript import Segment


def test_regions_are_padded_and_joined_across_short_pauses_only():
    pieces = plan_pieces([(1000, 2000), (2500, 3000), (20000, 21000)], 60_000)
    assert pieces == [
        (1000 - PAD_BEFORE_MS, 3000 + PAD_MS),  # a 0.5 s pause stays inside the piece
        (20000 - PAD_BEFORE_MS, 21000 + PAD_MS),  # a 17 s silence is cut out
    ]


def test_padding_stops_at_the_file_edges():
    assert plan_pieces([(100, 900), (59_900, 60_000)], 60_000) == [
        (0, 900 + PAD_MS),
        (59_900 - PAD_BEFORE_MS, 60_000),
    ]


def test_a_long_region_is_cut_at_its_least_speech_like_frame():
    probs = np.ones(80_000 // 32, np.float32)
    probs[21_000 // 32] = 0.05  # a breath 21 s in
    pieces = plan_pieces([(0, 80_000)], 80_000, probs=probs)
    assert all(b - a <= PIECE_MAX_MS < MAX_WINDOW_MS for a, b in pieces)
    assert pieces[0][1] == 21_000 // 32 * 32 + 16
    assert pieces[0][0] == 0 and pieces[-1][1] == 80_000
    assert all(b1 == a2 for (_, b1), (a2, _) in itertools.pairwise(pieces))


def test_pieces_are_packed_into_windows_of_at_most_the_limit():
    pieces = [(i * 20_000, i * 20_000 + 8_000) for i in range(7)]
    windows = plan_windows(pieces)
    assert [len(w.pieces) for w in windows] == [3, 3, 1]
    assert all(w.fed_ms <= MAX_WINDOW_MS for w in windows)
    assert windows[0].fed_ms == 3 * 8_000 + 2 * GAP_MS
    assert [p for w in windows for p in w.pieces] == pieces  # every piece, once, in order


def test_pieces_that_are_not_neighbours_share_a_window_when_that_saves_one():
    # 20 s, 20 s, 8 s, 8 s: neighbours only need three windows (20 | 20+8 | 8), two do.
    pieces = [(0, 20_000), (30_000, 50_000), (60_000, 68_000), (80_000, 88_000)]
    windows = plan_windows(pieces)
    assert len(windows) == 2
    assert all(w.fed_ms <= MAX_WINDOW_MS for w in windows)
    assert sorted(p for w in windows for p in w.pieces) == pieces  # every piece, once
    assert all(list(w.pieces) == sorted(w.pieces) for w in windows)  # in time order within
    assert [w.start for w in windows] == sorted(w.start for w in windows)


def test_fed_times_map_back_to_the_source_never_into_a_cut_silence():
    w = Window(((1_000, 4_000), (30_000, 32_000)))
    assert w.fed_starts() == [0, 3_000 + GAP_MS]
    assert w.to_source(0) == 1_000
    assert w.to_source(2_500) == 3_500
    assert w.to_source(3_000 + GAP_MS + 500) == 30_500
    # inside the pause: the nearer piece's edge
    assert w.to_source(3_000 + GAP_MS // 4) == 4_000
    assert w.to_source(3_000 + GAP_MS * 3 // 4) == 30_000
    assert w.to_source(10**6) == 32_000


def test_the_fed_audio_is_the_pieces_with_pauses_between():
    audio = np.arange(64_000, dtype=np.float32)  # 4 s: sample value = its index
    w = Window(((0, 1_000), (3_000, 3_500)))
    fed = w.samples(audio)
    assert fed.size == 16_000 + GAP_MS * 16 + 8_000
    assert fed[15_999] == 15_999 and fed[16_000] == 0
    assert fed[16_000 + GAP_MS * 16] == 48_000


def test_words_timed_into_the_pause_before_their_piece_go_with_their_sentence():
    """Whisper at beam 5 timed the first words of a sentence into the pause between pieces (fed
    8.6-9.6 s here): they belong to the piece the rest of the sentence was spoken in, not
    squeezed at the end of the piece before."""
    from wavescribe.core.engine.window_words import in_source, pieces_of
    from wavescribe.core.transcript import Word

    window = Window(((880, 9466), (34064, 36026)))  # fed: 0-8586, pause, 9586-11548
    said = ["I", "have", "a", "thousand", "thoughts"]
    fed = [(8700, 8800), (8800, 8900), (8900, 9000), (9700, 10100), (10100, 10600)]
    words = [Word(a, b, f" {t}", 0.9) for (a, b), t in zip(fed, said, strict=True)]
    assert pieces_of(window, words) == [1, 1, 1, 1, 1]
    (segment,) = in_source(window, words)
    assert segment.start >= 34064 and segment.end <= 36026
    # A sentence that ends in the pause after its piece keeps those words with it.
    ends = [
        Word(a, b, w.text, 0.9)
        for a, b, w in zip(range(7000, 9000, 400), range(7300, 9300, 400), words, strict=True)
    ]
    assert pieces_of(window, ends) == [0, 0, 0, 0, 0]
    # Words inside each piece stay where they were spoken, whatever the sentence.
    across = [Word(8000, 8300, " a", 0.9), Word(9800, 10000, " b", 0.9)]
    assert pieces_of(window, across) == [0, 1]


def test_a_segment_begun_with_the_last_word_of_the_sentence_before_gives_it_back():
    """At beam 5 on real-40, whisper ended "... so many words right" and began its next segment
    with "here", then the next clip's sentence 38 s later in the window's third piece: kept
    with that sentence as a fragment, "here" made one 49 s segment, and refinement, which keeps
    the words in order, dropped all 16 of the second clip's. "here" goes back to the segment
    before it, in its piece; a fragment that begins a sentence moves into that sentence's
    piece."""
    from wavescribe.core.engine.window_words import in_source
    from wavescribe.core.transcript import Word

    window = Window(((31_920, 43_322), (132_208, 135_802), (173_168, 184_538)))
    assert window.fed_starts() == [0, 12_402, 16_996]

    def words(*said: tuple[str, int, int]) -> list[Word]:
        return [Word(a, b, f" {t}", 0.9) for t, a, b in said]

    def before(last: str) -> Segment:
        ws = words(
            ("many", 133_606, 133_746), ("words", 133_746, 133_926), (last, 133_926, 134_106)
        )
        return Segment(ws[0].start, ws[-1].end, f"many words {last}", ws)

    fed = [("this", 16_996, 17_640), ("one", 17_640, 18_260), ("Montreal", 18_260, 19_120)]
    prev = before("right")
    (seg,) = in_source(window, words(("here", 14_300, 15_340), *fed), before=prev)
    assert prev.text == "many words right here" and prev.end == 135_146
    assert seg.text == "this one Montreal" and seg.start == 173_168
    # After a sentence's end a fragment begins the next sentence, timed early: it goes with it,
    # into its piece; so it does with no segment before it.
    for prev in (before("right."), None):
        (seg,) = in_source(window, words(("So", 14_300, 15_340), *fed), before=prev)
        assert seg.text == "So this one Montreal", seg.text
        assert all(173_168 <= w.start <= w.end <= 184_538 for w in seg.words), seg.words
    # Split for inspection, every part stays where it was timed.
    parts = in_source(window, words(("here", 14_300, 15_340), *fed), split=True)
    assert [p.text for p in parts] == ["here", "this one Montreal"]


def test_a_sentence_s_last_word_timed_across_the_pause_stays_in_its_piece():
    """Decoded without timestamp tokens, a window is one segment; DTW ran "nation." (real-40,
    tiny.en) from its piece across the 1 s pause and 1.6 s into the next piece, and the word
    went with the next clip's sentence. It starts in its own piece, going on from "the": there
    it stays. A sentence's first word timed into the pause still goes to the piece after."""
    from wavescribe.core.engine.window_words import in_source
    from wavescribe.core.engine.word_grouping import sentences
    from wavescribe.core.transcript import Word

    window = Window(((100_000, 107_370), (130_000, 136_852)))  # fed: 0-7370, pause, 8370-15222
    said = [
        ("reported", 5_526, 6_026),
        ("in", 6_026, 6_426),
        ("the", 6_426, 6_666),
        ("nation.", 6_666, 10_006),
        ("Twentieth", 10_006, 10_506),
        ("century", 10_506, 10_766),
    ]
    fed = [Word(a, b, f" {t}", 0.9) for t, a, b in said]
    assert [[w.text for w in s] for s in sentences(fed)] == [
        [" reported", " in", " the", " nation."],
        [" Twentieth", " century"],
    ]
    parts = in_source(window, fed, split=True)
    assert [p.text for p in parts] == ["reported in the nation.", "Twentieth century"]
    assert parts[0].end <= 107_370 and parts[1].start >= 130_000
    # "So" after a sentence's end, timed from the pause on: the next sentence's first word.
    fed[3] = Word(6_666, 7_000, " nation.", 0.9)
    fed.insert(4, Word(7_000, 9_000, " So", 0.9))
    parts = in_source(window, fed, split=True)
    assert [p.text for p in parts] == ["reported in the nation.", "So Twentieth century"]
