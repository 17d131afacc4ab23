"""Issue 13 in the core: all-or-nothing writes, file modes, model checksums, the data folder,
stale leftovers and a cancel that arrives while the engine starts.

Full and read-only disks are real (a small tmpfs, a read-only bind mount; see ``mounts``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import mounts
from shared_data import JFK
from wavescribe.core import errors, paths
from wavescribe.core.atomic import atomic_group, atomic_writer, write_text_atomic
from wavescribe.core.models import store as store_module
from wavescribe.core.models.store import ModelStore


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- 3: a group of files lands whole or not at all -----------------------------------------
def test_a_group_that_fails_on_a_full_disk_leaves_the_old_files(tmp_path: Path) -> None:
    with mounts.tmpfs(tmp_path / "disk", 64) as disk:
        (disk / "a.srt").write_text("old srt")
        (disk / "a.json").write_text("old json")
        mounts.fill(disk, leave_pages=1)
        with pytest.raises(OSError, match="No space left"), atomic_group() as group:
            group.write_text(disk / "a.srt", "new srt")  # fits in the last page
            group.write_text(disk / "a.json", "x" * 3 * mounts.PAGE)  # does not
        assert (disk / "a.srt").read_text() == "old srt"
        assert (disk / "a.json").read_text() == "old json"
        assert sorted(p.name for p in disk.iterdir()) == [".filler", "a.json", "a.srt"]


def test_an_interrupted_group_commits_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.srt").write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_group() as group:
        group.write_text(tmp_path / "a.srt", "new")
        group.write_text(tmp_path / "a.vtt", "new")
        raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.srt"]
    assert (tmp_path / "a.srt").read_text() == "old"


def test_a_group_that_succeeds_replaces_every_file(tmp_path: Path) -> None:
    (tmp_path / "a.srt").write_text("old")
    with atomic_group() as group:
        group.write_text(tmp_path / "a.srt", "new srt")
        group.write_text(tmp_path / "a.json", "new json")
    assert (tmp_path / "a.srt").read_text() == "new srt"
    assert (tmp_path / "a.json").read_text() == "new json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "a.srt"]


# --- 8: modes follow the umask, or the file replaced ----------------------------------------
def test_atomic_writes_follow_the_umask_and_keep_a_replaced_files_mode(tmp_path: Path) -> None:
    with umask(0o027):
        write_text_atomic(tmp_path / "new.srt", "x")
        with atomic_writer(tmp_path / "new.bin", "wb") as f:
            f.write(b"x")
        kept = tmp_path / "kept.srt"
        kept.write_text("old")
        kept.chmod(0o664)
        write_text_atomic(kept, "new")
    assert mode(tmp_path / "new.srt") == 0o640
    assert mode(tmp_path / "new.bin") == 0o640
    assert mode(kept) == 0o664 and kept.read_text() == "new"


def test_project_peaks_and_model_files_follow_the_umask(tmp_path: Path, tiny_en_ggml: Path) -> None:
    from wavescribe.core.audio.peaks import PeakPyramid, cache_path_for
    from wavescribe.core.project.project_file import Project
    from wavescribe.core.transcript import Segment, Transcript

    with umask(0o022):
        project = tmp_path / "talk.wsproj"
        Project(Transcript(segments=[Segment(0, 900, " Hello")])).save(project)
        peaks = cache_path_for(project)
        PeakPyramid.compute(np.zeros(16000, dtype=np.float32), 16000).save(peaks)
        store = ModelStore(tmp_path / "models")
        copied = store.register_file(tiny_en_ggml, model_id="copied").path
        moved_from = tmp_path / "converted.bin"
        moved_from.write_bytes(tiny_en_ggml.read_bytes())
        moved_from.chmod(0o600)  # as a converter's temporary file is
        moved = store.install_converted(moved_from, "moved", {}).path
    for path in (project, peaks, copied, moved, store.root / "copied.json"):
        assert mode(path) == 0o644, path.name


# --- 5: the checksum recorded at install is checked when the file changed -----------------
@pytest.fixture
def installed(tmp_path: Path, tiny_en_ggml: Path) -> tuple[ModelStore, Path]:
    store = ModelStore(tmp_path / "models")
    return store, store.register_file(tiny_en_ggml, model_id="tiny").path


def test_a_model_damaged_in_its_tensor_data_is_model_corrupt(installed) -> None:
    store, path = installed
    with open(path, "r+b") as f:
        f.seek(path.stat().st_size - 100_000)
        f.write(b"\xff" * 4096)
    with pytest.raises(errors.ModelCorrupt, match="'tiny' is damaged"):
        store.resolve("tiny")
    with pytest.raises(errors.ModelCorrupt):
        store.resolve(None)  # the default is checked too


def test_the_hash_is_computed_again_only_when_the_file_changed(installed, monkeypatch) -> None:
    store, path = installed
    hashed: list[Path] = []
    real = store_module._sha256_of
    monkeypatch.setattr(store_module, "_sha256_of", lambda p: hashed.append(p) or real(p))
    assert store.resolve("tiny") == path
    assert hashed == []  # recorded at install: no second read of a big file
    os.utime(path, ns=(time.time_ns(), time.time_ns()))  # touched, bytes unchanged
    assert store.resolve("tiny") == path
    assert store.resolve("tiny") == path
    assert hashed == [path]  # once, then the new stat is recorded


# --- 7: the data folder --------------------------------------------------------------------
def test_a_read_only_data_folder_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("WAVESCRIBE_DATA_DIR", str(data))
    with mounts.read_only(data), pytest.raises(paths.DataFolderError) as caught:
        paths.ensure_data_dir()
    assert str(caught.value).startswith(f"cannot use the data folder {data}: it is read-only")
    monkeypatch.setenv("WAVESCRIBE_DATA_DIR", str(tmp_path / "fresh" / "data"))
    assert paths.ensure_data_dir().is_dir()


# --- 12: stale leftovers go, fresh or locked ones stay ----------------------------------------
def test_stale_parts_go_but_fresh_and_locked_ones_stay(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WAVESCRIBE_DATA_DIR", str(tmp_path))
    models = tmp_path / "models"
    (models / ".downloads").mkdir(parents=True)
    (tmp_path / "logs").mkdir()
    old = time.time() - 2 * paths.STALE_PART_AGE_S
    stale = [
        models / ".x.converting.bin.abc.part",
        models / ".downloads" / "x.bin.part",
        models / ".x.bin.incoming",
        tmp_path / "logs" / "engine-abc.log",
    ]
    locked = models / ".downloads" / "busy.bin.part"
    fresh = models / ".downloads" / "y.bin.part"
    installed = models / "keep.bin"
    for p in [*stale, locked, fresh, installed]:
        p.write_bytes(b"\0" * 100)
    for p in [*stale, locked, installed]:
        os.utime(p, (old, old))
    with open(locked, "rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        removed = paths.clean_stale_parts()
    assert sorted(removed) == sorted(stale)
    assert locked.exists() and fresh.exists() and installed.exists()


# --- 2: a cancel during start-up is kept for the job -----------------------------------------
def test_a_cancel_during_start_up_is_not_cleared_when_the_job_begins(tiny_en_ggml: Path) -> None:
    from wavescribe.core.engine.client import Engine
    from wavescribe.core.engine.options import TranscribeOptions

    options = TranscribeOptions(beam_size=1, refine=False)
    with Engine(tiny_en_ggml) as engine:
        engine.cancel()  # e.g. Ctrl-C while "Loading model": before the job is handed over
        with pytest.raises(errors.Cancelled):
            engine.transcribe(JFK, options)
        # The cancel was for that job only: the next one runs.
        assert "country" in engine.transcribe(JFK, options).text.lower()


def test_the_engine_log_is_in_the_data_folder(tiny_en_ggml: Path, tmp_path, monkeypatch) -> None:
    from wavescribe.core.engine.client import Engine

    monkeypatch.setenv("WAVESCRIBE_DATA_DIR", str(tmp_path))
    with Engine(tiny_en_ggml) as engine:
        engine.start()
        assert Path(engine._log_path).parent == tmp_path / "logs"
    assert list((tmp_path / "logs").iterdir()) == []  # removed on a clean close


def test_the_worker_survives_sigints_sent_while_it_starts(tiny_en_ggml: Path, monkeypatch) -> None:
    """The terminal's Ctrl-C reaches the whole process group: the parent handles it, the worker
    must not die of it, not even before its own code has run (the spawn bootstrap)."""
    import multiprocessing.context
    import signal

    from wavescribe.core.engine.client import Engine

    spawn_start = multiprocessing.context.SpawnProcess.start

    def start_then_interrupt(process) -> None:
        spawn_start(process)
        for _ in range(30):  # over the 0.3 s in which the child imports and unpickles
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGINT)
            time.sleep(0.01)

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", start_then_interrupt)
    with Engine(tiny_en_ggml) as engine:
        engine.start()  # EngineCrashed ("killed by SIGINT") before the fix
        assert engine._proc.is_alive()


def test_importing_a_model_onto_a_full_disk_names_the_store_and_leaves_nothing(
    tmp_path: Path, tiny_en_ggml: Path
) -> None:
    with mounts.tmpfs(tmp_path / "disk", 1024) as disk:
        store = ModelStore(disk / "models")
        with pytest.raises(errors.ModelError, match="No space left on device") as caught:
            store.register_file(tiny_en_ggml, model_id="big")
        assert f"in {disk / 'models'}" in str(caught.value)
        assert list((disk / "models").iterdir()) == []
