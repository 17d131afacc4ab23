"""The worker's speaker step labels cues after refinement; a failure costs only the labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversation_layout import CONVERSATIONS, build_conversation
from wavescribe.core import errors
from wavescribe.core.engine import worker
from wavescribe.core.speakers import encoder
from wavescribe.core.transcript import Segment, Transcript


@pytest.fixture(scope="module")
def talk():
    conv = build_conversation(CONVERSATIONS["two"], seed=1, turns=4)
    segments = [Segment(a, b, f"turn {i}") for i, (a, b, _) in enumerate(conv.truth)]
    return conv, segments


def test_the_speaker_step_labels_the_cues_and_reports_progress(talk):
    conv, segments = talk
    t = Transcript(list(segments))
    events: list[tuple] = []
    worker._find_speakers(t, conv.audio, "auto", events.append, lambda: False)
    truth = [who for _, _, who in conv.truth]
    labels = [s.speaker for s in t.segments]
    assert len(set(labels)) == 2 and set(t.speakers) == set(labels)
    assert all(
        (labels[i] == labels[j]) == (truth[i] == truth[j]) for i in range(4) for j in range(4)
    )
    assert t.metadata["speakers"]["found"] == 2
    stages = [e for e in events if e[0] == "progress"]
    assert stages[0] == ("progress", "speakers", 0.0) and stages[-1] == (
        "progress",
        "speakers",
        1.0,
    )


def test_a_failing_speaker_step_keeps_the_transcript_and_says_why(talk, monkeypatch):
    conv, segments = talk
    monkeypatch.setattr(encoder, "_weights", None)
    monkeypatch.setattr(encoder, "bundled_npz", lambda: None)
    monkeypatch.setattr(encoder, "cached_npz", lambda: Path("/nonexistent/voice_encoder.npz"))
    monkeypatch.setattr(encoder, "resemblyzer_checkpoint", lambda: None)
    t = Transcript(list(segments))
    events: list[tuple] = []
    worker._find_speakers(t, conv.audio, "3", events.append, lambda: False)
    assert [s.text for s in t.segments] == [s.text for s in segments]
    assert all(s.speaker is None for s in t.segments)
    assert "install the 'speakers' extra" in t.metadata["speakers_skipped"]
    assert any(e[0] == "warning" and "speaker detection failed" in e[1] for e in events)
    monkeypatch.setattr(encoder, "_weights", None)


def test_cancel_stops_the_speaker_step(talk):
    conv, segments = talk
    with pytest.raises(errors.Cancelled):
        worker._find_speakers(
            Transcript(list(segments)), conv.audio, "auto", lambda e: None, lambda: True
        )
