"""Project files: round trips, atomic saves, moved audio, damaged files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from wavescribe.core.audio.facts import AudioFacts, quick_fingerprint
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.errors import Hint, HintKind, InputNotFound
from wavescribe.core.project.project_file import (
    Project,
    ProjectCorrupt,
    ProjectNotFound,
    ProjectTooNew,
    ProjectWriteError,
)
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word

RATE = 16_000


def write_wav(path: Path, seconds: float, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    noise = np.random.default_rng(seed).uniform(-0.3, 0.3, int(seconds * RATE)).astype(np.float32)
    sf.write(path, noise, RATE, subtype="PCM_16")
    return path


def make_transcript(n: int = 5, audio: Path | None = None) -> Transcript:
    segments = [
        Segment(
            i * 2000,
            i * 2000 + 1500,
            f" Ligne {i} — naïve café 音声 ☃",
            [
                Word(i * 2000, i * 2000 + 700, " Ligne", 0.9),
                Word(i * 2000 + 700, i * 2000 + 1500, f" {i}"),
            ],
        )
        for i in range(n)
    ]
    source = SourceInfo(str(audio), 3000) if audio else None
    return Transcript(segments, "fr", source, "tiny", {"note": "ünï"})


def make_project(audio: Path) -> Project:
    options = TranscribeOptions(
        language="fr", initial_prompt="Glossaire : café", threads=3, rules=SubtitleRules(max_cps=15)
    )
    project = Project.for_audio(audio, make_transcript(audio=audio), options)
    project.ui_state = {"selected": 2, "zoom": 1.5, "columns": ["start", "text"]}
    return project


def test_round_trip_keeps_everything_with_unicode_paths(tmp_path: Path):
    folder = tmp_path / "Ünïcödé 音声 ☃"
    audio = write_wav(folder / "録音 — talk.wav", 3)
    project = make_project(audio)
    target = folder / "Projet été.wsproj"
    project.save(target)

    loaded = Project.load(target)
    assert loaded == project
    assert loaded.path == target
    assert loaded.audio_facts == AudioFacts.of(audio, 3000)
    assert loaded.resolve_audio(target) == audio
    raw = json.loads(target.read_text(encoding="utf-8"))
    assert raw["format"] == "wavescribe-project" and raw["version"] == 1
    assert raw["audio"]["relative"] == "録音 — talk.wav"
    assert "音声" in target.read_text(encoding="utf-8")  # real UTF-8, not \\u escapes


@pytest.mark.skipif(sys.platform != "linux", reason="byte file names are a Linux thing")
def test_a_file_name_that_is_not_utf8_round_trips(tmp_path: Path):
    audio = tmp_path / os.fsdecode(b"take-\xff\xfe.wav")
    try:
        audio.write_bytes(os.urandom(1000))  # the facts only read bytes: no need for real audio
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses non-UTF-8 names")
    project = Project.for_audio(audio, make_transcript(2))
    project.save(tmp_path / "p.wsproj")
    loaded = Project.load(tmp_path / "p.wsproj")
    assert loaded.audio_path == audio
    assert loaded.resolve_audio() == audio


def test_project_without_audio_or_options_round_trips(tmp_path: Path):
    project = Project(make_transcript(3))
    project.save(tmp_path / "bare.wsproj")
    assert Project.load(tmp_path / "bare.wsproj") == project
    assert Project.load(tmp_path / "bare.wsproj").resolve_audio() is None


def test_options_from_a_newer_version_keep_what_this_one_knows(tmp_path: Path):
    project = Project(make_transcript(1), options=TranscribeOptions(beam_size=2))
    doc = project.to_dict()
    doc["options"]["vad_mode"] = "aggressive"
    doc["options"]["rules"]["max_words"] = 9
    (tmp_path / "p.wsproj").write_text(json.dumps(doc), encoding="utf-8")
    options = Project.load(tmp_path / "p.wsproj").options
    assert options is not None and options.beam_size == 2


# --- atomic saves ------------------------------------------------------------------------------


def test_failing_serialisation_leaves_the_previous_file_intact(tmp_path: Path, monkeypatch):
    audio = write_wav(tmp_path / "a.wav", 1)
    target = tmp_path / "p.wsproj"
    project = make_project(audio)
    project.save(target)
    before = target.read_bytes()

    calls = []
    real = Segment.to_dict

    def breaks_on_the_third_segment(self):
        calls.append(self)
        if len(calls) == 3:
            raise RuntimeError("bug while serialising")
        return real(self)

    monkeypatch.setattr(Segment, "to_dict", breaks_on_the_third_segment)
    project.transcript.segments[0].text = "edited"
    with pytest.raises(RuntimeError):
        project.save(target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav", "p.wsproj"]


def test_disk_full_during_fsync_is_a_typed_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "p.wsproj"
    Project(make_transcript(2)).save(target)
    before = target.read_bytes()

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(
        ProjectWriteError, match=r"disk is full.*previous version of the file is unchanged"
    ) as info:
        Project(make_transcript(50)).save(target)
    assert info.value.hint == Hint(HintKind.FREE_DISK_SPACE)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.wsproj"]


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_file_size_limit_mid_write_keeps_the_old_file(tmp_path: Path):
    # A real short write: the kernel refuses bytes past RLIMIT_FSIZE (EFBIG) while the new
    # project is being written, exactly like a disk filling up mid-save.
    target = tmp_path / "p.wsproj"
    Project(make_transcript(2)).save(target)
    before = target.read_bytes()
    script = textwrap.dedent(
        f"""
        import resource, sys
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_project import make_transcript
        from wavescribe.core.project.project_file import Project, ProjectWriteError
        big = Project(make_transcript(3000))
        resource.setrlimit(resource.RLIMIT_FSIZE, ({len(before) + 4096}, resource.RLIM_INFINITY))
        try:
            big.save(Path({str(target)!r}))
        except ProjectWriteError as exc:
            print("ERROR", exc)
        """
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ERROR Could not save the project"), r.stdout + r.stderr
    assert "too large" in r.stdout and "previous version of the file is unchanged" in r.stdout
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.wsproj"]
    assert Project.load(target).transcript == make_transcript(2)


# --- where is the audio? -------------------------------------------------------------------


def test_moving_the_folder_resolves_the_audio_relatively(tmp_path: Path):
    audio = write_wav(tmp_path / "work" / "media" / "talk.wav", 2)
    project = make_project(audio)
    project.save(tmp_path / "work" / "talk.wsproj")
    shutil.move(tmp_path / "work", tmp_path / "moved")

    loaded = Project.load(tmp_path / "moved" / "talk.wsproj")
    assert not loaded.audio_path.exists()  # type: ignore[union-attr]
    assert loaded.resolve_audio() == tmp_path / "moved" / "media" / "talk.wav"


def test_saving_before_relinking_keeps_the_relative_link(tmp_path: Path):
    audio = write_wav(tmp_path / "work" / "media" / "talk.wav", 2)
    make_project(audio).save(tmp_path / "work" / "talk.wsproj")
    shutil.move(tmp_path / "work", tmp_path / "moved")
    loaded = Project.load(tmp_path / "moved" / "talk.wsproj")
    loaded.ui_state["edited"] = True
    (tmp_path / "moved" / "sub").mkdir()
    loaded.save(tmp_path / "moved" / "sub" / "renamed.wsproj")  # elsewhere, audio still stale
    shutil.move(tmp_path / "moved", tmp_path / "again")

    again = Project.load(tmp_path / "again" / "sub" / "renamed.wsproj")
    assert again.audio_relative == "../media/talk.wav"
    assert again.resolve_audio() == tmp_path / "again" / "media" / "talk.wav"


def test_a_copied_folder_prefers_its_own_audio_over_a_different_file_at_the_old_path(tmp_path):
    audio = write_wav(tmp_path / "a" / "talk.wav", 2, seed=1)
    make_project(audio).save(tmp_path / "a" / "talk.wsproj")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    write_wav(audio, 2, seed=2)  # the original folder now holds another recording

    loaded = Project.load(tmp_path / "b" / "talk.wsproj")
    assert loaded.resolve_audio() == tmp_path / "b" / "talk.wav"


def test_audio_gone_from_both_places_resolves_to_none(tmp_path: Path):
    audio = write_wav(tmp_path / "talk.wav", 1)
    make_project(audio).save(tmp_path / "talk.wsproj")
    audio.unlink()
    assert Project.load(tmp_path / "talk.wsproj").resolve_audio() is None


def test_relinking_the_same_recording_is_silent(tmp_path: Path):
    audio = write_wav(tmp_path / "talk.wav", 3)
    project = make_project(audio)
    copy = shutil.copy(audio, tmp_path / "elsewhere.wav")
    match = project.relink_audio(copy)
    assert match.identical and match.warning is None
    assert project.audio_path == Path(copy)


def test_relinking_a_re_encoding_of_the_same_length_is_accepted(tmp_path: Path):
    project = make_project(write_wav(tmp_path / "talk.wav", 3, seed=1))
    other = write_wav(tmp_path / "talk-reencoded.wav", 3, seed=2)
    match = project.relink_audio(other)
    assert not match.identical and match.warning is None


def test_relinking_a_different_recording_warns_about_its_length(tmp_path: Path):
    project = make_project(write_wav(tmp_path / "talk.wav", 3))
    other = write_wav(tmp_path / "other.wav", 7)
    match = project.relink_audio(other)
    assert not match.identical
    assert match.warning and "0:00:07" in match.warning and "0:00:03" in match.warning
    assert project.audio_path == other and project.audio_facts.duration_ms == 7000  # type: ignore[union-attr]


def test_fingerprint_sees_a_change_in_the_middle_of_a_large_file(tmp_path: Path):
    data = bytearray(os.urandom(3_000_000))
    (tmp_path / "a").write_bytes(data)
    data[1_500_000] ^= 0xFF
    (tmp_path / "b").write_bytes(data)
    assert quick_fingerprint(tmp_path / "a") != quick_fingerprint(tmp_path / "b")


# --- damaged files -----------------------------------------------------------------------------


def test_missing_project_is_not_found(tmp_path: Path):
    with pytest.raises(ProjectNotFound):
        Project.load(tmp_path / "nope.wsproj")
    with pytest.raises(ProjectNotFound):
        Project.load(tmp_path)


def test_truncated_project_is_corrupt(tmp_path: Path):
    target = tmp_path / "p.wsproj"
    make_project(write_wav(tmp_path / "a.wav", 1)).save(target)
    whole = target.read_bytes()
    for cut in (0, 1, len(whole) // 2, len(whole) - 1):
        target.write_bytes(whole[:cut])
        with pytest.raises(ProjectCorrupt, match=r"p\.wsproj"):
            Project.load(target)


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe garbage",
        b"[1, 2, 3]",
        json.dumps({"schema": 1, "segments": []}).encode(),  # a transcript, not a project
        json.dumps({"format": "wavescribe-project"}).encode(),
        json.dumps(
            {"format": "wavescribe-project", "version": 1, "transcript": {"segments": [{}]}}
        ).encode(),
        json.dumps(
            {"format": "wavescribe-project", "version": 1, "audio": {"fingerprint": "f"}}
        ).encode(),
    ],
)
def test_damaged_project_is_corrupt(tmp_path: Path, content: bytes):
    (tmp_path / "p.wsproj").write_bytes(content)
    with pytest.raises(ProjectCorrupt):
        Project.load(tmp_path / "p.wsproj")


def test_project_from_a_newer_version_says_so(tmp_path: Path):
    doc = Project(make_transcript(1)).to_dict()
    (tmp_path / "p.wsproj").write_text(json.dumps({**doc, "version": 99}), encoding="utf-8")
    with pytest.raises(ProjectTooNew, match="newer Wavescribe"):
        Project.load(tmp_path / "p.wsproj")
    doc["transcript"]["schema"] = 99
    (tmp_path / "p.wsproj").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ProjectTooNew):
        Project.load(tmp_path / "p.wsproj")


def test_saving_into_a_missing_folder_is_a_typed_error(tmp_path: Path):
    with pytest.raises(ProjectWriteError, match="No such file or directory"):
        Project(make_transcript(1)).save(tmp_path / "gone" / "p.wsproj")


def test_relinking_to_a_missing_file_changes_nothing(tmp_path: Path):
    project = make_project(write_wav(tmp_path / "talk.wav", 1))
    before = (project.audio_path, project.audio_facts)
    with pytest.raises(InputNotFound):
        project.relink_audio(tmp_path / "nope.wav")
    assert (project.audio_path, project.audio_facts) == before
