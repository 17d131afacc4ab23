"""``wavescribe transcribe --speakers``: voice tags and name prefixes from real speakers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import soundfile as sf

from conversation_layout import CONVERSATIONS, RATE, build_conversation
from wavescribe.core import formats


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WAVESCRIBE_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "wavescribe", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_speakers_auto_labels_the_cues_of_two_real_speakers(tmp_path):
    conv = build_conversation(CONVERSATIONS["two"], seed=1, turns=4)
    audio = tmp_path / "talk.wav"
    sf.write(audio, conv.audio, RATE)
    out = tmp_path / "out"
    r = run_cli(
        tmp_path / "data",
        "transcribe", str(audio), "-o", str(out), "-f", "vtt,txt,json",
        "--speakers", "auto", "--speaker-names", "prefix", "--beam-size", "1", "-q",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    vtt = formats.read(out / "talk.vtt")
    names = {vtt.speaker_name(s.speaker) for s in vtt.segments}
    assert names == {"Speaker 1", "Speaker 2"}
    full = formats.read(out / "talk.json")
    assert set(full.speakers) == {"S1", "S2"}
    for seg in full.segments:  # a cue never mixes two speakers
        assert {w.speaker for w in seg.words} <= {seg.speaker}
        truth = {who for a, b, who in conv.truth if a < seg.end and b > seg.start}
        assert len(truth) == 1 or seg.end - seg.start < 3000, (seg, truth)
    text = (out / "talk.txt").read_text()
    assert text.startswith("Speaker 1: ") and "\n\nSpeaker 2: " in text


def test_a_bad_speaker_count_is_a_usage_error_in_one_line(tmp_path):
    r = run_cli(tmp_path, "transcribe", "x.wav", "--speakers", "0")
    assert r.returncode == 2
    assert "speakers: '0' is not a count between 1 and 20" in r.stderr
    assert "Traceback" not in r.stderr


def test_speakers_that_cannot_be_found_are_said_even_when_quiet(tmp_path):
    """A broken 'speakers' install (no encoder weights): the files are written, and the user,
    who asked for speakers, is told why there are none, even with --quiet."""
    from shared_data import JFK

    broken = tmp_path / "site" / "resemblyzer"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("")  # the package without its pretrained.pt
    env = {
        **os.environ,
        "WAVESCRIBE_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": os.pathsep.join([str(broken.parent), os.environ.get("PYTHONPATH", "")]),
    }
    out = tmp_path / "out"
    args = ["transcribe", str(JFK), "-o", str(out), "-f", "vtt", "--speakers", "2", "-q"]
    r = subprocess.run(
        [sys.executable, "-m", "wavescribe", *args, "--beam-size", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    assert "speakers not found" in r.stderr and "install the 'speakers' extra" in r.stderr
    vtt = formats.read(out / "jfk.vtt")
    assert "ask not what your country" in vtt.text.lower()
    assert all(s.speaker is None for s in vtt.segments)
