"""The app's peak cache object: which project holds which audio, and where its peaks live."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from wavescribe.core.audio.facts import AudioFacts
from wavescribe.core.audio.load import SAMPLE_RATE
from wavescribe.core.audio.peaks import PeakPyramid
from wavescribe.core.project.peak_cache import PeakCache


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    path = tmp_path / "media" / "a.wav"
    path.parent.mkdir()
    sf.write(path, (np.random.default_rng(2).standard_normal(16000) * 0.1).astype("f4"), 16000)
    return path


def pyramid_of(wav: Path) -> PeakPyramid:
    samples = sf.read(wav, dtype="float32")[0]
    facts = AudioFacts.of(wav, len(samples) * 1000 // SAMPLE_RATE, content=False)
    return PeakPyramid.compute(samples, SAMPLE_RATE, source=facts)


def test_two_caches_share_nothing(tmp_path: Path, wav: Path) -> None:
    """No module-level registry: what one app's cache remembers, another does not see."""
    project = tmp_path / "talk.wsproj"
    project.write_text("{}")
    first, second = PeakCache(tmp_path / "one"), PeakCache(tmp_path / "two")
    first.remember_project(wav, project)
    assert first.locations(wav) == [tmp_path / "talk.wspeaks", first.user_path(wav)]
    assert second.locations(wav) == [second.user_path(wav)]
    assert first.user_path(wav).parent == tmp_path / "one"
    first.remember_project(wav, None)
    assert first.locations(wav) == [first.user_path(wav)]


def test_kept_peaks_are_loaded_back_until_the_audio_changes(tmp_path: Path, wav: Path) -> None:
    cache = PeakCache(tmp_path / "user")
    assert cache.load(wav) is None
    cache.keep(pyramid_of(wav), wav)  # the per-user folder is made on demand
    loaded = cache.load(wav)
    assert loaded is not None and loaded.path == cache.user_path(wav)
    cache.keep(loaded, wav)  # read from where it belongs: not rewritten
    assert cache.user_path(wav).stat().st_mtime_ns == loaded.path.stat().st_mtime_ns
    st = wav.stat()
    os.utime(wav, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert cache.load(wav) is None  # stale: never an error


def test_storing_beside_a_saved_project_copies_the_cached_peaks(tmp_path: Path, wav: Path) -> None:
    cache = PeakCache(tmp_path / "user")
    project = tmp_path / "talk.wsproj"
    project.write_text("{}")
    assert cache.store_beside(wav, project) is None  # nothing cached yet
    cache.keep(pyramid_of(wav), wav)  # the editor computed them meanwhile: they go beside
    beside = tmp_path / "talk.wspeaks"
    assert beside.is_file() and not cache.user_path(wav).exists()
    beside.unlink()
    cache.keep(pyramid_of(wav), wav, cache.user_path(wav))
    assert cache.store_beside(wav, project) == beside  # copied from the per-user cache
    loaded = cache.load(wav)
    assert loaded is not None and loaded.path == beside


def test_a_damaged_cache_is_skipped_for_the_next_place(tmp_path: Path, wav: Path) -> None:
    cache = PeakCache(tmp_path / "user")
    project = tmp_path / "talk.wsproj"
    project.write_text("{}")
    cache.keep(pyramid_of(wav), wav, cache.user_path(wav))
    cache.remember_project(wav, project)
    (tmp_path / "talk.wspeaks").write_bytes(b"not peaks")
    loaded = cache.load(wav)
    assert loaded is not None and loaded.path == cache.user_path(wav)
