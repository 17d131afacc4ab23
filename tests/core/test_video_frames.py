"""The video frame reader on real clips: the right picture at a time, seeking and decoding on."""

from __future__ import annotations

import av
import numpy as np
import pytest

from shared_data import BUNNY, JFK, VIDEO_DIR
from wavescribe.core.errors import InputNotFound, UnsupportedAudio
from wavescribe.core.video.frames import FrameReader, fit_size, probe_video


def reference_frames(path) -> list[tuple[int, np.ndarray]]:
    """Every frame's start (ms) and RGB, decoded straight through with PyAV."""
    with av.open(str(path)) as container:
        return [
            (round(f.time * 1000), f.to_ndarray(format="rgb24")) for f in container.decode(video=0)
        ]


def shown_at(frames: list[tuple[int, np.ndarray]], ms: int) -> tuple[int, np.ndarray]:
    before = [f for f in frames if f[0] <= ms]
    return before[-1] if before else frames[0]


def test_probe_reports_size_rate_and_length() -> None:
    info = probe_video(BUNNY)
    assert info is not None
    assert (info.width, info.height) == (320, 240)
    assert info.fps == pytest.approx(25.0)
    assert info.frame_ms == pytest.approx(40.0)
    assert 5200 <= info.duration_ms <= 5400


def test_matroska_rate_is_measured_not_the_announced_one() -> None:
    info = probe_video(VIDEO_DIR / "sample.mkv")  # announces 1000 (and guesses 60) for ~30 fps
    assert info is not None and 29 <= info.fps <= 31


def test_audio_has_no_video() -> None:
    assert probe_video(JFK) is None
    with pytest.raises(UnsupportedAudio, match="no video"):
        FrameReader(JFK)


def test_missing_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(InputNotFound):
        probe_video(tmp_path / "nope.mp4")


@pytest.mark.parametrize("clip", ["big_buck_bunny_small.mp4", "sample.mkv", "sample.mp4"])
def test_frame_at_is_the_frame_a_player_shows(clip: str) -> None:
    path = VIDEO_DIR / clip
    frames = reference_frames(path)
    last = frames[-1][0]
    with FrameReader(path) as reader:
        # forward, backward and far jumps, between and exactly on frame starts
        for ms in (0, 15, frames[3][0], frames[3][0] - 1, last // 2, 10, last, last + 5000, 40):
            start, rgb = shown_at(frames, ms)
            got = reader.frame_at(ms)
            assert got.start_ms == start, (clip, ms)
            assert got.start_ms <= max(ms, frames[0][0]) < got.end_ms or ms > last
            np.testing.assert_array_equal(got.rgb, rgb)


def test_playback_decodes_forward_without_seeking() -> None:
    with FrameReader(BUNNY) as reader:
        for ms in range(0, 5000, 33):
            reader.frame_at(ms, (160, 120))
        assert reader.seeks == 1  # the first look-up only
        assert reader.decoded <= 130  # each frame once
        reader.frame_at(200, (160, 120))  # back: a seek to the keyframe before
        assert reader.seeks == 2


def test_cache_serves_frames_stepped_over_again() -> None:
    with FrameReader(BUNNY) as reader:
        a = reader.frame_at(2000, (160, 120))
        reader.frame_at(2040, (160, 120))
        decoded, seeks = reader.decoded, reader.seeks
        again = reader.frame_at(2010, (160, 120))
        assert again is a
        assert (reader.decoded, reader.seeks) == (decoded, seeks)


def test_scaled_frame_has_the_asked_size_and_the_same_picture() -> None:
    frames = reference_frames(BUNNY)
    with FrameReader(BUNNY) as reader:
        small = reader.frame_at(3000, (160, 120)).rgb
    assert small.shape == (120, 160, 3)
    full = shown_at(frames, 3000)[1].astype(np.float64)
    halved = full.reshape(120, 2, 160, 2, 3).mean(axis=(1, 3))
    other = shown_at(frames, 1000)[1].astype(np.float64).reshape(120, 2, 160, 2, 3).mean((1, 3))
    assert np.abs(small - halved).mean() < 6
    assert np.abs(small - other).mean() > 20


def test_fit_size_keeps_the_aspect() -> None:
    assert fit_size(320, 240, 800, 300) == (400, 300)
    assert fit_size(1920, 1080, 640, 640) == (640, 360)
    assert fit_size(320, 240, 0, 0) == (320, 240)
