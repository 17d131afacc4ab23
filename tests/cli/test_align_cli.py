"""``wavescribe align`` end to end: real FLEURS speech, tiny.en, a plain-text script."""

from __future__ import annotations

from pathlib import Path

import pytest

from align_speech import fleurs_layout, write_wav
from wavescribe.cli import EXIT_INPUT, EXIT_OK, main
from wavescribe.core import formats

EXTRA = "This sentence was never read aloud by anyone here."


def test_align_writes_the_script_words_timed_and_reports_what_was_not_found(
    tmp_path: Path, tiny_en_ggml: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audio, clips = fleurs_layout([3, 9])
    wav = write_wav(tmp_path / "speech.wav", audio)
    script = tmp_path / "script.txt"
    script.write_text(f"{clips[0].text}\n\n{EXTRA}\n\n{clips[1].text}\n", encoding="utf-8")
    args = ["-o", str(tmp_path), "-f", "srt,json", "-m", str(tiny_en_ggml), "-l", "en"]
    code = main(["align", str(wav), str(script), *args])
    assert code == EXIT_OK
    out = next(tmp_path.glob("*.srt"))
    result = formats.read(out)
    # The script's own words were force-aligned; the transcription under it skipped that step.
    saved = formats.read(next(tmp_path.glob("*.json")))
    assert saved.metadata["alignment"]["forced_alignment"]["failed_regions"] == 0
    assert saved.metadata["refinement"]["forced_alignment"] is None
    words = [w for s in result.segments for w in s.text.split()]
    assert words == script.read_text(encoding="utf-8").split()
    err = capsys.readouterr().err
    assert "not found in the audio" in err and "1 passage(s) flagged" in err
    assert abs(result.segments[0].start - clips[0].start_ms) < 300


def test_align_rejects_a_missing_script_with_one_line(tmp_path: Path, capsys) -> None:
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"")
    code = main(["align", str(wav), str(tmp_path / "nope.txt")])
    assert code == EXIT_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.txt" in err[0] and "no such file" in err[0]
