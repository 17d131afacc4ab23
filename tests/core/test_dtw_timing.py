"""Word times from whisper.cpp's DTW token timestamps: which heads a model gets, how tokens are
timed, and the layout that keeps such words in place. The engine and refinement runs with DTW on
real speech are in test_engine.py and test_word_timing_joins.py."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

from wavescribe.core.engine.dtw_timing import (
    DTW_LAG_MS,
    AlignmentHeads,
    chosen_heads,
    dtw_tokens,
    heads_for,
    read_hparams,
    timed_tokens,
)
from wavescribe.core.refine.word_placement import (
    MIN_WORD_MS,
    Placement,
    assign_regions,
    keep_in_place,
    layout_words,
)
from wavescribe.core.transcript import Word


def test_the_starter_model_header_gets_whisper_cpps_tiny_en_heads(tiny_en_ggml: Path) -> None:
    hp = read_hparams(tiny_en_ggml)
    assert hp is not None and (hp.n_text_layer, hp.n_audio_state) == (4, 384)
    assert heads_for(hp) == AlignmentHeads("WHISPER_AHEADS_TINY_EN")
    # The same shape with the multilingual vocabulary is tiny, not tiny.en.
    assert heads_for(replace(hp, n_vocab=51865)) == AlignmentHeads("WHISPER_AHEADS_TINY")


def test_models_are_told_apart_by_shape_and_vocabulary(tiny_en_ggml: Path) -> None:
    tiny = read_hparams(tiny_en_ggml)
    assert tiny is not None

    def large(**kw: int):  # type: ignore[no-untyped-def]
        return replace(tiny, n_audio_layer=32, n_audio_state=1280, n_text_layer=32, **kw)

    assert heads_for(large(n_vocab=51866)).preset == "WHISPER_AHEADS_LARGE_V3"
    assert heads_for(large(n_vocab=51865)).preset == "WHISPER_AHEADS_LARGE_V2"
    assert heads_for(large(n_vocab=51865), "ggml-large-v1.bin").preset == "WHISPER_AHEADS_LARGE_V1"
    turbo = replace(large(n_vocab=51866), n_text_layer=4)
    assert heads_for(turbo).preset == "WHISPER_AHEADS_LARGE_V3_TURBO"
    # distil-large-v3 (the product's default): 2 decoder layers, no preset -> all their heads.
    distil = replace(large(n_vocab=51866), n_text_layer=2)
    assert heads_for(distil) == AlignmentHeads("WHISPER_AHEADS_N_TOP_MOST", 2)


def test_the_environment_turns_dtw_off_or_picks_top_layers(tiny_en_ggml: Path) -> None:
    hp = read_hparams(tiny_en_ggml)
    assert chosen_heads(hp, "", {}) == AlignmentHeads("WHISPER_AHEADS_TINY_EN")
    assert chosen_heads(hp, "", {"WAVESCRIBE_DTW": "0"}) is None
    assert chosen_heads(hp, "", {"WAVESCRIBE_DTW": "off"}) is None
    top = chosen_heads(hp, "", {"WAVESCRIBE_DTW": "top:3"})
    assert top == AlignmentHeads("WHISPER_AHEADS_N_TOP_MOST", 3)
    assert chosen_heads(None, "", {}) is None  # not a GGML header: no DTW
    assert read_hparams(Path(__file__)) is None


def test_a_token_ends_at_its_dtw_time_and_starts_where_the_one_before_ended() -> None:
    raw = [
        (b" Hello", 0, 400, 500, 0.9, -0.1),
        (b" wor", 400, 700, 800, 0.8, -0.2),
        (b"ld", 700, 900, 950, 0.8, -0.2),
    ]
    tokens = dtw_tokens(raw)
    assert tokens is not None
    lag = DTW_LAG_MS
    assert [(t[1], t[2]) for t in tokens] == [(0, 500 - lag), (400, 800 - lag), (700, 950 - lag)]
    # Carried from the decode's token before: the first token starts where that one ended.
    carried = dtw_tokens(raw, prev=300)
    assert carried is not None and carried[0][1] == 300 - lag
    # One token without a DTW time (DTW did not run): whisper.cpp's t0/t1 for all.
    without = [*raw[:2], (b"ld", 700, 900, -1, 0.8, -0.2)]
    assert dtw_tokens(without) is None
    tokens, by_dtw = timed_tokens(without)
    assert not by_dtw and [(t[1], t[2]) for t in tokens] == [(0, 400), (400, 700), (700, 900)]


def test_words_kept_in_place_keep_their_times_inside_their_region() -> None:
    words = [
        Word(900, 1300, " one"),
        Word(1300, 1800, " two"),
        Word(1750, 1760, " three"),  # overlaps the one before and is squashed
        Word(2100, 2600, " four"),
        Word(2600, 3900, " five"),  # runs past the region
    ]
    kept = keep_in_place(words, 1000, 3000)
    assert kept[0].start == 1000 and kept[-1].end == 3000  # cue edges from the speech edges
    assert (kept[1].start, kept[1].end) == (1300, 1800)  # inside: untouched
    assert (kept[3].start, kept[3].end) == (2100, 2600)
    assert kept[2].start == 1800 and kept[2].end - kept[2].start >= MIN_WORD_MS
    for a, b in itertools.pairwise(kept):
        assert a.start <= a.end <= b.start <= b.end
    # A region too short for every word's minimum still keeps them in order inside it.
    tight = keep_in_place(words, 1000, 1100)
    assert tight[0].start == 1000 and tight[-1].end == 1100
    assert all(1000 <= w.start <= w.end <= 1100 for w in tight)
    assert all(a.end <= b.start for a, b in itertools.pairwise(tight))


def test_layout_keeps_dtw_words_and_relays_others() -> None:
    words = [Word(1000, 1100, " a"), Word(1100, 1200, " b"), Word(2500, 2900, " c")]
    placement = Placement([0, 0, 0])
    kept = layout_words(words, placement, [(1000, 3000)], keep_times=True)
    relaid = layout_words(words, placement, [(1000, 3000)])
    assert [(w.start, w.end) for w in kept] == [(1000, 1100), (1100, 1200), (2500, 3000)]
    assert [(w.start, w.end) for w in relaid] != [(w.start, w.end) for w in kept]


def test_a_dtw_word_spanning_a_pause_goes_where_its_middle_lies() -> None:
    """From the FLEURS joins: "However," (true 141.33-141.84 s, then a pause) got its end from
    the comma's DTW time after the pause, and a new Whisper segment starts with it. Placed by
    its span and segment it went past the pause (1 s late); with DTW times trusted it stays."""
    words = [
        Word(140820, 141320, " feathers."),
        Word(141320, 142300, " However,"),
        Word(142300, 142400, " due"),
        Word(142400, 142580, " to"),
    ]
    regions = [(134315, 141844), (142322, 144174)]
    seg_of, spans = [0, 1, 1, 1], [(138360, 141320), (141320, 148800)]
    assert assign_regions(words, regions, seg_of, spans).region_of == [0, 1, 1, 1]
    trusted = assign_regions(words, regions, seg_of, spans, trust_times=True)
    assert trusted.region_of == [0, 0, 1, 1]
