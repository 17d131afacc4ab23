"""Acoustic forced alignment of known words (PocketSphinx), on real speech with exact boundaries.

FLEURS sentences butted together (``align_speech.fleurs_spliced``): at each splice the word
before ends and the next one starts at a known sample. The aligner is given the gold text only;
no whisper.cpp here (``test_word_timing_joins.py`` runs the whole path)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from align_speech import RATE, fleurs_spliced
from wavescribe.core.refine import forced_alignment, phone_alignment
from wavescribe.core.refine.spoken_forms import rough_phones, spoken_words
from wavescribe.core.transcript import Word


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("Hello,", ["hello"]),
        ("“Don’t", ["don't"]),
        ("well-known", ["well", "known"]),
        ("1994.", ["nineteen", "ninety", "four"]),
        ("20th", ["twentieth"]),
        ("1,250", ["one", "thousand", "two", "hundred", "and", "fifty"]),
        ("3.5%", ["three", "point", "five", "percent"]),
        ("$40", ["forty", "dollars"]),
        ("mp3", ["m", "p", "three"]),
        ("3:2", ["three", "to", "two"]),
        ("10:30", ["ten", "thirty"]),
        ("9:05", ["nine", "oh", "five"]),
        ("7:00", ["seven"]),
        ("café", ["cafe"]),
        ("naïve,", ["naive"]),
        ("—", []),
        ("...", []),
    ],
)
def test_written_words_become_what_is_said(written: str, said: list[str]) -> None:
    assert spoken_words(written) == said


def test_rough_pronunciations_use_the_models_phones() -> None:
    lines = (phone_alignment.model_dir() / "cmudict-en-us.dict").read_text().splitlines()
    phones = {p for line in lines for p in line.split()[1:]}
    assert {"AA", "CH", "ZH"} <= phones and len(phones) == 39
    for word in ("kubernetes", "wavescribe", "yttrium", "schmoozing", "xyzzy", "e"):
        got = rough_phones(word).split()
        assert got and set(got) <= phones, (word, got)
    assert rough_phones("shipping") == "SH IH P IH NG"  # a doubled consonant is one sound


def _run(order: list[int]) -> tuple[np.ndarray, list[tuple[str, int | None, int | None]], int]:
    """The first run of four spliced sentences: audio, reference words, and where it ends."""
    audio, ref = fleurs_spliced(order, per_run=len(order))
    return audio, ref, len(audio) * 1000 // RATE


@pytest.fixture(scope="module")
def spliced() -> tuple[np.ndarray, list[tuple[str, int | None, int | None]], int]:
    """Clips whose speech spans end and start on words. Not clips 1, 2, 4 and 8: their spans
    hold a breath or sound 0.3-1.2 s away from the first or last word (1: before "All"; 2: after
    "sentence."; 8: before "The", after "3:2"), or (4) end before its last words are said, so
    the splice is not a word boundary there (benchmarks/sentence_joins.py)."""
    return _run([7, 3, 9, 0])


def test_words_at_real_sentence_joins_are_placed_within_tens_of_ms(spliced) -> None:  # type: ignore[no-untyped-def]
    """The word boundaries at the three splices, from the gold text alone."""
    audio, ref, end = spliced
    spans = forced_alignment.align_words(audio, 700, end, [w for w, _, _ in ref])
    assert spans is not None and len(spans) == len(ref)
    errors = []
    for (_, rs, re_), span in zip(ref, spans, strict=True):
        assert span is not None
        errors += [abs(span[0] - rs)] if rs is not None else []
        errors += [abs(span[1] - re_)] if re_ is not None else []
    assert len(errors) == 6
    assert np.median(errors) <= 40 and max(errors) <= 120, errors
    starts = [s[0] for s in spans if s is not None]
    assert starts == sorted(starts)


def test_unknown_words_are_aligned_by_their_rough_pronunciation(spliced) -> None:  # type: ignore[no-untyped-def]
    """Words missing from the dictionary (every fifth respelled with its last letter doubled,
    as a name might be) still align, and the splice boundaries barely move."""
    audio, ref, end = spliced
    words = [w for w, _, _ in ref]
    mangled = [w if k % 5 else w + w[-1] for k, w in enumerate(words)]
    assert sum(forced_alignment.known_word(w) for w in mangled) < len(words) - 10
    plain = forced_alignment.align_words(audio, 700, end, words)
    rough = forced_alignment.align_words(audio, 700, end, mangled)
    assert plain is not None and rough is not None
    at_splices = [k for k, (_, rs, _) in enumerate(ref) if rs is not None]
    moved = [abs(rough[k][0] - plain[k][0]) for k in at_splices]  # type: ignore[index]
    assert max(moved) <= 120, moved
    assert np.median([abs(rough[k][0] - ref[k][1]) for k in at_splices]) <= 60  # type: ignore[index,operator]


def test_words_that_cannot_fit_the_audio_leave_the_stretch_as_it_was(spliced) -> None:  # type: ignore[no-untyped-def]
    """Fifty words in half a second cannot be aligned: ``None``; in a region the words keep
    their times, and its halves (tried alone) are counted as failed."""
    audio = spliced[0]
    assert forced_alignment.align_words(audio, 1000, 1500, ["extraordinary"] * 50) is None
    words = [Word(1000 + 10 * k, 1010 + 10 * k, " extraordinary") for k in range(50)]
    out, failed, _ = forced_alignment.retime_in_regions(audio, words, [(1000, 1500)])
    assert failed == 2**forced_alignment.SPLIT_DEPTH and out == words


def test_a_word_that_was_not_said_costs_only_its_part_of_the_region(spliced) -> None:  # type: ignore[no-untyped-def]
    """Two sentences and words nobody said after them: the whole fails, its halves are tried
    alone, and the first sentence's inner boundaries (given 120 ms late) still come from the
    aligner."""
    audio, ref, _ = spliced
    n = next(k for k, (_, rs, _) in enumerate(ref) if rs is not None)  # clip 2's first word
    m = next(k for k, (_, rs, _) in enumerate(ref) if k > n and rs is not None)  # clip 3's
    said = [w for w, _, _ in ref[:m]]
    timed = forced_alignment.align_words(audio, 700, ref[m][1], said)  # type: ignore[arg-type]
    assert timed is not None and all(timed)
    late = [(s + 120 * (k > 0), e + 120) for k, (s, e) in enumerate(timed)]  # type: ignore[misc]
    words = [Word(s, e, " " + w) for w, (s, e) in zip(said, late, strict=True)]
    last = words[-1].end
    words += [Word(last + 100 * k, last + 100 * (k + 1), " hippopotamus") for k in range(4)]
    assert forced_alignment.align_words(audio, 700, words[-1].end, [w.text for w in words]) is None
    out, failed, _ = forced_alignment.retime_in_regions(audio, words, [(700, words[-1].end)])
    assert 1 <= failed < 2**forced_alignment.SPLIT_DEPTH
    inner = [abs(w.start - t[0]) for w, t in zip(out[1 : n - 1], timed[1 : n - 1], strict=True)]  # type: ignore[index]
    assert np.median(inner) <= 40, inner


def test_only_inner_boundaries_of_each_region_change(spliced) -> None:  # type: ignore[no-untyped-def]
    """The first start and last end of each region's words stay (edge sharpening set them);
    words between take the aligner's boundaries, in order and without overlap."""
    audio, ref, end = spliced
    texts = [" " + w for w, _, _ in ref]
    step = (end - 700) / len(texts)
    words = [
        Word(round(700 + k * step), round(700 + (k + 1) * step), t) for k, t in enumerate(texts)
    ]
    out, failed, _ = forced_alignment.retime_in_regions(audio, words, [(700, end)])
    assert failed == 0
    assert (out[0].start, out[-1].end) == (words[0].start, words[-1].end)
    assert [w.text for w in out] == texts
    assert all(a.end <= b.start for a, b in itertools.pairwise(out))
    assert sum(a.start != b.start for a, b in zip(out, words, strict=True)) > len(words) // 2


def test_enabled_for_the_measured_languages_and_can_be_turned_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert forced_alignment.enabled("en") and forced_alignment.enabled(None)
    assert all(forced_alignment.enabled(code) for code in ("de", "es", "fr", "pt", "pt-BR"))
    assert not forced_alignment.enabled("it") and not forced_alignment.enabled("ja")
    monkeypatch.setenv(forced_alignment.ENV, "0")
    assert not forced_alignment.enabled("en") and not forced_alignment.enabled("es")


def test_a_cancel_stops_the_alignment_between_regions(spliced) -> None:  # type: ignore[no-untyped-def]
    """``check()`` runs before each region; the one that raises ends the work there."""
    from wavescribe.core import errors

    audio = spliced[0]
    regions = [(1000 + 3000 * k, 3000 + 3000 * k) for k in range(3)]
    words = [Word(a + 500 * n, a + 500 * (n + 1), " the") for a, _ in regions for n in range(2)]
    calls: list[int] = []

    def check() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise errors.Cancelled("stop")

    with pytest.raises(errors.Cancelled):
        forced_alignment.retime_in_regions(audio, words, regions, check)
    assert len(calls) == 2


def test_a_speech_end_in_noise_that_sharpening_doubts_is_settled_by_the_aligner() -> None:
    """The words "Montreal forced aligner" followed by pink noise 13 dB under the speech: the
    energy edge lies too far inside Silero's for edge sharpening to believe it there (it keeps
    Silero's end, ~200 ms after the speech's), but the aligner ends the last word there."""
    import longform_layout as lf
    from wavescribe.core.refine.pipeline import speech_regions

    clip, text = lf.real_clip("mfa_kmg")
    _, b = lf.speech_edges(clip)
    lead = np.zeros(lf.RATE, np.float32)
    mix = np.concatenate([lead, clip[:b], lf.pink_noise(4 * lf.RATE, -35.0, seed=1)])
    mix += lf.pink_noise(len(mix), -65.0, seed=2)
    speech_end = 1000 + b * 1000 // lf.RATE
    _, regions, doubted = speech_regions(mix, True, None)
    (start, end), *_ = [r for r in regions if r[0] < speech_end < r[1] + 500]
    assert end in doubted and end - speech_end >= 150, (end, speech_end, doubted)
    said = text.split()
    step = (end - start) // len(said)
    words = [Word(start + k * step, start + (k + 1) * step, " " + w) for k, w in enumerate(said)]
    words[-1] = Word(words[-1].start, end, words[-1].text)
    out, failed, moved = forced_alignment.retime_in_regions(mix, words, regions, None, doubted)
    assert (failed, moved) == (0, 1)
    assert out[-1].end == doubted[end] and abs(out[-1].end - speech_end) <= 100, out[-1]
    # without the doubt the end stays where sharpening put it
    assert forced_alignment.retime_in_regions(mix, words, regions)[0][-1].end == end


def test_the_same_words_align_the_same_whatever_was_aligned_before(spliced) -> None:  # type: ignore[no-untyped-def]
    """The recogniser's front end kept state from one stretch to the next (its cepstral mean):
    the same sentence came out up to 120 ms apart after another sentence. Each stretch now
    starts afresh."""
    audio, ref, end = spliced
    n = next(k for k, (_, rs, _) in enumerate(ref) if rs is not None)  # clip 2's first word
    cut: int = ref[n][1]  # type: ignore[assignment]
    first, other = [w for w, _, _ in ref[:n]], [w for w, _, _ in ref[n:]]
    alone = forced_alignment.align_words(audio, 700, cut, first)
    assert alone is not None
    for _ in range(2):
        assert forced_alignment.align_words(audio, cut, end, other) is not None
        assert forced_alignment.align_words(audio, 700, cut, first) == alone


@pytest.mark.parametrize("wrong", ["last word after the pause", "first word before it"])
def test_a_word_on_the_wrong_side_of_a_short_pause_is_moved_across(wrong: str) -> None:
    """Two real sentences 400 ms apart, one word laid on the wrong side of the pause (as
    "However, [pause]" was laid after its pause): the aligner hears it on its own side, and
    each sentence's words start and end at their own speech again."""
    from align_speech import fleurs_clip, speech_span

    pieces, regions, texts = [np.zeros(700 * RATE // 1000, np.float32)], [], []
    for n in (7, 3):
        clip, text = fleurs_clip(n)
        a, b = speech_span(clip)
        start = sum(len(p) for p in pieces) * 1000 // RATE
        pieces += [clip[a:b], np.zeros(400 * RATE // 1000, np.float32)]
        regions.append((start, start + (b - a) * 1000 // RATE))
        texts.append(text.split())
    audio = np.concatenate(pieces)
    first, second = texts
    cut = len(first) - 1 if wrong.startswith("last") else len(first) + 1
    said = first + second
    words = []
    for region, part in zip(regions, (said[:cut], said[cut:]), strict=True):
        step = (region[1] - region[0]) / len(part)
        words += [
            Word(round(region[0] + k * step), round(region[0] + (k + 1) * step), " " + w)
            for k, w in enumerate(part)
        ]
    out, failed, _ = forced_alignment.retime_in_regions(audio, words, regions)
    assert failed == 0 and [w.text for w in out] == [w.text for w in words]
    n = len(first)
    assert out[n - 1].end == regions[0][1] and out[n].start == regions[1][0], (out[n - 1], out[n])
    assert all(regions[0][0] <= w.start < w.end <= regions[0][1] for w in out[:n])
    assert all(regions[1][0] <= w.start < w.end <= regions[1][1] for w in out[n:])


def test_a_first_word_said_before_its_region_began_gets_its_start_back() -> None:
    """Speech detection began a region at the second word ("The | cabbage ...": a soft first
    word after a noise, as in the long layout's "[noise] The hospital", 350 ms late): the
    aligner squeezes "The" into nothing at the edge; looking back from there finds it."""
    audio, ref, end = _run([3, 9])
    texts = [" " + w for w, _, _ in ref]
    step = (end - 700) / len(texts)
    laid = [
        Word(round(700 + k * step), round(700 + (k + 1) * step), t) for k, t in enumerate(texts)
    ]
    truth, failed, _ = forced_alignment.retime_in_regions(audio, laid, [(700, end)])
    assert failed == 0 and texts[:2] == [" the", " cabbage"]
    late = truth[1].start  # the region begins with "cabbage"
    squeezed = [Word(late, late, truth[0].text), *truth[1:]]
    out, failed, _ = forced_alignment.retime_in_regions(audio, squeezed, [(late, end)])
    assert failed == 0
    assert abs(out[0].start - truth[0].start) <= 40 and out[0].end - out[0].start >= 50, out[:2]
    assert abs(out[1].start - truth[1].start) <= 40
    # A first word of its own length is left where the region begins.
    kept, _, _ = forced_alignment.retime_in_regions(audio, truth, [(truth[0].start, end)])
    assert kept[0].start == truth[0].start
