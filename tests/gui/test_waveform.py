"""The timeline's maths and its peak cache, without painting."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf

from wavescribe.core.project.peak_cache import PeakCache
from wavescribe.gui.editor.timeline.geometry import MIN_MS_PER_PX, Viewport, ruler_label, tick_step
from wavescribe.gui.editor.timeline.peak_loader import decode_with_peaks


def test_pixels_and_milliseconds_map_both_ways_and_clamp_to_the_audio():
    vp = Viewport(duration_ms=60_000, width_px=600, start_ms=1000, ms_per_px=10)
    assert vp.x_of(2000) == 100
    assert vp.ms_at(100) == 2000
    assert vp.ms_at(-500) == 0
    vp.scroll_to(1e9)
    assert vp.end_ms == 60_000


def test_zoom_keeps_the_time_under_the_cursor_and_stops_at_both_ends():
    vp = Viewport(duration_ms=3 * 3_600_000, width_px=1000)
    vp.fit_all()
    assert vp.ms_per_px == 3 * 3_600_000 / 1000
    vp.zoom_by(-1)
    assert vp.ms_per_px == vp.max_ms_per_px  # never beyond the whole file
    vp.set_zoom(100, anchor_x=250)
    under = vp.ms_at(250)
    vp.zoom_by(2, anchor_x=250)
    assert abs(vp.ms_at(250) - under) <= 1
    vp.zoom_by(50)
    assert vp.ms_per_px == MIN_MS_PER_PX


def test_show_range_and_ensure_visible():
    vp = Viewport(duration_ms=100_000, width_px=1000, ms_per_px=10)
    vp.show_range(50_000, 60_000)
    assert vp.start_ms < 50_000 and vp.end_ms > 60_000 and vp.visible_ms < 13_000
    vp.ensure_visible(90_000, 91_000)
    assert vp.start_ms <= 90_000 and vp.end_ms >= 91_000


def test_ruler_steps_leave_room_for_labels():
    assert tick_step(1.0) == 100
    assert tick_step(10_000) == 900_000
    assert ruler_label(61_500, 500) == "1:01.5"
    assert ruler_label(3_723_000, 60_000) == "1:02:03"


def test_peaks_are_cached_and_a_changed_file_is_recomputed(tmp_path: Path):
    audio = tmp_path / "a.wav"
    sf.write(audio, (np.random.default_rng(0).standard_normal(32000) * 0.1).astype("f4"), 16000)
    peaks = PeakCache(tmp_path / "peaks")
    cache = peaks.user_path(audio)
    assert peaks.load(audio, cache) is None
    samples, pyramid = decode_with_peaks(peaks, audio, cache, None)
    assert len(samples) == 32000 and pyramid.duration_ms == 2000
    cached = peaks.load(audio, cache)
    assert cached is not None and np.array_equal(cached.levels[0], pyramid.levels[0])
    os.utime(audio, ns=(1, 1))  # the file changed since
    assert peaks.load(audio, cache) is None
