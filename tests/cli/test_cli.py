"""The ``wavescribe`` command as a user runs it: a real process, real model, real files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shared_data import JFK
from wavescribe.core import formats

FAST = ["--beam-size", "1", "--no-refine", "-q"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wavescribe-data")


def run_cli(data_dir: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "WAVESCRIBE_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "wavescribe", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def test_first_run_installs_the_starter_model_and_writes_every_format(data_dir, tmp_path):
    out = tmp_path / "out"
    r = run_cli(data_dir, "transcribe", str(JFK), "-o", str(out), "-f", "srt,vtt,txt,json")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["jfk.json", "jfk.srt", "jfk.txt", "jfk.vtt"]
    srt = formats.read(out / "jfk.srt")
    assert "fellow americans" in srt.text.lower()
    assert formats.read(out / "jfk.vtt").text == srt.text
    assert "ask not what your country" in " ".join((out / "jfk.txt").read_text().lower().split())
    full = formats.read(out / "jfk.json")
    assert full.segments[0].words and full.source is not None
    assert full.metadata["word_timing"] == "dtw"  # refined: words timed by whisper.cpp's DTW
    assert (data_dir / "models" / "tiny.en-starter.bin").is_file()
    models = run_cli(data_dir, "models", "list")
    assert models.returncode == 0
    assert "tiny.en-starter" in models.stdout


def test_output_file_name_and_format_from_its_extension(data_dir, tmp_path):
    target = tmp_path / "named.vtt"
    r = run_cli(data_dir, "transcribe", str(JFK), "-o", str(target), *FAST)
    assert r.returncode == 0, r.stderr
    assert target.read_text().startswith("WEBVTT")


def test_raw_output_keeps_whisper_cpps_own_word_times_without_dtw(data_dir, tmp_path):
    """--no-refine is whisper.cpp's output as it comes: no DTW pass (it costs 9-16 %)."""
    target = tmp_path / "raw.json"
    r = run_cli(data_dir, "transcribe", str(JFK), "-o", str(target), *FAST)
    assert r.returncode == 0, r.stderr
    raw = formats.read(target)
    assert raw.metadata["word_timing"] == "whisper"
    assert "fellow americans" in raw.text.lower()


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (lambda d: d / "missing.wav", "does not exist"),
        (lambda d: _write(d / "letter.mp3", b"Dear reader,\n" * 200), "not an audio or video"),
        (lambda d: _write(d / "empty.wav", b""), "empty"),
    ],
)
def test_bad_input_exits_3_with_one_line_and_no_traceback(data_dir, tmp_path, make_input, message):
    src = make_input(tmp_path)
    r = run_cli(data_dir, "transcribe", str(src), "-o", str(tmp_path / "out"), *FAST)
    assert r.returncode == 3, r.stderr
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_one_bad_file_does_not_cost_the_others_their_subtitles(data_dir, tmp_path):
    bad = _write(tmp_path / "bad.wav", b"RIFF....not really")
    r = run_cli(data_dir, "transcribe", str(bad), str(JFK), "-o", str(tmp_path), *FAST)
    assert r.returncode == 3
    assert (tmp_path / "jfk.srt").is_file()
    assert not (tmp_path / "bad.srt").exists()


def test_a_corrupt_model_exits_4(data_dir, tmp_path):
    model = _write(tmp_path / "ggml-fake.bin", b"lmgg" + os.urandom(5000))
    r = run_cli(data_dir, "transcribe", str(JFK), "-m", str(model), "-o", str(tmp_path), *FAST)
    assert r.returncode == 4, r.stderr
    assert "ggml-fake.bin" in r.stderr and "Traceback" not in r.stderr


def test_an_unknown_model_id_exits_4_and_says_how_to_get_one(data_dir, tmp_path):
    r = run_cli(data_dir, "transcribe", str(JFK), "-m", "no-such-model", "-o", str(tmp_path))
    assert r.returncode == 4
    assert "no-such-model" in r.stderr
    assert "`wavescribe models list`" in r.stderr  # the core's hint, phrased for a terminal
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [[], ["transcribe"], ["transcribe", "x.wav", "-f", "docx"], ["transcribe", "x", "-t", "0"]],
)
def test_usage_errors_exit_2(data_dir, args):
    assert run_cli(data_dir, *args).returncode == 2


def test_ctrl_c_exits_130_and_leaves_no_output(data_dir, tmp_path, long_speech_wav):
    out = tmp_path / "out"
    env = {**os.environ, "WAVESCRIBE_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "wavescribe", "transcribe", str(long_speech_wav), "-o", str(out)],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # non-tty progress: one line per stage step
        if "Transcribing" in line:
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    rest = proc.stderr.read()
    code = proc.wait(30)
    assert code == 130, rest
    assert time.monotonic() - sent < 5
    assert "cancelled" in rest
    assert not out.exists() or not list(out.iterdir())


def test_models_import_remove_and_default(data_dir, tmp_path, tiny_en_ggml):
    r = run_cli(data_dir, "models", "import", str(tiny_en_ggml), "--id", "my-tiny")
    assert r.returncode == 0, r.stderr
    assert run_cli(data_dir, "models", "default", "my-tiny").returncode == 0
    listing = run_cli(data_dir, "models", "list").stdout
    assert any(line.startswith("* my-tiny") for line in listing.splitlines()), listing
    assert run_cli(data_dir, "models", "remove", "my-tiny").returncode == 0
    assert "my-tiny" not in run_cli(data_dir, "models", "list").stdout
    assert run_cli(data_dir, "models", "remove", "my-tiny").returncode == 4


def test_models_import_converts_a_faster_whisper_folder(tmp_path):
    from wavescribe.core.models.ct2_convert import starter_model_dir

    r = run_cli(tmp_path, "models", "import", str(starter_model_dir()), "--id", "fw-tiny")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "models" / "fw-tiny.bin").stat().st_size > 70_000_000


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
