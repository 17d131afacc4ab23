"""Issue 13 through the command line: never lose the user's files, every failure one clear line.

Each test runs ``wavescribe`` as a real process on real audio with the real starter model; a
read-only folder is a read-only bind mount and a full disk a small tmpfs (see ``mounts``).
The table in tests/README.md maps each failure case to its test here.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

import mounts
from shared_data import JFK
from wavescribe.core import errors

FAST = ["--beam-size", "1", "--no-refine", "-q"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the starter model installed (converted once for the module)."""
    folder = tmp_path_factory.mktemp("wavescribe-data")
    r = run_cli(folder, "transcribe", str(JFK), "-o", str(folder / "warm-up"), *FAST)
    assert r.returncode == 0, r.stderr
    return folder


def run_cli(
    data_dir: Path, *args: str, umask: int | None = None, **env: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wavescribe", *args],
        capture_output=True,
        text=True,
        errors="replace",
        env={**os.environ, "WAVESCRIBE_DATA_DIR": str(data_dir), **env},
        timeout=300,
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),
    )


def one_line_error(stderr: str) -> str:
    """The error lines of a run; a traceback fails the test."""
    assert "Traceback" not in stderr, stderr
    errors = [ln for ln in stderr.splitlines() if ln.startswith("wavescribe: error:")]
    assert errors, stderr
    return "\n".join(errors)


def copy_jfk(folder: Path, name: str | bytes = "jfk.flac") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
    shutil.copyfile(JFK, target)
    return target


# --- 2: Ctrl-C while the model loads --------------------------------------------------------
def test_ctrl_c_while_the_model_loads_cancels_and_keeps_the_old_output(
    data_dir: Path, tmp_path: Path, long_speech_wav: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    old = out / "long.srt"
    old.write_text("1\n00:00:00,000 --> 00:00:01,000\nmy edited subtitles\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "wavescribe", "transcribe", str(long_speech_wav), "-o", str(out)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "WAVESCRIBE_DATA_DIR": str(data_dir)},
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    assert proc.stderr is not None
    try:
        for line in proc.stderr:
            if "Loading model" in line:
                break
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole group gets it
        rest = proc.stderr.read()
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert code == 130, rest
    assert "cancelled" in rest and "Traceback" not in rest and "crash" not in rest.lower()
    assert old.read_text().endswith("my edited subtitles\n")
    assert sorted(p.name for p in out.iterdir()) == ["long.srt"]


# --- 3: one job's formats all or nothing ----------------------------------------------------
def test_formats_are_all_or_nothing_on_a_full_disk(data_dir: Path, tmp_path: Path) -> None:
    with mounts.tmpfs(tmp_path / "disk", 64) as disk:
        stale_json = disk / "jfk.json"
        stale_json.write_text('{"old": true}\n')
        mounts.fill(disk, leave_pages=1)  # room for the new SRT, none for the JSON after it
        r = run_cli(data_dir, "transcribe", str(JFK), "-o", str(disk), "-f", "srt,json", *FAST)
        assert r.returncode == 1, r.stderr
        line = one_line_error(r.stderr)
        assert "No space left" in line and "old files were left as they were" in line
        assert stale_json.read_text() == '{"old": true}\n'
        assert sorted(p.name for p in disk.iterdir()) == [".filler", "jfk.json"]


# --- 4: two inputs, one output name ---------------------------------------------------------
def test_inputs_with_the_same_stem_are_refused_before_any_work(
    data_dir: Path, tmp_path: Path
) -> None:
    a_flac = copy_jfk(tmp_path / "in", "a.flac")
    a_wav = tmp_path / "in" / "a.wav"
    a_wav.symlink_to(JFK)
    out = tmp_path / "out"
    started = time.monotonic()
    r = run_cli(data_dir, "transcribe", str(a_flac), str(a_wav), "-o", str(out), "-f", "txt")
    assert r.returncode == 2, r.stderr
    assert "a.flac" in r.stderr and "a.wav" in r.stderr and "a.txt" in r.stderr
    assert not out.exists()
    assert time.monotonic() - started < 10  # refused at once, not after transcribing


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ([str(JFK), str(JFK)], "is given more than once"),
        ([str(JFK), "-o", ""], "-o is empty"),
    ],
)
def test_an_input_twice_or_an_empty_output_is_a_usage_error(
    data_dir: Path, args: list[str], reason: str
) -> None:
    r = run_cli(data_dir, "transcribe", *args, *FAST)
    assert r.returncode == 2 and reason in r.stderr, r.stderr


def test_a_format_given_twice_is_written_once(data_dir: Path, tmp_path: Path) -> None:
    r = run_cli(data_dir, "transcribe", str(JFK), "-o", str(tmp_path), "-f", "srt,SRT", *FAST)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["jfk.srt"]


# --- 5: a model damaged inside its tensor data ---------------------------------------------
def test_a_model_damaged_inside_its_tensors_exits_4(data_dir: Path, tmp_path: Path) -> None:
    own = tmp_path / "data"
    starter = data_dir / "models" / "tiny.en-starter.bin"
    assert run_cli(own, "models", "import", str(starter), "--id", "dmg").returncode == 0
    model = own / "models" / "dmg.bin"
    size = model.stat().st_size
    with open(model, "r+b") as f:  # same size, bytes overwritten deep inside the weights
        f.seek(size // 2)
        f.write(os.urandom(64 * 1024))
    assert model.stat().st_size == size
    r = run_cli(own, "transcribe", str(JFK), "-m", "dmg", "-o", str(tmp_path / "out"), *FAST)
    assert r.returncode == 4, r.stderr
    line = one_line_error(r.stderr)
    assert "'dmg' is damaged" in line and "models remove dmg" in line
    assert not (tmp_path / "out").exists()


def test_an_intact_model_is_not_hashed_again(data_dir: Path, tmp_path: Path) -> None:
    sidecar = json.loads((data_dir / "models" / "tiny.en-starter.json").read_text())
    st = (data_dir / "models" / "tiny.en-starter.bin").stat()
    assert sidecar["verified_stat"] == [st.st_size, st.st_mtime_ns, st.st_ino]


# --- 6: output problems: one line, exit 1 for that input, the others still done -------------
def test_a_read_only_output_folder_fails_that_input_only(data_dir: Path, tmp_path: Path) -> None:
    locked = copy_jfk(tmp_path / "locked")
    free = copy_jfk(tmp_path / "free")
    with mounts.read_only(tmp_path / "locked"):
        r = run_cli(data_dir, "transcribe", str(locked), str(free), *FAST)
    assert r.returncode == 1, r.stderr
    line = one_line_error(r.stderr)
    assert "read-only" in line and str(tmp_path / "locked") in line
    assert (tmp_path / "free" / "jfk.srt").is_file()
    assert not (tmp_path / "locked" / "jfk.srt").exists()


def test_a_full_disk_fails_that_input_only(data_dir: Path, tmp_path: Path) -> None:
    free = copy_jfk(tmp_path / "free", "other.flac")
    with mounts.tmpfs(tmp_path / "disk", 2048) as disk:
        full = copy_jfk(disk)
        mounts.fill(disk)
        r = run_cli(data_dir, "transcribe", str(full), str(free), *FAST)
        assert r.returncode == 1, r.stderr
        assert "No space left on device" in one_line_error(r.stderr)
        assert sorted(p.name for p in disk.iterdir()) == [".filler", "jfk.flac"]
    assert (tmp_path / "free" / "other.srt").is_file()


def test_output_naming_an_existing_file_without_extension(data_dir: Path, tmp_path: Path) -> None:
    existing = tmp_path / "notes"
    existing.write_text("keep me")
    r = run_cli(data_dir, "transcribe", str(JFK), "-o", str(existing), *FAST)
    assert r.returncode == 1, r.stderr
    assert "is a file" in one_line_error(r.stderr)
    assert existing.read_text() == "keep me"


def test_an_input_name_that_is_not_utf8_is_transcribed(data_dir: Path, tmp_path: Path) -> None:
    src = copy_jfk(tmp_path, b"caf\xe9.flac")
    r = run_cli(data_dir, "transcribe", str(src), "-f", "json,srt", *FAST)
    assert r.returncode == 0, r.stderr
    written = os.listdir(os.fsencode(tmp_path))
    assert b"caf\xe9.json" in written and b"caf\xe9.srt" in written
    doc = json.loads((tmp_path / os.fsdecode(b"caf\xe9.json")).read_text(encoding="utf-8"))
    assert doc["source"]["path"] == "caf\ufffd.flac"


# --- 7: the data folder cannot be written ----------------------------------------------------
def test_a_read_only_data_folder_is_one_line_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with mounts.read_only(data):
        r = run_cli(data, "transcribe", str(JFK), "-o", str(tmp_path / "out"), *FAST)
    assert r.returncode == 1, r.stderr
    line = one_line_error(r.stderr)
    assert "data folder" in line and "read-only" in line and "WAVESCRIBE_DATA_DIR" in line
    assert len(r.stderr.strip().splitlines()) == 1


# --- 8: file modes ---------------------------------------------------------------------------
def test_written_files_follow_the_umask_and_keep_an_existing_mode(
    data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    kept = out / "jfk.vtt"
    kept.write_text("WEBVTT\n")
    kept.chmod(0o604)
    r = run_cli(
        data_dir, "transcribe", str(JFK), "-o", str(out), "-f", "srt,vtt,txt,json", *FAST,
        umask=0o027,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert modes == {"jfk.srt": 0o640, "jfk.vtt": 0o604, "jfk.txt": 0o640, "jfk.json": 0o640}


# --- 10: options are checked ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--max-duration", "0"], "above 0"),
        (["--max-duration", "-2"], "above 0"),
        (["--max-cps", "-1"], "above 0"),
        (["--max-cps", "nan"], "above 0"),
        (["--max-cps", "inf"], "above 0"),
        (["--max-chars", "0"], "positive"),
        (["--max-lines", "x"], "not a whole number"),
        (["--beam-size", "9"], "at most 8"),
        (["-l", "xx"], "not a language Whisper knows"),
        (["--translate"], "--translate needs a multilingual model"),
        (["-l", "de"], "English-only"),
    ],
)
def test_bad_options_are_usage_errors_with_the_reason(
    data_dir: Path, tmp_path: Path, args: list[str], reason: str
) -> None:
    r = run_cli(data_dir, "transcribe", str(JFK), "-o", str(tmp_path / "out"), *args, *FAST)
    assert r.returncode == 2, r.stderr
    assert reason in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_more_threads_than_cpus_are_capped_with_a_note(data_dir: Path, tmp_path: Path) -> None:
    r = run_cli(data_dir, "transcribe", str(JFK), "-o", str(tmp_path), "-t", "999", *FAST)
    assert r.returncode == 0, r.stderr
    assert f"-t 999 is more than the {os.cpu_count()} logical CPUs" in r.stderr


# --- 11: no speech -------------------------------------------------------------------------
def test_a_file_without_speech_says_so(data_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "room-tone.wav"
    noise = np.random.default_rng(0).normal(0, 30, 16000 * 4).astype("<i2")
    with wave.open(str(src), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(noise.tobytes())
    r = run_cli(data_dir, "transcribe", str(src), "--beam-size", "1", "-q")
    assert r.returncode == 0, r.stderr
    assert "room-tone.wav: no speech found" in r.stderr


# --- 12: leftovers -----------------------------------------------------------------------------
def test_stale_parts_are_removed_at_start_and_fresh_ones_kept(tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / ".downloads").mkdir(parents=True)
    stale = [models / "..tiny.en-starter.converting.bin.k2j4.part", models / ".downloads/x.part"]
    fresh = models / ".downloads" / "y.bin.part"
    for p in [*stale, fresh]:
        p.write_bytes(b"\0" * 1000)
    two_hours_ago = time.time() - 7200
    for p in stale:
        os.utime(p, (two_hours_ago, two_hours_ago))
    r = run_cli(tmp_path, "models", "list")
    assert r.returncode == 0, r.stderr
    assert not any(p.exists() for p in stale)
    assert fresh.exists()


def test_the_engine_log_lives_in_the_data_folder(
    data_dir: Path, tmp_path: Path, long_speech_wav: Path
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "wavescribe", "transcribe", str(long_speech_wav), "-o", str(temp)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "WAVESCRIBE_DATA_DIR": str(data_dir), "TMPDIR": str(temp)},
        start_new_session=True,
    )
    assert proc.stderr is not None
    try:
        for line in proc.stderr:
            if "Transcribing" in line:
                break
        logs = list((data_dir / "logs").glob("engine-*.log"))
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # a killed CLI cannot tidy up after itself
        proc.wait()
    assert logs, "no engine log in <data>/logs while transcribing"
    assert not [p.name for p in temp.iterdir() if "engine" in p.name]
    for log in logs:
        log.unlink(missing_ok=True)


# --- 14: the unverified download names its flag -------------------------------------------
def test_the_unverified_download_refusal_names_the_flag(tmp_path: Path) -> None:
    catalog = tmp_path / "models.toml"
    catalog.write_text(
        'default = "unsure"\n[[model]]\nid = "unsure"\nname = "Unsure"\nfamily = "tiny"\n'
        'languages = "en"\nquantization = "q5_0"\nverified = false\n'
        'urls = ["http://127.0.0.1:9/unsure.bin"]\n'
    )
    r = run_cli(tmp_path, "models", "download", "unsure", WAVESCRIBE_CATALOG=str(catalog))
    assert r.returncode == 4, r.stderr
    assert "wavescribe models download unsure --allow-unverified" in one_line_error(r.stderr)


# --- 15: JSON keeps the file name only -----------------------------------------------------
def test_exported_json_names_the_input_by_file_name_only(data_dir: Path, tmp_path: Path) -> None:
    r = run_cli(data_dir, "transcribe", str(JFK), "-o", str(tmp_path), "-f", "json", *FAST)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "jfk.json").read_text()
    assert json.loads(text)["source"]["path"] == "jfk.flac"
    assert str(JFK.parent) not in text


# --- 14: a stalled download says so --------------------------------------------------------
def test_a_stalled_download_says_so_within_seconds(tmp_path: Path) -> None:
    import hashlib
    import io
    import threading

    from local_http import Rule, serving
    from wavescribe.cli.models_cmd import STALL_NOTICE_S, download_reporter
    from wavescribe.cli.progress import ProgressLine
    from wavescribe.core.models.catalog import load_catalog
    from wavescribe.core.models.store import ModelStore

    assert STALL_NOTICE_S <= 10  # the CLI's own setting: within ~10 s, not the 30 s timeout
    payload = os.urandom(300_000)
    with serving({"/m.bin": payload}) as srv:
        srv.plan["/m.bin"] = [Rule(chunk=8192, stall=True)]
        catalog = tmp_path / "models.toml"
        catalog.write_text(
            'default = "m"\n[[model]]\nid = "m"\nname = "M"\nfamily = "tiny"\n'
            f'languages = "en"\nquantization = "q5_0"\nsize = {len(payload)}\n'
            f'sha256 = "{hashlib.sha256(payload).hexdigest()}"\nurls = ["{srv.url("/m.bin")}"]\n'
        )
        store = ModelStore(tmp_path / "models", catalog=load_catalog(catalog))
        shown = io.StringIO()
        noticed = threading.Event()

        class Stream(io.StringIO):
            def write(self, s: str) -> int:
                if "download stalled" in s:
                    noticed.set()
                return shown.write(s)

        started = time.monotonic()
        reporter = download_reporter(ProgressLine(Stream()), armed=True, stall_after_s=0.5)
        with reporter as report, pytest.raises(errors.Cancelled):
            store.download("m", progress=report, cancel=noticed.is_set)
        assert noticed.is_set() and time.monotonic() - started < 5
        assert "download stalled: no data for" in shown.getvalue()
