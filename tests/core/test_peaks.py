"""The peak pyramid: brute-force equal at every level and view, a cache that refuses bad files."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from wavescribe.core.audio.facts import AudioFacts
from wavescribe.core.audio.peaks import (
    FULL_SCALE,
    TOP_BINS,
    PeakCacheCorrupt,
    PeakCacheMissing,
    PeakCacheStale,
    PeakPyramid,
    cache_path_for,
)
from wavescribe.core.errors import Cancelled

RATE = 16000


def _audio(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n).astype(np.float32) * 0.3
    x[n // 3 : n // 2] *= 0.01  # a quiet stretch: int16 keeps it visible
    return np.clip(x, -1.2, 1.2)  # and a few clipped samples beyond full scale


def _q(lo: float, hi: float) -> tuple[int, int]:
    """The pyramid's quantisation, applied to brute-force float peaks."""
    s = np.float32(FULL_SCALE)
    qlo = int(np.clip(np.floor(np.float32(lo) * s), -FULL_SCALE - 1, FULL_SCALE))
    qhi = int(np.clip(np.ceil(np.float32(hi) * s), -FULL_SCALE - 1, FULL_SCALE))
    return qlo, qhi


def _brute_level(x: np.ndarray, spb: int) -> np.ndarray:
    return np.array([_q(x[i : i + spb].min(), x[i : i + spb].max()) for i in range(0, len(x), spb)])


def _brute_slice(pyr: PeakPyramid, x, start_ms, end_ms, width):
    """Independent reading of slice()'s contract: the bins of the chosen level over each column."""
    spb = pyr.samples_per_bin(pyr.level_for((end_ms - start_ms) / width))
    s0 = round(start_ms * RATE / 1000)
    s1 = max(round(end_ms * RATE / 1000), s0 + 1)
    mins, maxs = [], []
    for i in range(width):
        a = s0 + i * (s1 - s0) // width
        b = max(s0 + (i + 1) * (s1 - s0) // width, a + 1)
        if b <= 0 or a >= len(x):
            mins.append(0)
            maxs.append(0)
            continue
        lo = max(a, 0) // spb * spb
        hi = min(-(-min(b, len(x)) // spb) * spb, len(x))
        qlo, qhi = _q(x[lo:hi].min(), x[lo:hi].max())
        mins.append(qlo)
        maxs.append(qhi)
    return np.array(mins), np.array(maxs)


@pytest.fixture(scope="module")
def audio() -> np.ndarray:
    return _audio(RATE * 23 + 517)  # not a whole number of bins at any level


@pytest.fixture(scope="module")
def pyramid(audio) -> PeakPyramid:
    return PeakPyramid.compute(audio, RATE)


def test_every_level_equals_brute_force_min_max(audio, pyramid):
    assert len(pyramid.levels) > 3
    for k in (0, 1, 3, len(pyramid.levels) - 1):
        np.testing.assert_array_equal(
            pyramid.levels[k], _brute_level(audio, pyramid.samples_per_bin(k)), err_msg=f"{k}"
        )


def test_each_level_halves_the_previous_down_to_a_few_hundred_bins(pyramid):
    sizes = [len(lv) for lv in pyramid.levels]
    assert all(b == (a + 1) // 2 for a, b in itertools.pairwise(sizes))
    assert sizes[-1] <= TOP_BINS < sizes[-2]
    assert all(lv.dtype == np.int16 for lv in pyramid.levels)


def test_streamed_blocks_of_any_length_give_the_same_pyramid(audio, pyramid):
    rng = np.random.default_rng(1)
    cuts = np.sort(rng.integers(0, len(audio), 40))
    blocks = [audio[a:b] for a, b in zip([0, *cuts], [*cuts, len(audio)], strict=True)]
    blocks.insert(3, np.zeros(0, np.float32))
    streamed = PeakPyramid.compute(iter(blocks), RATE)
    assert streamed.n_samples == len(audio)
    for a, b in zip(streamed.levels, pyramid.levels, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("start_ms", "end_ms", "width"),
    [
        (0, 23033, 1920),  # the whole file
        (0, 23033, 37),  # whole file in a few columns: coarse level
        (1234.5, 1234.5 + 5 * 800, 800),  # 5 ms per pixel
        (5000, 5100, 300),  # zoomed past level 0: columns repeat a bin
        (-700, 3000, 640),  # starts before the audio
        (21000, 26000, 500),  # runs past its end
        (30000, 31000, 10),  # entirely after the end
        (777, 19999, 1333),  # odd sizes everywhere
    ],
)
def test_slice_equals_brute_force_and_has_exactly_width_columns(
    audio, pyramid, start_ms, end_ms, width
):
    mins, maxs = pyramid.slice(start_ms, end_ms, width)
    assert len(mins) == len(maxs) == width
    want_min, want_max = _brute_slice(pyramid, audio, start_ms, end_ms, width)
    np.testing.assert_array_equal(mins, want_min)
    np.testing.assert_array_equal(maxs, want_max)


def test_slice_never_hides_a_peak_inside_a_column(audio, pyramid):
    width, start, end = 500, 2000, 12000
    mins, maxs = pyramid.slice(start, end, width)
    edges = np.linspace(start * 16, end * 16, width + 1).round().astype(int)
    for i in range(width):
        lo, hi = _q(audio[edges[i] : edges[i + 1]].min(), audio[edges[i] : edges[i + 1]].max())
        assert mins[i] <= lo and maxs[i] >= hi


def test_level_for_picks_the_coarsest_level_no_wider_than_a_pixel(pyramid):
    assert pyramid.bin_ms(0) == 4.0
    assert pyramid.level_for(1.0) == 0
    assert pyramid.level_for(5.0) == 0
    assert pyramid.level_for(8.0) == 1
    assert pyramid.level_for(15.9) == 1
    assert pyramid.level_for(1e9) == len(pyramid.levels) - 1


def test_a_tiny_or_empty_input_still_makes_a_pyramid():
    one = PeakPyramid.compute(np.array([0.5, -0.25], np.float32), RATE)
    assert one.levels[0].tolist() == [list(_q(-0.25, 0.5))]
    mins, maxs = one.slice(0, 1000, 4)
    assert mins[0] == _q(-0.25, 0.5)[0] and maxs[1:].tolist() == [0, 0, 0]
    empty = PeakPyramid.compute(iter([]), RATE)
    assert empty.n_samples == 0
    assert [a.tolist() for a in empty.slice(0, 100, 3)] == [[0, 0, 0], [0, 0, 0]]


def test_progress_rises_to_one_and_cancel_stops(audio):
    seen: list[float] = []
    PeakPyramid.compute(audio, RATE, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 1
    blocks = (audio[i : i + 4000] for i in range(0, len(audio), 4000))
    calls = iter(range(1000))
    with pytest.raises(Cancelled):
        PeakPyramid.compute(blocks, RATE, cancel=lambda: next(calls) >= 5)


def test_progress_from_an_iterator_uses_total_samples(audio):
    seen: list[float] = []
    blocks = (audio[i : i + 40000] for i in range(0, len(audio), 40000))
    PeakPyramid.compute(blocks, RATE, total_samples=len(audio), progress=seen.append)
    assert 0 < seen[0] < seen[-2] < 1.0 == seen[-1]


# --- the cache ---------------------------------------------------------------------------------


@pytest.fixture()
def cached(tmp_path, audio):
    src = tmp_path / "talk.flac"
    src.write_bytes(b"pretend audio")
    fp = AudioFacts.of(src, len(audio) * 1000 // RATE, content=False)
    pyr = PeakPyramid.compute(audio, RATE, source=fp)
    path = cache_path_for(tmp_path / "talk.wsproj")
    pyr.save(path)
    return pyr, path, fp, src


def test_cache_round_trip_is_exact(cached):
    pyr, path, fp, _ = cached
    assert path.name == "talk.wspeaks"
    back = PeakPyramid.load(path, fp)
    assert (back.rate, back.base, back.n_samples, back.source) == (RATE, 64, pyr.n_samples, fp)
    for a, b in zip(back.levels, pyr.levels, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(back.slice(0, 9000, 700)[1], pyr.slice(0, 9000, 700)[1])


def test_a_cache_of_other_audio_is_stale(cached):
    _, path, fp, src = cached
    os.utime(src, ns=(fp.mtime_ns, fp.mtime_ns + 10**9))
    with pytest.raises(PeakCacheStale):
        PeakPyramid.load(path, AudioFacts.of(src, fp.duration_ms, content=False))
    with pytest.raises(PeakCacheStale):
        PeakPyramid.load(path, AudioFacts(fp.size, fp.mtime_ns, fp.duration_ms + 1))


def test_a_missing_cache_is_reported_as_missing(tmp_path):
    with pytest.raises(PeakCacheMissing):
        PeakPyramid.load(tmp_path / "none.wspeaks")


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated in the data
        lambda b: b[:20],  # truncated in the header
        lambda b: b[:5],
        lambda b: b"",
        lambda b: b + b"\0\0\0\0",  # trailing bytes
        lambda b: b[:-100] + bytes(x ^ 0xFF for x in b[-100:-99]) + b[-99:],  # a flipped byte
        lambda b: b"NOTPEAKS" + b[8:],
        lambda b: b[:12] + b"{not json" + b[21:],
        lambda b: b.replace(b'"version":1', b'"version":9'),
        lambda b: b.replace(b'"base":64', b'"base":32'),  # sizes no longer fit the header
        lambda b: b.replace(b'"rate":16000', b'"rate":"x"'),
        lambda b: b[:8] + b"\xff\xff\xff\x7f" + b[12:],  # absurd header length
    ],
)
def test_a_corrupt_or_truncated_cache_is_refused_not_crashed_on(cached, damage):
    _, path, fp, _ = cached
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(PeakCacheCorrupt):
        PeakPyramid.load(path, fp)


def test_saving_is_atomic_and_leaves_no_temporary_files(cached, tmp_path):
    pyr, path, _, _ = cached
    pyr.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.flac", "talk.wspeaks"]


def test_fingerprinting_missing_audio_is_a_typed_error(tmp_path):
    from wavescribe.core.errors import InputNotFound

    with pytest.raises(InputNotFound):
        AudioFacts.of(tmp_path / "gone.flac", 1000)


def test_audio_facts_tell_the_same_source_from_another(tmp_path):
    src = tmp_path / "talk.flac"
    src.write_bytes(b"pretend audio")
    light = AudioFacts.of(src, 1000, content=False)
    full = AudioFacts.of(src, 1000)
    assert light.fingerprint is None and full.fingerprint is not None
    assert light.same_source(full) and full.same_source(light)  # unknown facts do not count
    assert not full.same_source(AudioFacts(full.size, full.mtime_ns, 1000, "0" * 64))
    assert AudioFacts.from_dict(full.to_dict()) == full
    assert AudioFacts.from_dict(light.to_dict()) == light
    assert light.unchanged(src)
    src.write_bytes(b"other pretend audio")
    assert not light.unchanged(src)
