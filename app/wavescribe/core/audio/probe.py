"""Look at a media file without decoding it: what it is, how long it says it is, which track to use.

Probing is where input errors are decided, so that the GUI can say "that is a text file" before a
job starts: a missing path or a directory (``InputNotFound``), an empty file (``CorruptAudio``),
something that is not media at all or a video without sound (``UnsupportedAudio``), and a file whose
first bytes say "audio" but whose header is cut or damaged (``CorruptAudio``). The magic-byte sniff
is what separates the last two kinds: a random file and a truncated MP4 both fail to open in FFmpeg,
but only one of them was meant to be audio.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from wavescribe.core.errors import CorruptAudio, InputNotFound, UnsupportedAudio

# Containers FFmpeg opens that hold pictures or text, never sound: a .txt file opens as "tty" (ANSI
# art), a PNG as "png_pipe", a subtitle file as "srt"/"ass"/"webvtt" with only a subtitle stream.
_NON_MEDIA_FORMATS = frozenset({"tty", "image2", "gif", "apng"})

# Raw streams without an index: FFmpeg estimates their length from the file size and bit rate,
# which garbage before or after the audio inflates (an MP3 with a Xing/Info/VBRI header is exact).
_GUESSED_DURATION = frozenset({"mp3", "aac", "ac3", "eac3", "amr", "amrnb", "amrwb", "mpegts"})

# Kinds that libsndfile reads well; everything else goes to FFmpeg directly.
SOUNDFILE_KINDS = frozenset({"WAV", "RF64", "AIFF", "FLAC", "OGG", "CAF", "AU"})


@dataclass(frozen=True)
class AudioInfo:
    """What a media file is and how long its audio lasts.

    ``duration_ms`` from ``probe`` is what the header announces (0 when it does not say, e.g. a FLAC
    stream without a sample count); the ``AudioInfo`` returned by ``load_audio`` always carries the
    duration of the samples actually decoded. ``warnings`` is empty unless decoding recovered from a
    problem (a truncated file, damaged packets); ``decoder`` says which path decoded it.
    """

    path: Path
    duration_ms: int
    container: str
    codec: str
    sample_rate: int
    channels: int
    has_video: bool
    warnings: tuple[str, ...] = ()
    decoder: str = ""


@dataclass(frozen=True)
class Probed:
    """``AudioInfo`` plus what the decoders need to know (internal to the audio package)."""

    info: AudioInfo
    kind: str | None  # what the magic bytes say, e.g. "WAV"; None for unknown bytes
    stream_index: int | None  # FFmpeg's audio stream; None when only libsndfile could open it
    start_s: float  # the container's time zero, to line audio up with the video
    duration_trusted: bool  # False when FFmpeg guessed the length from the bit rate


def check_file(path: str | os.PathLike[str]) -> Path:
    """Fail early with a one-line error for paths that cannot be media at all."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputNotFound(f"{p} does not exist") from None
    except OSError as exc:
        raise InputNotFound(f"{p} cannot be opened: {exc.strerror or exc}") from None
    if p.is_dir():
        raise InputNotFound(f"{p} is a folder, not an audio or video file")
    if st.st_size == 0:
        raise CorruptAudio(f"{p} is empty (0 bytes)")
    if not os.access(p, os.R_OK):
        raise InputNotFound(f"{p} cannot be opened: permission denied")
    return p


def sniff(head: bytes) -> str | None:
    """Name the media kind that a file's first bytes announce, or None."""
    if head[:3] == b"ID3" and len(head) >= 10:
        # An ID3 tag usually fronts MP3, sometimes FLAC: look past it (its size is "syncsafe").
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        after = head[10 + size : 14 + size]
        return "FLAC" if after == b"fLaC" else "MP3"
    four = head[:4]
    if four == b"RIFF":
        return "WAV" if head[8:12] == b"WAVE" else "RIFF"  # RIFF: AVI and friends
    if four in (b"RF64", b"BW64"):
        return "RF64"
    if four == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF"
    simple = {
        b"fLaC": "FLAC",
        b"OggS": "OGG",
        b"caff": "CAF",
        b".snd": "AU",
        b"\x1a\x45\xdf\xa3": "Matroska/WebM",
        b"\x30\x26\xb2\x75": "ASF/WMA",
        b"wvpk": "WavPack",
        b"MAC ": "Monkey's Audio",
        b"FLV\x01": "FLV",
        b"\x00\x00\x01\xba": "MPEG-PS",
    }
    if four in simple:
        return simple[four]
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return "MP4/MOV"
    if head.startswith(b"#!AMR"):
        return "AMR"
    if head[:1] == b"\x47" and len(head) > 188 and head[188:189] == b"\x47":
        return "MPEG-TS"
    if head[:2] == b"\x0b\x77":
        return "AC-3"
    return _sniff_frames(head)


def _sniff_frames(head: bytes) -> str | None:
    """Recognise raw MPEG audio / ADTS AAC by two frames in a row, not by 11 sync bits alone.

    Random bytes start with a plausible frame header one time in a few thousand; a second header
    exactly where the first frame ends is what FFmpeg's own probe asks for too.
    """
    adts = _adts_length(head)
    length = adts or _mpeg_audio_length(head)
    if not length:
        return None
    nxt = head[length : length + 7]
    if len(head) == length or (adts and _adts_length(nxt)):  # a lone frame is the whole file
        return "AAC" if adts else "MP3"
    if _mpeg_audio_length(nxt) and nxt[1] == head[1]:
        return "MP3"
    return None


def _adts_length(h: bytes) -> int:
    if len(h) < 7 or h[0] != 0xFF or (h[1] & 0xF6) != 0xF0:
        return 0
    return ((h[3] & 0x03) << 11) | (h[4] << 3) | (h[5] >> 5)


_KBPS = {  # (MPEG-1?, layer) -> bit rates by index 1..14
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mpeg_audio_length(h: bytes) -> int:
    """Byte length of the MPEG audio frame whose header starts ``h``; 0 if it is not one."""
    if len(h) < 4 or h[0] != 0xFF or (h[1] & 0xE0) != 0xE0:
        return 0
    version, layer = (h[1] >> 3) & 3, 4 - ((h[1] >> 1) & 3)
    bitrate_index, rate_index, padding = h[2] >> 4, (h[2] >> 2) & 3, (h[2] >> 1) & 1
    if version == 1 or layer == 4 or bitrate_index in (0, 15) or rate_index == 3:
        return 0
    mpeg1 = version == 3
    bitrate = _KBPS[(mpeg1, min(layer, 2) if not mpeg1 else layer)][bitrate_index - 1] * 1000
    rate = _RATES[version][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    per_frame = 144 if mpeg1 or layer == 2 else 72
    return per_frame * bitrate // rate + padding


def probe_file(path: str | os.PathLike[str]) -> Probed:
    """Open the file's headers with FFmpeg (libsndfile as a second opinion); decode nothing."""
    import av

    p = check_file(path)
    with p.open("rb") as fh:
        head = fh.read(64 * 1024)
    kind = sniff(head)
    try:
        container = av.open(str(p), metadata_errors="ignore")
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        return _probe_with_soundfile(p, kind)
    with container:
        audio = list(container.streams.audio)
        video = [s for s in container.streams.video if not _is_picture(s)]
        fmt = container.format.name
        if not audio:
            if video and fmt not in _NON_MEDIA_FORMATS and not fmt.endswith("_pipe"):
                raise UnsupportedAudio(f"{p} has no audio track")
            raise UnsupportedAudio(f"{p} is not an audio or video file we can read")
        best = container.streams.best("audio")
        stream = next((s for s in audio if best is not None and s.index == best.index), audio[0])
        ctx = stream.codec_context
        if not ctx.sample_rate:  # FFmpeg found no frame it could make sense of
            if kind is None:
                raise UnsupportedAudio(f"{p} is not an audio or video file we can read")
            raise CorruptAudio(f"{p} looks like {kind} but cannot be read: truncated or damaged")
        duration_s = 0.0
        if stream.duration and stream.time_base:
            duration_s = float(stream.duration * stream.time_base)
        elif container.duration:
            duration_s = container.duration / 1_000_000
        trusted = duration_s > 0 and (fmt not in _GUESSED_DURATION or _has_vbr_header(head))
        if kind == "WAV":
            # FFmpeg and libsndfile both clamp a cut WAV to the bytes present, which would hide the
            # truncation; the header's own data size still tells the length that was written.
            declared = _wav_declared_seconds(head)
            duration_s = max(duration_s, declared or 0.0)
        info = AudioInfo(
            path=p,
            duration_ms=round(duration_s * 1000),
            container=_container_name(fmt, p.suffix),
            codec=ctx.codec.canonical_name if ctx.codec else "unknown",
            sample_rate=ctx.sample_rate,
            channels=ctx.channels,
            has_video=bool(video),
        )
        start = container.start_time / 1_000_000 if container.start_time is not None else 0.0
        return Probed(info, kind, stream.index, start, trusted)


def _probe_with_soundfile(p: Path, kind: str | None) -> Probed:
    """Second opinion for the few files FFmpeg refuses; decides the error when both refuse."""
    if kind in SOUNDFILE_KINDS:
        import soundfile

        try:
            sfi = soundfile.info(str(p))
        except (RuntimeError, OSError, ValueError):
            pass
        else:
            frames_known = 0 < sfi.frames < 2**62  # libsndfile says SF_COUNT_MAX for "unknown"
            info = AudioInfo(
                path=p,
                duration_ms=round(sfi.frames * 1000 / sfi.samplerate) if frames_known else 0,
                container=sfi.format.lower(),
                codec=sfi.subtype.lower(),
                sample_rate=sfi.samplerate,
                channels=sfi.channels,
                has_video=False,
            )
            return Probed(info, kind, None, 0.0, frames_known)
    if kind is not None:
        raise CorruptAudio(f"{p} looks like {kind} but cannot be read: truncated or damaged")
    raise UnsupportedAudio(f"{p} is not an audio or video file we can read")


def _is_picture(stream: object) -> bool:
    """Cover art in an MP3/FLAC/M4A shows up as a one-frame video stream: it is not video."""
    import av

    disposition = getattr(stream, "disposition", 0)
    return bool(disposition & av.stream.Disposition.attached_pic)


def _container_name(format_name: str, suffix: str) -> str:
    """FFmpeg's demuxer names are lists ("mov,mp4,m4a,3gp,3g2,mj2"): pick the one the file uses."""
    names = format_name.split(",")
    ext = suffix.lower().lstrip(".")
    return ext if ext in names else names[0]


def _has_vbr_header(head: bytes) -> bool:
    """Whether an MP3's first frame carries a Xing/Info/VBRI header, which states the length."""
    start = 0
    if head[:3] == b"ID3" and len(head) >= 10:
        start = 10 + ((head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9])
    first = head[start : start + 64]
    return first[:1] == b"\xff" and any(tag in first for tag in (b"Xing", b"Info", b"VBRI"))


def _wav_declared_seconds(head: bytes) -> float | None:
    """Duration that a PCM RIFF/WAVE header's ``data`` chunk announces, if it announces one."""
    pos, rate, align = 12, 0, 0
    while pos + 8 <= len(head):
        chunk_id = head[pos : pos + 4]
        (size,) = struct.unpack_from("<I", head, pos + 4)
        if chunk_id == b"fmt " and pos + 24 <= len(head):
            tag, _, rate, _, align = struct.unpack_from("<HHIIH", head, pos + 8)
            if tag not in _PCM_WAVE_TAGS:  # ADPCM & co: blocks hold a codec-defined sample count
                return None
        elif chunk_id == b"data":
            # 0 and 0xFFFFFFFF are what streaming writers leave when they never came back.
            if rate <= 0 or align <= 0 or size in (0, 0xFFFFFFFF):
                return None
            return float(size // align / rate)
        pos += 8 + size + (size & 1)
    return None


_PCM_WAVE_TAGS = frozenset({0x0001, 0x0003, 0x0006, 0x0007, 0xFFFE})  # PCM, float, A/µ-law, ext.
