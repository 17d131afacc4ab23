"""The video panel on a real clip: the frame at the playhead (checked against PyAV decoding it on
its own), the cue drawn over it, following seeks and frame steps; no panel for audio; the toggle."""

from __future__ import annotations

import av
import numpy as np
import pytest
from gui_helpers import show_editor
from PySide6.QtGui import QImage
from test_playback import null_sound_card  # noqa: F401  (a fixture)

from shared_data import BUNNY, JFK
from wavescribe.core.transcript import Segment, SourceInfo, Transcript
from wavescribe.gui import settings
from wavescribe.gui.editor.video_panel import VideoPanel, paint_subtitle, visible_text

CUE = "The bunny wakes up\nand stretches"


def bunny_transcript() -> Transcript:
    segs = [
        Segment(500, 1500, "Hello"),
        Segment(1800, 3200, CUE),
        Segment(3600, 4400, "<i>Later</i>"),
    ]
    return Transcript(segs, "en", SourceInfo(str(BUNNY), 5280))


def reference(ms: int, size: tuple[int, int]) -> np.ndarray:
    """The frame a player shows at ``ms``, decoded straight through by PyAV, scaled to ``size``."""
    with av.open(str(BUNNY)) as container:
        shown = None
        for frame in container.decode(video=0):
            if shown is not None and frame.time * 1000 > ms:
                break
            shown = frame
        assert shown is not None
        return shown.to_ndarray(format="rgb24", width=size[0], height=size[1])


def picture(panel: VideoPanel) -> np.ndarray:
    """What the panel shows inside its picture rectangle, as RGB."""
    image = panel.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    r = panel.picture_rect().toRect()
    image = image.copy(r)
    w, h = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return rows[:, : 3 * w].reshape(h, w, 3).copy()


@pytest.fixture
def editor(qtbot):
    panel = show_editor(qtbot, bunny_transcript(), str(BUNNY), width=1200, ms_per_px=None)
    panel.splitter.setSizes([360, 240])
    qtbot.waitUntil(lambda: panel.video.frame is not None, timeout=10_000)
    yield panel
    panel.shutdown()


def seek_and_wait(qtbot, panel, ms: int) -> None:
    panel.player.seek(ms)
    video = panel.video
    qtbot.waitUntil(
        lambda: video.frame is not None and video.frame.start_ms <= ms < video.frame.end_ms,
        timeout=5000,
    )
    qtbot.wait(20)  # the repaint


def test_the_panel_shows_the_frame_at_the_playhead_with_the_cue_over_it(qtbot, editor):
    video = editor.video
    assert video.isVisible() and video.has_video
    assert editor.transport.duration_label.text() == "/ 00:00:05.312"  # the sound, 32 ms longer
    seek_and_wait(qtbot, editor, 2600)  # inside the two-line cue
    assert video.cue_text == CUE
    size = video.frame_size()
    shown = picture(video).astype(int)
    assert shown.shape[:2] == (size[1], size[0])
    expected = reference(2600, size).astype(int)
    other = reference(1000, size).astype(int)
    top = slice(0, size[1] // 2)  # above the subtitle area
    assert np.abs(shown[top] - expected[top]).max() <= 3
    assert np.abs(shown[top] - other[top]).mean() > 10  # a different frame would not pass
    # the subtitle is drawn over the bottom centre: those pixels differ from the bare frame
    bottom = slice(size[1] * 2 // 3, size[1])
    middle = slice(size[0] // 4, size[0] * 3 // 4)
    changed = np.abs(shown[bottom, middle] - expected[bottom, middle]).max(axis=2) > 60
    assert changed.mean() > 0.02
    edge = slice(0, size[0] // 20)  # the left edge of the subtitle band: untouched
    assert not (np.abs(shown[bottom, edge] - expected[bottom, edge]) > 3).any()
    two_lines = text_rows(changed)
    seek_and_wait(qtbot, editor, 1000)  # "Hello": one line
    one = np.abs(picture(video)[bottom, middle].astype(int) - reference(1000, size)[bottom, middle])
    assert 1.6 < two_lines / text_rows(one.max(axis=2) > 60) < 2.6


def text_rows(mask: np.ndarray) -> int:
    """How many pixel rows the drawn text spans."""
    rows = np.flatnonzero(mask.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def painted(text: str, w: int = 320, h: int = 240) -> np.ndarray:
    """Where ``paint_subtitle`` draws ``text`` over a grey picture (a mask)."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QPainter

    image = QImage(w, h, QImage.Format.Format_RGB888)
    image.fill(QColor(128, 128, 128))
    p = QPainter(image)
    paint_subtitle(p, text, QRectF(0, 0, w, h))
    p.end()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return (rows[:, : 3 * w].reshape(h, w, 3).astype(int) != 128).any(axis=2)


def test_long_text_wraps_to_the_picture_width_at_the_bottom_centre():
    short, long = painted("Short"), painted("A rather long line that cannot fit in one row here")
    assert 1.6 < text_rows(long) / text_rows(short) < 2.6  # wrapped to two lines
    cols = np.flatnonzero(long.any(axis=0))
    assert cols[0] >= 320 * 0.05 - 4 and cols[-1] <= 320 * 0.95 + 4  # within 90 % of the width
    assert abs((cols[0] + cols[-1]) / 2 - 160) < 20  # centred
    rows = np.flatnonzero(long.any(axis=1))
    assert rows[0] > 240 / 2 and rows[-1] < 240  # in the lower half


def test_between_cues_the_bare_frame_is_shown(qtbot, editor):
    seek_and_wait(qtbot, editor, 1650)  # after "Hello", before the next cue
    assert editor.video.cue_text == ""
    size = editor.video.frame_size()
    shown = picture(editor.video).astype(int)
    assert np.abs(shown - reference(1650, size).astype(int)).max() <= 3


def test_the_panel_follows_seeks_back_and_forth_and_frame_steps(qtbot, editor):
    video = editor.video
    for ms in (4000, 300, 2000):
        seek_and_wait(qtbot, editor, ms)
        size = video.frame_size()
        top = slice(0, size[1] // 2)  # above any subtitle
        assert np.abs(picture(video)[top].astype(int) - reference(ms, size)[top]).max() <= 3
    assert video.info is not None and video.info.frame_ms == pytest.approx(40)
    editor.actions_by_name["step_forward"].trigger()
    assert editor.player.position_ms == 2040
    qtbot.waitUntil(lambda: video.frame.start_ms == 2040, timeout=5000)
    editor.actions_by_name["step_back"].trigger()
    editor.actions_by_name["step_back"].trigger()
    assert editor.player.position_ms == 1960
    qtbot.waitUntil(lambda: video.frame.start_ms == 1960, timeout=5000)


def test_the_picture_follows_playback(qtbot, editor, null_sound_card):  # noqa: F811
    video, player = editor.video, editor.player
    seek_and_wait(qtbot, editor, 1000)
    shown: list[int] = []
    video.frame_shown.connect(shown.append)
    player.play(1000, 2000)
    qtbot.waitUntil(lambda: not player.is_playing, timeout=5000)
    assert player.position_ms == 2000
    qtbot.waitUntil(lambda: video.frame.start_ms == 2000, timeout=5000)  # where it stopped
    assert shown == sorted(shown) and len(set(shown)) >= 10  # frames came in order, often
    assert video.cue_text == CUE  # the cue that starts at 1.8 s is drawn now


def test_editing_the_cue_text_redraws_it(qtbot, editor):
    from wavescribe.core.editing.commands import SetText

    seek_and_wait(qtbot, editor, 1000)
    assert editor.video.cue_text == "Hello"
    editor.stack.push(SetText(0, "Goodbye"))
    assert editor.video.cue_text == "Goodbye"


def test_hiding_the_video_is_remembered(qtbot, editor):
    assert editor.show_video_action.isEnabled() and editor.show_video_action.isChecked()
    editor.show_video_action.trigger()
    assert not editor.video.isVisible()
    assert settings.get_bool(settings.SHOW_VIDEO, True) is False
    again = show_editor(qtbot, bunny_transcript(), str(BUNNY), ms_per_px=None)
    try:
        assert not again.show_video_action.isChecked()
        qtbot.waitUntil(lambda: again.video.info is not None, timeout=10_000)
        assert not again.video.isVisible()  # a video, but the user hid the panel
        again.show_video_action.trigger()
        assert again.video.isVisible()
        qtbot.waitUntil(lambda: again.video.frame is not None, timeout=5000)
    finally:
        again.shutdown()


def test_an_audio_file_has_no_video_panel(qtbot):
    segs = [Segment(0, 2000, "And so my fellow Americans")]
    panel = show_editor(qtbot, Transcript(segs, "en", SourceInfo(str(JFK), 11000)), str(JFK))
    try:
        qtbot.wait(300)  # the probe is off-thread: give it time to (not) find a video
        assert panel.video.info is None and not panel.video.isVisible()
        assert not panel.show_video_action.isEnabled()
        assert panel.step_ms() == 10
        assert panel.waveform.width() >= 990  # the waveform has the whole width
    finally:
        panel.shutdown()


def test_visible_text_strips_tags_and_notices_italics():
    assert visible_text("<i>Later</i>") == ("Later", True)
    assert visible_text("{\\an8}<b>Top</b> line") == ("Top line", False)
    assert visible_text("a\nb") == ("a\nb", False)
