"""Test speech with known text and known timing, synthesised with espeak-ng.

Each sentence is spoken to its own clip; the clips are laid on a timeline with chosen gaps, so the
true start and end of every sentence is known from the clean clip's energy, not from any model.
Optional pink noise and a tone bed between sentences make the audio harder on purpose.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from wavescribe.core.word_error import normalise_words, word_error_rate  # noqa: F401 (tests use them)

RATE = 16000
SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "She sells sea shells by the sea shore every summer morning.",
    "Please remember to bring your notebook to the meeting tomorrow.",
    "The weather today is cold and windy with a chance of rain.",
    "Our library opens at nine and closes at five on weekdays.",
    "He drove the old green truck across the bridge at noon.",
]


@dataclass(frozen=True)
class Span:
    start_ms: int
    end_ms: int
    text: str


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str, voice: str = "en-us", wpm: int = 150) -> np.ndarray:
    """One sentence as float32 mono at 16 kHz."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "s.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(wav), text],
            check=True,
            capture_output=True,
        )
        data, rate = sf.read(wav, dtype="float32")
    import soxr

    return soxr.resample(data, rate, RATE).astype(np.float32)


def speech_span(clip: np.ndarray, threshold_db: float = -40.0) -> tuple[int, int]:
    """First and last sample of a clean clip whose 10 ms RMS is within ``threshold_db`` of peak."""
    hop = RATE // 100
    n = len(clip) // hop
    rms = np.sqrt(np.mean(clip[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    level = 20 * np.log10(rms / rms.max())
    voiced = np.nonzero(level > threshold_db)[0]
    return int(voiced[0] * hop), int((voiced[-1] + 1) * hop)


def pink_noise(n: int, dbfs: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum))
    spectrum[1:] /= np.sqrt(f[1:])
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n)
    noise /= np.sqrt(np.mean(noise**2)) + 1e-12
    return (noise * 10 ** (dbfs / 20)).astype(np.float32)


def compose(
    sentences: list[str],
    gaps_ms: list[int],
    *,
    lead_ms: int = 500,
    tail_ms: int = 1000,
    noise_dbfs: float | None = None,
    tone_hz: float | None = None,
    tone_dbfs: float = -30.0,
) -> tuple[np.ndarray, list[Span]]:
    """Lay ``sentences`` on a timeline; ``gaps_ms[i]`` is the silence after sentence ``i``."""
    clips = [speak(s) for s in sentences]
    pieces: list[np.ndarray] = [np.zeros(lead_ms * RATE // 1000, np.float32)]
    spans: list[Span] = []
    pos = len(pieces[0])
    gap_ranges: list[tuple[int, int]] = []
    for i, (text, clip) in enumerate(zip(sentences, clips, strict=True)):
        a, b = speech_span(clip)
        spans.append(Span((pos + a) * 1000 // RATE, (pos + b) * 1000 // RATE, text))
        pieces.append(clip)
        pos += len(clip)
        gap = gaps_ms[i] if i < len(gaps_ms) else tail_ms
        gap_n = gap * RATE // 1000
        gap_ranges.append((pos, pos + gap_n))
        pieces.append(np.zeros(gap_n, np.float32))
        pos += gap_n
    audio = np.concatenate(pieces)
    if tone_hz is not None:
        t = np.arange(len(audio)) / RATE
        tone = (10 ** (tone_dbfs / 20) * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32)
        for a, b in gap_ranges:
            audio[a:b] += tone[a:b]
    if noise_dbfs is not None:
        audio += pink_noise(len(audio), noise_dbfs)
    return np.clip(audio, -1, 1).astype(np.float32), spans


def write_wav(path: Path, audio: np.ndarray) -> Path:
    sf.write(path, audio, RATE, subtype="PCM_16")
    return path


# --- Named test conditions ------------------------------------------------------------------
# Shared by the refinement tests and benchmarks/timing.py so both measure the same audio.

MORE_SENTENCES = [
    "A small bird sang softly in the tall oak tree behind the house.",
    "My brother bought fresh bread and cheese at the market.",
    "The train to the city leaves every hour from platform four.",
    "Children played football in the park until the sun went down.",
    "Turn off the lights and lock the door before you leave.",
    "The museum has a famous painting of a ship in a storm.",
]

TONE_HZ = 440.0
TONE_DBFS = -30.0
NOISE_DBFS = -35.0


@dataclass(frozen=True)
class Condition:
    """A named way to lay sentences out: gaps after each sentence (ms) and what fills them."""

    name: str
    gaps_ms: tuple[int, ...]
    noise_dbfs: float | None = None
    tone_hz: float | None = None

    def compose(self, sentences: list[str]) -> tuple[np.ndarray, list[Span]]:
        gaps = [self.gaps_ms[i % len(self.gaps_ms)] for i in range(len(sentences))]
        return compose(
            sentences,
            gaps,
            noise_dbfs=self.noise_dbfs,
            tone_hz=self.tone_hz,
            tone_dbfs=TONE_DBFS,
        )


CONDITIONS = {
    "clean": Condition("clean", (700, 1200, 5500, 500, 2000, 900)),
    "noisy": Condition("noisy", (700, 1200, 5500, 500, 2000, 900), noise_dbfs=NOISE_DBFS),
    "long_gaps": Condition("long_gaps", (6000, 800, 12000, 1000, 5000, 600)),
    "tone_bed": Condition("tone_bed", (1500, 6000, 1000, 5500, 2000, 800), tone_hz=TONE_HZ),
}


def silent_stretches(spans: list[Span], total_ms: int, min_ms: int = 5000) -> list[tuple[int, int]]:
    """Stretches of at least ``min_ms`` with no speech (gaps between, before and after spans)."""
    edges = [0, *(x for s in spans for x in (s.start_ms, s.end_ms)), total_ms]
    pairs = [(edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2)]
    return [(a, b) for a, b in pairs if b - a >= min_ms]


# --- Scoring a transcript against the ground truth --------------------------------------------
# A sentence is matched to the cues that overlap it: the first one's start against the sentence's
# start, the last one's end against its end. A cue "in silence" overlaps a stretch of at least
# 5 s without speech, past the first LINGER_MS after the speech before it (a cue may stay up that
# long after the voice stops, for reading time) and before the last EDGE_MS before the next.

LINGER_MS = 1000
EDGE_MS = 150


def edge_errors(spans: list[Span], cues: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Signed start and end errors (cue minus truth, ms) per sentence; a missed sentence counts
    as an error of the sentence's whole length."""
    starts: list[int] = []
    ends: list[int] = []
    for s in spans:
        hit = [c for c in cues if c[1] > s.start_ms and c[0] < s.end_ms]
        if not hit:
            starts.append(s.end_ms - s.start_ms)
            ends.append(s.end_ms - s.start_ms)
            continue
        starts.append(hit[0][0] - s.start_ms)
        ends.append(hit[-1][1] - s.end_ms)
    return starts, ends


def cues_in_silence(
    spans: list[Span], cues: list[tuple[int, int]], total_ms: int, min_silence_ms: int = 5000
) -> list[tuple[int, int]]:
    """The cues that show text inside a long silence (see above)."""
    out = []
    for a, b in silent_stretches(spans, total_ms, min_silence_ms):
        lo = a + (LINGER_MS if a > 0 else 0) + EDGE_MS
        hi = b - EDGE_MS
        out.extend(c for c in cues if c[0] < hi and c[1] > lo)
    return sorted(set(out))
