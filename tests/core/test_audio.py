"""core.audio: every shared file decodes to clean 16 kHz mono; errors are typed; memory is flat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from wavescribe.core.audio.load import SAMPLE_RATE, AudioInfo, load_audio, probe
from wavescribe.core.errors import Cancelled, CorruptAudio, InputNotFound, UnsupportedAudio

ROOT = Path(__file__).resolve().parents[2]
from shared_data import DATA  # noqa: E402

FORMATS = DATA / "formats"
JFK = DATA / "speech" / "jfk"


NO_AUDIO = {"video/bbb_642x642_768kbps_30fps_vp9.webm", "video/subtitleedit_sample_MKV_SRT.mkv"}
# One MP3 frame whose bit reservoir points into frames that were trimmed away: FFmpeg cannot open
# it, and decoding the frame by hand yields 26 ms of digital silence.
UNDECODABLE = {"compressed_edge_cases/play-trimmed.mp3"}

# Where the decoded length rightly differs from what probe() reports: (expected ms, tolerance ms).
DURATION_CASES = {
    # FFmpeg guesses raw-MP3 length from file size: 100 kB of junk before ~1 s of audio...
    "compressed_edge_cases/100kB-garbage-prefix.mp3": (1045, 60),
    # ...and 150 kB of junk after 2.8 s of it.
    "compressed_edge_cases/bear-cbr-no-seek-table-trailing-garbage.mp3": (2821, 60),
    # No Xing/LAME header: the length is a bit-rate guess and nothing says what padding to trim.
    "compressed_edge_cases/bear-id3.mp3": (2808, 30),
    # Raw AMR has no index either: the length is a bit-rate guess.
    "compressed_edge_cases/sample_wb.amr": (3380, 30),
    # No sample count in STREAMINFO: probe says 0; the same bear clip as the other FLACs.
    "compressed_edge_cases/bear_no_num_samples.flac": (2741, 10),
    # The MP4 duration counts 256 ms that the edit list does not play.
    "compressed_edge_cases/bbb_1ch_8kHz_aac_lc.m4a": (3072, 30),
    # Matroska gives only the container duration (incl. the video's tail).
    "video/sample_with_srt.mkv": (1072, 30),
    "video/sample_with_null_terminated_vtt_subtitles.mkv": (1072, 30),
    # 20 samples at 80 kHz: 0.25 ms, i.e. 4 samples at 16 kHz.
    "wav_variants/sample_80KHz_mono_20_repeating_1_samples.wav": (0, 1),
}
NEAR_SILENT = {"wav_variants/sample_80KHz_mono_20_repeating_1_samples.wav"}  # all samples == 1 LSB


def _rel(p: Path) -> str:
    return p.relative_to(FORMATS).as_posix()


def _decodable() -> list[Path]:
    if not FORMATS.is_dir():
        return []
    files = sorted(p for p in FORMATS.rglob("*") if p.is_file())
    return [p for p in files if _rel(p) not in NO_AUDIO | UNDECODABLE]


def _check_whisper_ready(audio: np.ndarray) -> None:
    assert audio.dtype == np.float32
    assert audio.ndim == 1
    assert audio.flags.c_contiguous and audio.flags.owndata
    assert np.isfinite(audio).all()
    assert np.abs(audio).max() <= 1.0


@pytest.mark.parametrize("path", _decodable(), ids=_rel)
def test_every_shared_file_decodes_to_16k_mono_float32(path: Path) -> None:
    probed = probe(path)
    audio, info = load_audio(path)
    _check_whisper_ready(audio)
    rel = _rel(path)
    assert info.duration_ms == round(audio.size * 1000 / SAMPLE_RATE)
    default = (probed.duration_ms, 50 + probed.duration_ms // 50)
    expected, tolerance = DURATION_CASES.get(rel, default)
    # Video files pad the audio track's late start (<= 130 ms here) so times match the picture.
    tolerance += 140 if probed.has_video else 0
    assert abs(info.duration_ms - expected) <= tolerance, (info.duration_ms, expected)
    if rel in NEAR_SILENT:
        assert audio.size == 4 and np.abs(audio).max() > 0
    else:
        assert np.sqrt(np.mean(audio**2)) > 1e-4, "decoded to silence"
    assert info.warnings == ()
    assert info.decoder in ("soundfile", "pyav")
    assert (info.container, info.codec, info.sample_rate, info.channels) == (
        probed.container,
        probed.codec,
        probed.sample_rate,
        probed.channels,
    )


@pytest.mark.parametrize(
    ("rel", "decoder"),
    [
        ("wav_variants/sample_rf64.wav", "soundfile"),
        ("wav_variants/sample_ima_adpcm.wav", "soundfile"),
        ("compressed_edge_cases/bear_vorbis.ogg", "soundfile"),
        ("compressed_edge_cases/bear.opus", "soundfile"),
        ("compressed_edge_cases/bear_with_id3.flac", "pyav"),  # libsndfile fails mid-read
        ("compressed_edge_cases/bear_32bit.flac", "pyav"),  # libsndfile refuses 32-bit FLAC
        ("compressed_edge_cases/bear_flac.ogg", "pyav"),  # ... and FLAC in Ogg
        ("compressed_edge_cases/bear_no_num_samples.flac", "pyav"),  # unknown length
        ("compressed_edge_cases/bear-id3.mp3", "pyav"),
        ("video/sample.mkv", "pyav"),
    ],
)
def test_libsndfile_takes_what_it_reads_well_and_ffmpeg_the_rest(rel: str, decoder: str) -> None:
    assert load_audio(FORMATS / rel)[1].decoder == decoder


def test_probe_describes_without_decoding() -> None:
    info = probe(FORMATS / "video/big_buck_bunny_small.mp4")
    assert isinstance(info, AudioInfo)
    assert (info.container, info.codec, info.sample_rate, info.channels) == ("mp4", "aac", 48000, 6)
    assert info.has_video and info.duration_ms == 5312 and info.decoder == ""
    # Cover art is a one-picture "video" stream in FFmpeg; it does not make a file a video.
    assert not probe(FORMATS / "compressed_edge_cases/bear-id3.mp3").has_video
    assert probe(FORMATS / "compressed_edge_cases/bear_no_num_samples.flac").duration_ms == 0
    with pytest.raises(AttributeError):
        info.duration_ms = 1  # type: ignore[misc]


def test_jfk_wav_flac_and_mp3_decode_to_the_same_11_seconds() -> None:
    clips = {name: load_audio(JFK / name)[0] for name in ("jfk.wav", "jfk.flac", "jfk.mp3")}
    for audio in clips.values():
        assert abs(audio.size - 11 * SAMPLE_RATE) <= SAMPLE_RATE // 100
    ref = clips["jfk.wav"]
    # A 16 kHz mono source is passed through untouched.
    assert np.array_equal(ref, sf.read(JFK / "jfk.wav", dtype="float32")[0])
    for name in ("jfk.flac", "jfk.mp3"):
        other = clips[name]
        n = min(ref.size, other.size)
        lag = _best_lag(ref[:n], other[:n], max_lag=800)
        a, b = (ref[lag:n], other[: n - lag]) if lag >= 0 else (ref[: n + lag], other[-lag:n])
        assert np.corrcoef(a, b)[0, 1] > 0.9, name
        assert abs(np.sqrt(np.mean(b**2)) / np.sqrt(np.mean(a**2)) - 1) < 0.1, name


def _best_lag(a: np.ndarray, b: np.ndarray, max_lag: int) -> int:
    size = 1 << int(np.ceil(np.log2(a.size + b.size)))
    xc = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    lags = np.r_[xc[: max_lag + 1], xc[-max_lag:]]
    i = int(np.argmax(lags))
    return i if i <= max_lag else i - (2 * max_lag + 1)


def test_real_8_channel_wav_is_the_plain_average_of_its_channels() -> None:
    path = FORMATS / "multichannel/lhotse_rir_real_8ch.wav"  # 16 kHz: no resampling in the way
    audio, info = load_audio(path)
    assert info.channels == 8
    raw = sf.read(path, dtype="float32")[0]
    np.testing.assert_allclose(audio, raw.mean(axis=1), atol=1e-6)


@pytest.mark.parametrize("suffix", [".wav", ".mka"])
def test_six_channels_are_averaged_with_equal_weight(tmp_path: Path, suffix: str) -> None:
    # 5.1 with opposite-phase pairs: FFmpeg's own downmix would weight centre and LFE differently.
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tone = np.sin(2 * np.pi * 300 * t).astype(np.float32)
    gains = np.array([0.6, -0.6, 0.3, 0.0, 0.0, 0.3], dtype=np.float32)
    six = tone[:, None] * gains[None, :]
    path = tmp_path / f"six{suffix}"
    if suffix == ".wav":
        sf.write(path, six, SAMPLE_RATE, subtype="FLOAT")
    else:
        _write_pcm_mka(path, six)
    audio, info = load_audio(path)
    assert info.channels == 6
    assert info.decoder == ("soundfile" if suffix == ".wav" else "pyav")
    np.testing.assert_allclose(audio, tone * gains.mean(), atol=1e-6)


def _write_pcm_mka(path: Path, samples: np.ndarray) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_f32le", rate=SAMPLE_RATE, layout="5.1")
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples).reshape(1, -1), format="flt", layout="5.1"
        )
        frame.sample_rate = SAMPLE_RATE
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def test_resampling_keeps_pitch_and_level_and_clips_overs(tmp_path: Path) -> None:
    t = np.arange(44100 * 2) / 44100
    loud = np.sin(2 * np.pi * 1000 * t) * 0.5
    loud[1000] = 3.0  # an over in a float WAV must not reach whisper
    loud[2000] = np.nan
    sf.write(tmp_path / "tone.wav", loud.astype(np.float32), 44100, subtype="FLOAT")
    audio, _ = load_audio(tmp_path / "tone.wav")
    _check_whisper_ready(audio)
    body = audio[SAMPLE_RATE // 2 : SAMPLE_RATE * 3 // 2]  # one second away from the glitches
    spectrum = np.abs(np.fft.rfft(body))
    assert int(np.argmax(spectrum)) == 1000  # 1 Hz bins over one second
    assert abs(np.sqrt(np.mean(body**2)) - 0.5 / np.sqrt(2)) < 0.005


def test_video_audio_is_aligned_to_the_containers_time_zero() -> None:
    # The AAC track of sample.mp4 starts 67 ms after the video: pad, or every cue comes early.
    path = FORMATS / "video/sample.mp4"
    with av.open(str(path)) as container:
        frames = list(container.decode(audio=0))
    first_s = frames[0].time
    decoded_s = sum(f.samples for f in frames) / frames[0].sample_rate
    assert 0.060 < first_s < 0.070
    audio, _ = load_audio(path)
    lead = round(first_s * SAMPLE_RATE)
    assert not audio[:lead].any()
    assert abs(audio.size - lead - decoded_s * SAMPLE_RATE) <= 2


# --- errors ------------------------------------------------------------------------------------


def _assert_message(exc: pytest.ExceptionInfo[Exception], path: Path, text: str) -> None:
    message = str(exc.value)
    assert "\n" not in message
    assert path.name in message
    assert text in message


def test_missing_path_and_folder_are_input_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "nope.wav"
    for func in (probe, load_audio):
        with pytest.raises(InputNotFound) as exc:
            func(missing)
        _assert_message(exc, missing, "does not exist")
        with pytest.raises(InputNotFound) as exc:
            func(tmp_path)
        _assert_message(exc, tmp_path, "is a folder")


def test_empty_file_is_corrupt(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp3"
    empty.touch()
    with pytest.raises(CorruptAudio) as exc:
        load_audio(empty)
    _assert_message(exc, empty, "is empty (0 bytes)")


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    pixels = zlib.compress(b"".join(b"\0" + b"\xff\0\0" * 4 for _ in range(4)))
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


NOT_MEDIA = {
    "notes.txt": b"hello, this is text\n" * 100,  # FFmpeg opens .txt as ANSI art ("tty")
    "picture.png": _png(),
    "picture.mp3": _png(),  # a misleading name changes nothing
    "noise.bin": np.random.default_rng(7).bytes(100_000),
    "noise.mp3": np.random.default_rng(8).bytes(100_000),  # FFmpeg "decodes" junk named .mp3
    "subs.srt": b"1\n00:00:01,000 --> 00:00:02,000\nHello\n",
}


@pytest.mark.parametrize("name", sorted(NOT_MEDIA))
def test_non_media_files_are_unsupported(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(NOT_MEDIA[name])
    for func in (probe, load_audio):
        with pytest.raises(UnsupportedAudio) as exc:
            func(path)
        _assert_message(exc, path, "is not an audio or video file we can read")


@pytest.mark.parametrize("rel", sorted(NO_AUDIO))
def test_video_without_sound_says_so(rel: str) -> None:
    for func in (probe, load_audio):
        with pytest.raises(UnsupportedAudio) as exc:
            func(FORMATS / rel)
        _assert_message(exc, FORMATS / rel, "has no audio track")


def test_lone_trimmed_mp3_frame_is_corrupt() -> None:
    path = FORMATS / "compressed_edge_cases/play-trimmed.mp3"
    with pytest.raises(CorruptAudio) as exc:
        load_audio(path)
    _assert_message(exc, path, "truncated or damaged")


@pytest.mark.parametrize("source", ["jfk.wav", "jfk.flac", "jfk.mp3"])
def test_truncated_file_returns_its_prefix_with_a_warning(tmp_path: Path, source: str) -> None:
    data = (JFK / source).read_bytes()
    cut = tmp_path / f"cut_{source}"
    cut.write_bytes(data[: int(len(data) * 0.3)])
    audio, info = load_audio(cut)
    _check_whisper_ready(audio)
    assert 2.8 < audio.size / SAMPLE_RATE < 3.6  # 30 % of 11 s (less the FLAC header)
    assert len(info.warnings) == 1 and "truncated" in info.warnings[0]
    assert "11.0 s" in info.warnings[0]
    assert probe(cut).duration_ms == 11000  # the header's promise, which the warning reports


@pytest.mark.parametrize(
    ("rel", "keep"),
    [
        ("speech/jfk/jfk.wav", 30),
        ("speech/jfk/jfk.flac", 30),
        ("speech/jfk/jfk.mp3", 30),
        ("formats/compressed_edge_cases/bear_vorbis.ogg", 30),
        ("formats/compressed_edge_cases/bear-opus.mka", 30),
        # The MP4 index (moov) sits at the end: with 30 % of the file nothing can be located.
        ("formats/compressed_edge_cases/bbb_1ch_8kHz_aac_lc.m4a", 6309),
        ("formats/video/big_buck_bunny_small.mp4", 125330),
    ],
)
def test_file_cut_inside_its_header_is_corrupt(tmp_path: Path, rel: str, keep: int) -> None:
    cut = tmp_path / Path(rel).name
    cut.write_bytes((DATA / rel).read_bytes()[:keep])
    with pytest.raises(CorruptAudio) as exc:
        load_audio(cut)
    _assert_message(exc, cut, "truncated or damaged")


# --- progress and cancel -----------------------------------------------------------------------

PROGRESS_FILES = [
    JFK / "jfk.flac",  # libsndfile, 44.1 kHz stereo
    JFK / "jfk.mp3",  # FFmpeg, no resampling
    FORMATS / "compressed_edge_cases/bear_no_num_samples.flac",  # length unknown: by bytes
    FORMATS / "video/big_buck_bunny_small.mp4",
]


@pytest.mark.parametrize("path", PROGRESS_FILES, ids=lambda p: p.name)
def test_progress_rises_and_ends_at_one(path: Path) -> None:
    seen: list[float] = []
    load_audio(path, progress=seen.append)
    assert len(seen) >= 3
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0 and seen[-2] < 1.0


@pytest.mark.parametrize("path", PROGRESS_FILES, ids=lambda p: p.name)
def test_cancel_stops_between_chunks(path: Path) -> None:
    polls: list[int] = []

    def cancel() -> bool:
        polls.append(1)
        return len(polls) >= 2  # let one chunk through

    with pytest.raises(Cancelled) as exc:
        load_audio(path, cancel=cancel)
    assert path.name in str(exc.value)


def test_cancel_before_anything_is_decoded() -> None:
    with pytest.raises(Cancelled):
        load_audio(JFK / "jfk.wav", cancel=lambda: True)


# --- cost ------------------------------------------------------------------------------------


def test_importing_the_module_loads_no_decoder() -> None:
    # The GUI imports core.audio at start-up; numpy, PyAV, soxr and libsndfile wait until needed.
    code = (
        "import sys, wavescribe.core.audio.load; "
        "print([m for m in ('numpy', 'av', 'soxr', 'soundfile') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


MEMORY_PROBE = textwrap.dedent(
    """
    import json, resource, sys
    import av, numpy, soundfile, soxr  # libraries count before the baseline, not after
    from wavescribe.core.audio.load import load_audio
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    audio, info = load_audio(sys.argv[1])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"growth": (after - before) * 1024, "out": audio.nbytes,
                      "n": audio.size, "decoder": info.decoder}))
    """
)


def test_memory_stays_near_the_output_size(tmp_path: Path) -> None:
    # 20 minutes of 48 kHz stereo: 77 MB out, 461 MB if decoded whole as float32 before resampling.
    minutes, rate = 20, 48000
    sized = tmp_path / "long.flac"
    t = np.arange(rate * 10) / rate
    block = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)], axis=1) * 0.3
    with sf.SoundFile(sized, "w", rate, 2, subtype="PCM_16", compression_level=0) as f:
        for _ in range(minutes * 6):
            f.write(block)
    # Its twin without a sample count: FFmpeg, and a buffer that starts at one minute and grows.
    unsized = tmp_path / "long_unsized.flac"
    data = bytearray(sized.read_bytes())
    data[21] &= 0xF0  # STREAMINFO's 36-bit total sample count starts in the low nibble of byte 21
    data[22:26] = bytes(4)
    unsized.write_bytes(data)
    del data

    runs = {
        p: subprocess.Popen(
            [sys.executable, "-c", MEMORY_PROBE, str(p)],
            env=_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        for p in (sized, unsized)
    }
    results = {p: json.loads(proc.communicate(timeout=120)[0]) for p, proc in runs.items()}
    for path, res in results.items():
        assert res["n"] == minutes * 60 * SAMPLE_RATE
        limit = 1.6 * res["out"] + 150 * 2**20
        assert res["growth"] < limit, (path.name, res)
    assert results[sized]["decoder"] == "soundfile"
    assert results[unsized]["decoder"] == "pyav"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "app"), env.get("PYTHONPATH")]))
    return env
