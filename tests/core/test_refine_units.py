"""The parts of refinement that need no model: word placement, edge sharpening, hallucination
filtering and region detection, on handcrafted inputs and synthetic signals."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from wavescribe.core.refine.edge_sharpening import refine_edges
from wavescribe.core.refine.hallucination import drop_unspoken
from wavescribe.core.refine.vad import RATE, SpeechMap, regions_from_probs
from wavescribe.core.refine.word_placement import assign_regions, layout_words
from wavescribe.core.transcript import Segment, Word


def words_at(*items: tuple[int, int, str]) -> list[Word]:
    return [Word(a, b, " " + t, 0.9) for a, b, t in items]


# --- assigning words to speech regions ------------------------------------------------------


def test_a_sentence_end_spilled_into_silence_goes_back_to_its_sentence() -> None:
    # Whisper put "dog." five seconds late, right before the next sentence.
    words = words_at(
        (500, 900, "The"), (900, 1500, "lazy"), (9000, 9500, "dog."), (10000, 10400, "Next")
    )
    regions = [(510, 3550), (9950, 12000)]
    placement = assign_regions(words, regions, [0, 0, 0, 1], [(0, 9500), (9500, 12000)])
    assert placement.region_of == [0, 0, 0, 1]


def test_early_words_of_a_sentence_join_it_rather_than_the_one_before() -> None:
    # "Our library" decoded a second early, in the pause after "rain."
    words = words_at(
        (13000, 17000, "rain."),
        (18360, 18730, "Our"),
        (18870, 19590, "library"),
        (19590, 20170, "opens"),
    )
    regions = [(13800, 17300), (19700, 23700)]
    assert assign_regions(words, regions).region_of == [0, 1, 1, 1]


def test_a_word_far_from_any_speech_is_dropped_unless_dropping_is_off() -> None:
    words = words_at((1000, 1500, "Hello."), (30000, 30500, "Bye."))
    regions = [(900, 1600)]
    assert assign_regions(words, regions).region_of == [0, None]
    assert assign_regions(words, regions, allow_drop=False).region_of == [0, 0]


def test_no_regions_means_nothing_is_placed() -> None:
    assert assign_regions(words_at((0, 10, "a")), []).region_of == [None]


def test_layout_puts_words_inside_their_region_in_order_edge_to_edge() -> None:
    words = words_at((0, 0, "The"), (0, 20, "quick"), (510, 530, "fox"), (530, 4000, "jumped."))
    placement = assign_regions(words, [(510, 3550)])
    laid = layout_words(words, placement, [(510, 3550)])
    assert laid[0].start == 510 and laid[-1].end == 3550
    for a, b in itertools.pairwise(laid):
        assert a.start <= a.end <= b.start <= b.end
    assert [w.text for w in laid] == [w.text for w in words]


def test_assignment_is_fast_for_hours_of_speech() -> None:
    # Three hours: ~3000 regions, ~30000 words, rough times jittered by up to a second.
    rng = np.random.default_rng(1)
    regions = [(i * 3600, i * 3600 + 3000) for i in range(3000)]
    words = []
    for a, _b in regions:
        for k in range(10):
            t = a + k * 300 + int(rng.integers(-1000, 1000))
            words.append(Word(max(0, t), max(0, t) + 250, " w" + ("." if k == 9 else ""), 0.9))
    t0 = time.perf_counter()
    placement = assign_regions(words, regions)
    assert time.perf_counter() - t0 < 20
    assert sum(r is None for r in placement.region_of) == 0
    correct = sum(r == i // 10 for i, r in enumerate(placement.region_of))
    assert correct / len(words) > 0.97


# --- sharpening region edges ----------------------------------------------------------------


def voice(n: int, seed: int = 0) -> np.ndarray:
    """Speech-like sound: a buzzy harmonic series with a slow syllable envelope."""
    t = np.arange(n) / RATE
    f0 = 120 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    sig = sum(np.sin(k * phase) / k for k in range(1, 25))
    env = 0.6 + 0.4 * np.abs(np.sin(2 * np.pi * 3 * t))
    return (0.1 * sig * env).astype(np.float32)


@pytest.mark.parametrize("background", ["silence", "tone", "noise"])
def test_edges_move_from_the_vad_guess_to_the_real_onset_and_offset(background: str) -> None:
    n = 6 * RATE
    audio = np.zeros(n, np.float32)
    if background == "tone":
        audio += 0.03 * np.sin(2 * np.pi * 440 * np.arange(n) / RATE).astype(np.float32)
    elif background == "noise":
        audio += np.random.default_rng(0).normal(0, 0.003, n).astype(np.float32)
    a, b = int(1.5 * RATE), int(4.0 * RATE)
    audio[a:b] = voice(b - a) if background == "tone" else audio[a:b] + voice(b - a)
    vad_guess = [(1530, 4060)]  # VAD-like: a frame late at both ends
    ((start, end),) = refine_edges(audio, vad_guess, n * 1000 // RATE)
    assert abs(start - 1500) <= 15
    assert abs(end - 4000) <= 15


# --- regions from frame probabilities -------------------------------------------------------


def test_regions_use_hysteresis_and_bridge_short_dips() -> None:
    p = np.zeros(100, np.float32)
    p[10:40] = 0.9
    p[25:28] = 0.4  # a dip above the exit threshold: still speech
    p[50:60] = 0.9
    p[60:63] = 0.1  # a short pause: bridged
    p[63:70] = 0.9
    p[90:92] = 0.9  # too short to be speech
    regions = regions_from_probs(p, 3200)
    assert regions == [(320, 1280), (1600, 2240)]


# --- text where nothing was said ------------------------------------------------------------


def seg(start: int, end: int, text: str, p: float = 0.9) -> Segment:
    return Segment(start, end, text, [Word(start, end, " " + text, p)])


def test_segments_without_speech_under_them_are_dropped() -> None:
    speech = SpeechMap([(0, 3000), (20000, 23000)], 30000, "silero-onnx")
    segs = [
        seg(0, 3000, "Real words."),
        seg(8000, 12000, "Thank you for watching."),
        seg(20000, 23000, "More real words."),
    ]
    kept, dropped = drop_unspoken(segs, speech)
    assert [s.text for s in kept] == ["Real words.", "More real words."]
    assert dropped[0].reason == "no speech under it"


def test_a_repeat_with_little_speech_under_it_is_dropped_but_a_spoken_repeat_is_kept() -> None:
    speech = SpeechMap([(0, 3000), (6000, 9000), (17500, 18200)], 30000, "silero-onnx")
    segs = [
        seg(0, 3000, "Go ahead."),
        seg(6000, 9000, "Go ahead."),  # said twice: fully spoken
        seg(12000, 18000, "Go ahead."),  # mostly silence and a repeat: a hallucination
    ]
    kept, dropped = drop_unspoken(segs, speech)
    assert [(s.start, s.text) for s in kept] == [(0, "Go ahead."), (6000, "Go ahead.")]
    assert "repeats" in dropped[0].reason


def test_improbable_words_over_little_speech_are_dropped() -> None:
    speech = SpeechMap([(0, 3000), (9500, 10000)], 30000, "silero-onnx")
    kept, dropped = drop_unspoken(
        [seg(0, 3000, "Hello there."), seg(5000, 10000, "you you", p=0.1)], speech
    )
    assert [s.text for s in kept] == ["Hello there."]
    assert "improbable" in dropped[0].reason


# --- wordless regions a word runs over ------------------------------------------------------


def test_a_wordless_region_a_word_runs_into_joins_that_words_region() -> None:
    from wavescribe.core.refine.word_placement import Placement, join_wordless_regions

    # JFK's "country." on the real-short layout: Silero split it at its closure.
    words = [Word(41832, 42312, " your"), Word(42622, 42882, " country.")]
    regions = [(40424, 42598), (43033, 43296), (45000, 47000)]
    joined, placement = join_wordless_regions(words, Placement([0, 0]), regions)
    assert joined == [(40424, 43296), (45000, 47000)]
    assert placement.region_of == [0, 0]


def test_a_wordless_region_far_from_the_words_or_past_a_long_pause_stays() -> None:
    from wavescribe.core.refine.word_placement import Placement, join_wordless_regions

    words = [Word(1000, 1400, " fly."), Word(5000, 5400, " Next")]
    far = [(900, 1450), (2400, 2600), (5000, 5500)]  # 950 ms pause: a breath, not the word
    assert join_wordless_regions(words, Placement([0, 2]), far) == (far, Placement([0, 2]))
    # A dropped word (None) keeps its None; the later word's index follows the join.
    near = [(900, 1450), (1700, 1900), (5000, 5500)]
    words = [Word(1000, 1800, " fly."), Word(3000, 3100, " um"), Word(5000, 5400, " Next")]
    joined, placement = join_wordless_regions(words, Placement([0, None, 2]), near)
    assert joined == [(900, 1900), (5000, 5500)]
    assert placement.region_of == [0, None, 1]


def test_a_wordless_region_just_before_a_word_joins_the_region_after_it() -> None:
    from wavescribe.core.refine.word_placement import Placement, join_wordless_regions

    words = [Word(2100, 2500, " Hello")]
    joined, placement = join_wordless_regions(words, Placement([1]), [(1800, 1950), (2200, 2600)])
    assert joined == [(1800, 2600)]
    assert placement.region_of == [0]


def test_joining_wordless_regions_keeps_every_region_and_word_in_order() -> None:
    """Whatever the words and regions: the joined regions are the old ones, some merged with a
    neighbour (never reordered, never overlapping), and each word keeps its region or the one
    its region was merged into."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from wavescribe.core.refine.word_placement import join_wordless_regions

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[list[Word], list[int | None], list[tuple[int, int]]]:
        edges = sorted(draw(st.sets(st.integers(0, 20_000), min_size=2, max_size=16)))
        regions = [(edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2)]
        n = draw(st.integers(0, 12))
        starts = sorted(draw(st.lists(st.integers(0, 20_000), min_size=n, max_size=n)))
        words = [Word(s, s + draw(st.integers(0, 900)), " w") for s in starts]
        picks = sorted(draw(st.lists(st.integers(0, len(regions) - 1), min_size=n, max_size=n)))
        region_of = [None if draw(st.booleans()) and draw(st.booleans()) else r for r in picks]
        return words, region_of, regions

    @settings(max_examples=300, deadline=None)
    @given(cases())
    def check(case: tuple[list[Word], list[int | None], list[tuple[int, int]]]) -> None:
        from wavescribe.core.refine.word_placement import Placement

        words, region_of, regions = case
        joined, placement = join_wordless_regions(words, Placement(region_of), regions)
        assert all(a < b for a, b in joined)
        assert all(b1 <= a2 for (_, b1), (a2, _) in itertools.pairwise(joined))
        # every old region lies inside exactly one new one; the first and last edges are kept
        home = [
            next(k for k, (a, b) in enumerate(joined) if a <= r0 and r1 <= b) for r0, r1 in regions
        ]
        assert home == sorted(home) and set(home) == set(range(len(joined)))
        assert joined[0][0] == regions[0][0] and joined[-1][1] == regions[-1][1]
        assert placement.region_of == [None if r is None else home[r] for r in region_of]

    check()
