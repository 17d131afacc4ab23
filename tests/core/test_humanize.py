"""Sizes and durations are written one way, for the CLI and the GUI alike."""

from __future__ import annotations

import pytest

from wavescribe.core.humanize import (
    format_clock,
    format_duration,
    format_gb,
    format_ms,
    format_size,
)


@pytest.mark.parametrize(
    "size, text",
    [
        (None, "?"),
        (0, "0 bytes"),
        (999, "999 bytes"),
        (300_000, "300.0 kB"),
        (75_500_000, "75.5 MB"),
        (1_620_000_000, "1.6 GB"),
        (4.1e6, "4.1 MB"),  # a rate in bytes per second
    ],
)
def test_sizes_are_decimal_with_one_decimal(size: float | None, text: str) -> None:
    assert format_size(size) == text


def test_memory_figures_stay_in_gigabytes_to_compare() -> None:
    assert format_gb(400_000_000) == "0.4 GB"
    assert format_gb(2e9) == "2.0 GB"
    assert format_gb(80e6) == "80 MB"


@pytest.mark.parametrize(
    "seconds, text",
    [(0, "0 s"), (6.6, "7 s"), (125, "2 min 05 s"), (3725, "1 h 02 min"), (-3, "0 s")],
)
def test_durations_read_as_words(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_clock_shows_hours_only_when_needed_or_asked() -> None:
    assert format_clock(75) == "1:15"
    assert format_clock(3725) == "1:02:05"
    assert format_clock(75, hours=True) == "0:01:15"
    assert format_clock(None) == ""


def test_cue_times_keep_milliseconds() -> None:
    assert format_ms(61_005) == "01:01.005"
    assert format_ms(3_723_004) == "1:02:03.004"
    assert format_ms(-250) == "-00:00.250"
