"""Conversations built from real, different speakers, with the truth kept (who speaks when).

Each speaker is a set of clips that one person recorded (FLEURS readers grouped by their
resemblyzer similarity, over 0.88 to each other; the Montreal Forced Aligner test speaker; JFK).
A conversation takes turns of 1-20 s from the speakers in a shuffled order (never the same speaker
twice in a row, until fewer than two have anything left to say), with a few quick exchanges of
1-2 s, separated by pauses of 0.2-0.9 s. A turn is
cut from the speaker's clips at the quietest 20 ms near the wanted length, so no word is cut. Each
speaker has their own level (-20..-28 dBFS), as microphones and voices differ; a faint noise floor
runs under the whole file. The truth of a turn is where its speech starts and ends (the clip's
leading and trailing silence and its pauses of 0.5 s or more excluded, as an annotator marks it).

Shared by tests/core/test_speakers_diarize.py and benchmarks/diarization.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from shared_data import DATA

RATE = 16000
SPEECH = DATA / "speech"


def _fleurs(*names: str) -> tuple[Path, ...]:
    return tuple(SPEECH / "fleurs" / f"fleurs-{n}.ogg" for n in names)


def _mfa(*names: str) -> tuple[Path, ...]:
    return tuple(SPEECH / "mfa_voice_quality" / f"mfa_{n}.flac" for n in names)


SPEAKERS: dict[str, tuple[Path, ...]] = {
    "de_a": _fleurs("de-009", "de-007", "de-000"),
    "de_b": _fleurs("de-004", "de-008", "de-005", "de-001"),
    "en_a": _fleurs("en-001", "en-008", "en-005"),
    "es_a": _fleurs("es-003", "es-004"),
    "es_b": _fleurs("es-000", "es-002"),
    "fr_a": _fleurs("fr-001", "fr-007"),
    "pt_a": _fleurs("pt-001", "pt-002", "pt-008", "pt-005"),
    "pt_b": _fleurs("pt-004", "pt-006", "pt-009"),
    "mfa": _mfa("apex", "bottle", "buddy", "affectation", "breaths", "crossword", "long", "words"),
    "jfk": (SPEECH / "jfk" / "jfk.flac",),
}

# The conversations the tests score; the benchmark adds the others in ALL_CONVERSATIONS.
CONVERSATIONS: dict[str, tuple[str, ...]] = {
    "two": ("de_a", "en_a"),
    "three": ("pt_a", "es_a", "jfk"),
    "four": ("de_b", "en_a", "pt_b", "mfa"),
}
ALL_CONVERSATIONS: dict[str, tuple[str, ...]] = {
    **CONVERSATIONS,
    "two_b": ("mfa", "pt_b"),
    "two_c": ("es_b", "fr_a"),
    "three_b": ("de_b", "es_b", "mfa"),
    "four_b": ("de_a", "es_a", "fr_a", "pt_a"),
}


@dataclass(slots=True)
class Conversation:
    """16 kHz mono audio and who speaks when: ``truth`` holds ``(start_ms, end_ms, speaker)``."""

    audio: np.ndarray
    truth: list[tuple[int, int, str]]

    @property
    def speakers(self) -> set[str]:
        return {who for _, _, who in self.truth}

    @property
    def duration_ms(self) -> int:
        return len(self.audio) * 1000 // RATE


def build_conversation(speakers: tuple[str, ...], *, seed: int = 0, turns: int = 0) -> Conversation:
    """Turns from ``speakers`` (keys of SPEAKERS) until each has spoken their material once,
    or ``turns`` turns if given."""
    rng = np.random.default_rng(seed)
    streams = {who: _speaker_stream(who) for who in speakers}
    levels = {who: -20.0 - 8.0 * rng.random() for who in speakers}
    cursor = dict.fromkeys(speakers, 0)
    pieces: list[np.ndarray] = [_silence(0.5, rng)]
    truth: list[tuple[int, int, str]] = []
    at = len(pieces[0])
    last: str | None = None
    n = 0
    while True:
        have = {w: (len(streams[w]) - cursor[w]) / RATE for w in speakers}
        left = [w for w in speakers if have[w] > 1.0]
        if len(left) < 2 or (turns and n >= turns):
            break
        who = str(rng.choice([w for w in left if w != last]))
        quick = rng.random() < 0.2
        want = rng.uniform(1.0, 2.0) if quick else rng.uniform(2.5, 20.0)
        if have[who] > 5.0:  # keep some of a short speaker's material for later turns
            want = min(want, 0.6 * have[who])
        piece, used = _cut(streams[who], cursor[who], want)
        cursor[who] += used
        lead, tail = _speech_bounds(piece)
        if tail - lead < RATE // 2:
            continue
        piece = piece[lead:tail]
        piece = piece * (10 ** (levels[who] / 20) / max(_rms(piece), 1e-9))
        for a, b in _voiced_stretches(piece):
            truth.append(((at + a) * 1000 // RATE, (at + b) * 1000 // RATE, who))
        gap = _silence(rng.uniform(0.2, 0.9), rng)
        pieces += [piece.astype(np.float32), gap]
        at += len(piece) + len(gap)
        last, n = who, n + 1
    return Conversation(np.concatenate(pieces).astype(np.float32), truth)


def _speaker_stream(who: str) -> np.ndarray:
    """The speaker's clips, each trimmed of its leading and trailing silence, joined by 0.3 s."""
    parts = []
    for path in SPEAKERS[who]:
        audio, rate = sf.read(path, dtype="float32", always_2d=True)
        mono = audio.mean(axis=1)
        if rate != RATE:
            import soxr

            mono = soxr.resample(mono, rate, RATE).astype(np.float32)
        mono = mono / max(_rms(mono), 1e-9) * 0.05
        lead, tail = _speech_bounds(mono)
        parts += [mono[lead:tail], np.zeros(int(0.3 * RATE), np.float32)]
    return np.concatenate(parts)


def _cut(stream: np.ndarray, start: int, seconds: float) -> tuple[np.ndarray, int]:
    """About ``seconds`` of ``stream`` from ``start``, ending at the quietest 20 ms (±0.6 s)."""
    end = start + int(seconds * RATE)
    if end >= len(stream) - RATE // 2:
        return stream[start:], len(stream) - start
    lo, hi = max(start + RATE // 2, end - int(0.6 * RATE)), min(len(stream), end + int(0.6 * RATE))
    frame = RATE // 50
    energies = [
        float(np.mean(stream[i : i + frame] ** 2)) for i in range(lo, hi - frame, frame // 2)
    ]
    cut = lo + int(np.argmin(energies)) * (frame // 2) + frame // 2
    return stream[start:cut], cut - start


def _speech_bounds(audio: np.ndarray) -> tuple[int, int]:
    """First and last sample of the 20 ms frames louder than 1/30 of the clip's peak frame RMS."""
    frame = RATE // 50
    n = len(audio) // frame
    if n == 0:
        return 0, len(audio)
    rms = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame) ** 2, axis=1))
    loud = np.flatnonzero(rms > rms.max() / 30)
    return int(loud[0]) * frame, int(loud[-1] + 1) * frame


def _voiced_stretches(piece: np.ndarray, min_pause_s: float = 0.5) -> list[tuple[int, int]]:
    """Sample ranges of a turn without its pauses of ``min_pause_s`` or more (as an annotator
    marks them): a 20 ms frame is a pause when 25 dB under the turn's loud frames."""
    frame = RATE // 50
    n = len(piece) // frame
    rms = np.sqrt(np.mean(piece[: n * frame].reshape(n, frame) ** 2, axis=1))
    quiet = rms < np.percentile(rms, 90) / 17.8
    out: list[tuple[int, int]] = []
    start, i = 0, 0
    while i < n:
        if not quiet[i]:
            i += 1
            continue
        j = i
        while j < n and quiet[j]:
            j += 1
        if (j - i) * frame >= min_pause_s * RATE and i > start:
            out.append((start * frame, i * frame))
            start = j
        i = j
    out.append((start * frame, len(piece)))
    return [(a, b) for a, b in out if b > a]


def _silence(seconds: float, rng: np.random.Generator) -> np.ndarray:
    return (rng.standard_normal(int(seconds * RATE)) * 10 ** (-70 / 20)).astype(np.float32)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2))) if len(x) else 0.0
