"""Speakers in the editor: the list column, number keys, rename and merge, each one undo step."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from gui_helpers import show_editor
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from wavescribe.core import formats
from wavescribe.core.editing.speaker_commands import MergeSpeakers, RenameSpeaker
from wavescribe.core.transcript import Segment, SourceInfo, Transcript
from wavescribe.gui.editor.segment_model import SegmentModel

RATE = 16000


@pytest.fixture
def editor(qtbot, tmp_path: Path):
    path = tmp_path / "talk.wav"
    t = np.arange(6 * RATE) / RATE
    sf.write(path, (0.2 * np.sin(2 * np.pi * 220 * t)).astype("f4"), RATE)
    segs = [Segment(1000, 2000, "one"), Segment(2500, 3500, "two"), Segment(4000, 5000, "three")]
    panel = show_editor(qtbot, Transcript(segs, "en", SourceInfo(str(path), 6000)), str(path))
    yield panel
    panel.shutdown()


def speakers_column(panel) -> list[str]:
    model = panel.model
    return [model.index(r, SegmentModel.SPEAKER).data() for r in range(model.rowCount())]


def test_typing_a_name_in_the_speaker_column_assigns_it_in_one_step(editor):
    before = copy.deepcopy(editor.stack.doc.to_dict())
    model = editor.model
    assert model.headerData(SegmentModel.SPEAKER, Qt.Orientation.Horizontal, 0) == "Speaker"
    assert model.setData(model.index(0, SegmentModel.SPEAKER), "Ann")
    assert model.setData(model.index(2, SegmentModel.SPEAKER), "Ann")  # the same speaker again
    assert speakers_column(editor) == ["Ann", "", "Ann"]
    sid = editor.stack.doc.segments[0].speaker
    assert editor.stack.doc.segments[2].speaker == sid
    swatch = model.index(0, SegmentModel.SPEAKER).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(swatch, QColor) and swatch.isValid()
    editor.undo_action.trigger()
    editor.undo_action.trigger()
    assert editor.stack.doc.to_dict() == before


def test_number_keys_give_the_selected_cues_a_speaker(qtbot, editor):
    editor.table.selectRow(1)
    editor.actions_by_name["speaker_2"].trigger()
    assert editor.stack.doc.segments[1].speaker is not None
    assert speakers_column(editor)[1] == "Speaker 1"  # the first speaker there is, numbered 1
    editor.table.selectRow(0)
    editor.actions_by_name["speaker_1"].trigger()
    assert editor.stack.doc.segments[0].speaker == editor.stack.doc.segments[1].speaker
    assert editor.stack.qstack.count() == 2


def test_rename_and_merge_change_every_cue_and_undo_in_one_step(editor):
    model = editor.model
    for row, name in ((0, "Ann"), (1, "Bob"), (2, "Ann")):
        model.setData(model.index(row, SegmentModel.SPEAKER), name)
    ann, bob = editor.stack.doc.segments[0].speaker, editor.stack.doc.segments[1].speaker
    assert editor.stack.push(RenameSpeaker(ann, "Dr. Ann Lee"))
    assert speakers_column(editor) == ["Dr. Ann Lee", "Bob", "Dr. Ann Lee"]
    assert editor.stack.push(MergeSpeakers(bob, ann))
    assert speakers_column(editor) == ["Dr. Ann Lee"] * 3
    editor.undo_action.trigger()
    assert speakers_column(editor) == ["Dr. Ann Lee", "Bob", "Dr. Ann Lee"]
    editor.undo_action.trigger()
    assert speakers_column(editor) == ["Ann", "Bob", "Ann"]
    vtt = formats.to_string(editor.stack.doc.transcript, "vtt")
    back = formats.from_string(vtt, "vtt")
    assert [back.speaker_name(s.speaker) for s in back.segments] == ["Ann", "Bob", "Ann"]


def test_the_waveform_draws_a_band_in_each_speakers_colour(editor):
    model = editor.model
    model.setData(model.index(0, SegmentModel.SPEAKER), "Ann")
    model.setData(model.index(1, SegmentModel.SPEAKER), "Bob")
    table = editor.stack.doc.transcript.speakers
    wave = editor.waveform
    image = wave.grab().toImage()
    y = image.height() - 2
    for seg in editor.stack.doc.segments[:2]:
        x = round(wave.x_of((seg.start + seg.end) // 2))
        assert image.pixelColor(x, y).name() == table[seg.speaker].colour
    x = round(wave.x_of(4500))  # the third cue has no speaker: no band
    assert image.pixelColor(x, y).name() not in {s.colour for s in table.values()}


def test_find_speakers_runs_off_the_gui_thread_and_is_one_undo_step(qtbot, tmp_path):
    """Real speech of two real speakers; the editor stays responsive and Undo takes it back."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from conversation_layout import CONVERSATIONS, build_conversation
    from wavescribe.core.speakers.count import SpeakerCount

    conv = build_conversation(CONVERSATIONS["two"], seed=1, turns=4)
    path = tmp_path / "two.wav"
    sf.write(path, conv.audio, RATE)
    segs = [Segment(a, b, f"turn {i}") for i, (a, b, _) in enumerate(conv.truth)]
    transcript = Transcript(segs, "en", SourceInfo(str(path), conv.duration_ms))
    panel = show_editor(qtbot, transcript, str(path))
    try:
        qtbot.waitUntil(lambda: panel.samples is not None, timeout=30_000)
        before = copy.deepcopy(panel.stack.doc.to_dict())
        assert panel.speaker_actions.finder.start(panel.stack, panel.samples, SpeakerCount())
        assert (
            panel.speaker_actions.finder.dialog is not None
        )  # progress with Cancel, GUI not blocked
        qtbot.waitUntil(lambda: not panel.speaker_actions.finder.busy, timeout=120_000)
        labels = [s.speaker for s in panel.stack.doc.segments]
        truth = [who for _, _, who in conv.truth]
        assert len(set(labels)) == 2
        assert all(
            (labels[i] == labels[j]) == (truth[i] == truth[j])
            for i in range(len(truth))
            for j in range(len(truth))
        )
        assert panel.stack.qstack.count() == 1
        panel.undo_action.trigger()
        assert panel.stack.doc.to_dict() == before
    finally:
        panel.shutdown()


def test_rename_and_merge_from_the_editors_actions(editor, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    model = editor.model
    for row, name in ((0, "Ann"), (1, "Bob"), (2, "Ann")):
        model.setData(model.index(row, SegmentModel.SPEAKER), name)
    picks = iter(["Ann (S1)", "Bob (S2)", "Dr. Ann (S1)"])
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: (next(picks), True))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Dr. Ann", True))
    editor.actions_by_name["rename_speaker"].trigger()
    assert speakers_column(editor) == ["Dr. Ann", "Bob", "Dr. Ann"]
    editor.actions_by_name["merge_speakers"].trigger()  # Bob into Dr. Ann
    assert speakers_column(editor) == ["Dr. Ann"] * 3
    editor.undo_action.trigger()
    assert speakers_column(editor) == ["Dr. Ann", "Bob", "Dr. Ann"]
