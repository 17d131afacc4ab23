"""Display gain for the waveform: quiet recordings drawn tall enough to edit, audio unchanged.

Only the drawing is scaled (``render_wave``'s ``gain``); the samples played and refined are never
touched. "Auto" normalises to the file's loudest peak, so the loudest moment fills the height.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup

from wavescribe.core.audio.peaks import FULL_SCALE, PeakPyramid
from wavescribe.gui import settings

AUTO = "auto"
# (label, gain or AUTO) in menu order
CHOICES: list[tuple[str, float | str]] = [
    ("&Normal", 1.0),
    ("&Auto (fit the loudest peak)", AUTO),
    ("×&2", 2.0),
    ("×&4", 4.0),
    ("×&8", 8.0),
]
MAX_AUTO_GAIN = 64.0  # near-silence is not blown up into noise filling the view


def file_peak(pyramid: PeakPyramid) -> int:
    """The largest absolute peak in the file (the coarsest level holds every bin's extremes)."""
    top = pyramid.levels[-1] if pyramid.levels else np.zeros((0, 2), np.int16)
    if not len(top):
        return 0
    return int(max(-int(top[:, 0].min()), int(top[:, 1].max())))


def effective_gain(mode: float | str, pyramid: PeakPyramid | None) -> float:
    """The factor the peaks are drawn with for ``mode`` (a number, or AUTO)."""
    if mode != AUTO:
        return float(mode)
    peak = file_peak(pyramid) if pyramid is not None else 0
    if peak <= 0:
        return 1.0
    return max(1.0, min(MAX_AUTO_GAIN, 0.95 * FULL_SCALE / peak))


def gain_actions(parent: QObject, apply: Callable[[float | str], None]) -> list[QAction]:
    """Checkable, mutually exclusive actions for the View menu; the choice is remembered."""
    group = QActionGroup(parent)
    saved = settings.get_text(settings.WAVEFORM_GAIN, "1.0")
    current: float | str = AUTO if saved == AUTO else _number(saved)
    actions = []
    for label, mode in CHOICES:
        action = QAction(label, parent)
        action.setCheckable(True)
        action.setChecked(mode == current)
        action.setData(mode)
        action.triggered.connect(lambda _=False, m=mode: _choose(m, apply))
        group.addAction(action)
        actions.append(action)
    if not any(a.isChecked() for a in actions):
        actions[0].setChecked(True)
        current = 1.0
    apply(current)
    return actions


def _choose(mode: float | str, apply: Callable[[float | str], None]) -> None:
    settings.set_value(settings.WAVEFORM_GAIN, str(mode))
    apply(mode)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0
