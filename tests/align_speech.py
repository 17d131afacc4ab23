"""Real read speech with known sentence offsets, for the alignment tests and benchmark.

FLEURS English clips (real speakers, gold text) are laid end to end with pauses; each clip's
speech onset and offset come from its own signal (10 ms RMS clearly over its noise floor), so
the true time of each clip's first word start and last word end is known without any model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from shared_data import DATA

if TYPE_CHECKING:
    from wavescribe.core.transcript import Word

# Every word of a splice layout: (text, start, end), times known only at the splices.
Ref = list[tuple[str, int | None, int | None]]

RATE = 16000
FLEURS = DATA / "speech" / "fleurs"


@dataclass(frozen=True)
class Clip:
    """Where one clip's speech lies in the layout (ms) and its gold text."""

    start_ms: int
    end_ms: int
    text: str


def fleurs_clip(n: int, language: str = "en") -> tuple[np.ndarray, str]:
    from wavescribe.core.audio.load import load_audio

    path = FLEURS / f"fleurs-{language}-{n:03d}.ogg"
    audio, _ = load_audio(path)
    return audio, path.with_suffix(".txt").read_text(encoding="utf-8").strip()


def speech_span(clip: np.ndarray, above_floor_db: float = 15.0) -> tuple[int, int]:
    """First and last sample of the clip's speech: the first and last 10 ms frame whose RMS is
    ``above_floor_db`` over the recording's noise floor (its 10th percentile frame), in a run
    of at least 50 ms (FLEURS clips carry room noise ~35 dB under the peak)."""
    hop = RATE // 100
    n = len(clip) // hop
    rms = np.sqrt(np.mean(clip[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    level = 20 * np.log10(rms)
    loud = level > np.percentile(level, 10) + above_floor_db
    sustained = np.convolve(loud, np.ones(5), "same") >= 5
    voiced = np.nonzero(sustained)[0]
    voiced = np.array([voiced[0] - 2, voiced[-1] + 2])
    return int(voiced[0] * hop), int((voiced[-1] + 1) * hop)


def fleurs_layout(
    clips: list[int], gap_ms: int = 1500, lead_ms: int = 700, level_dbfs: float = -23.0
) -> tuple[np.ndarray, list[Clip]]:
    """The clips laid end to end with ``gap_ms`` of silence after each, each brought to
    ``level_dbfs`` RMS: the FLEURS files lie between -20 and -67 dBFS, a 45 dB spread no single
    recording has (at -60 dBFS Silero finds no speech and whisper.cpp skips the sentence)."""
    pieces = [np.zeros(lead_ms * RATE // 1000, np.float32)]
    pos = len(pieces[0])
    out: list[Clip] = []
    for n in clips:
        audio, text = fleurs_clip(n)
        audio = audio * (10 ** (level_dbfs / 20) / max(float(np.sqrt(np.mean(audio**2))), 1e-9))
        a, b = speech_span(audio)
        out.append(Clip((pos + a) * 1000 // RATE, (pos + b) * 1000 // RATE, text))
        pieces += [audio, np.zeros(gap_ms * RATE // 1000, np.float32)]
        pos += len(audio) + gap_ms * RATE // 1000
    return np.concatenate(pieces).astype(np.float32), out


def write_wav(path: Path, audio: np.ndarray) -> Path:
    import soundfile as sf

    sf.write(path, audio, RATE, subtype="PCM_16")
    return path


# Clips whose energy span is the sentence: fleurs-en-005 is cut off mid-speech and fleurs-en-006
# carries a sound 2.4 s after its last word, so their spans are not where the words are.
SPLICEABLE = (0, 1, 2, 3, 4, 7, 8, 9)


def fleurs_spliced(
    order: list[int],
    per_run: int = 4,
    gap_ms: int = 1500,
    lead_ms: int = 700,
    sentences: list[tuple[int, int, str]] | None = None,
    language: str = "en",
) -> tuple[np.ndarray, list[tuple[str, int | None, int | None]]]:
    """FLEURS sentences cut to their speech span and butted together, ``per_run`` at a time with
    ``gap_ms`` of silence between runs: inside a run, one sentence's last word ends and the next
    one's first word starts exactly at the splice, with no pause (real speech, exact boundary
    up to the span's 20 ms margin). Returns the audio and every word as (text, start, end), the
    times known only at splices inside a run (None elsewhere). ``sentences``, if given, gets
    each sentence's (start, end, text) in ms: its span, exact (subtitles timed to the speech).
    ``language``: FLEURS's en, de, es, fr or pt clips (SPLICEABLE is for English)."""
    pieces = [np.zeros(lead_ms * RATE // 1000, np.float32)]
    pos = len(pieces[0])
    ref: list[tuple[str, int | None, int | None]] = []
    for k, n in enumerate(order):
        audio, text = fleurs_clip(n, language)
        audio = audio * (10 ** (-23.0 / 20) / max(float(np.sqrt(np.mean(audio**2))), 1e-9))
        a, b = speech_span(audio)
        words = text.split()
        splice = pos * 1000 // RATE
        if k % per_run:  # a splice inside the run: the word before ends here, this one starts
            w, s, _ = ref[-1]
            ref[-1] = (w, s, splice)
            ref.append((words[0], splice, None))
        else:
            ref.append((words[0], None, None))
        ref += [(w, None, None) for w in words[1:]]
        pieces.append(audio[a:b].astype(np.float32))
        if sentences is not None:
            sentences.append((splice, (pos + b - a) * 1000 // RATE, text))
        pos += b - a
        if (k + 1) % per_run == 0:
            pieces.append(np.zeros(gap_ms * RATE // 1000, np.float32))
            pos += gap_ms * RATE // 1000
    return np.concatenate(pieces), ref


def splice_errors(ref: Ref, words: list[Word]) -> list[int]:
    """|error| of every known start and end (at the splices) of ``words``, which are the
    reference's own words one for one (an aligned script, re-timed subtitles)."""
    assert [w.text.strip() for w in words] == [r[0] for r in ref]
    starts = [abs(w.start - r[1]) for w, r in zip(words, ref, strict=True) if r[1] is not None]
    ends = [abs(w.end - r[2]) for w, r in zip(words, ref, strict=True) if r[2] is not None]
    return starts + ends


def heard_errors(ref: Ref, words: list[Word]) -> tuple[list[int], list[int]]:
    """|error| of the known starts, and of the known ends, of the reference words that
    ``words`` (a transcription's) match exactly."""
    from wavescribe.core.align.word_match import Match, match_words

    m = match_words([r[0] for r in ref], [w.text for w in words])
    starts, ends = [], []
    for (_, rs, re_), h, kind in zip(ref, m.heard_index, m.kind, strict=True):
        if h is None or kind is not Match.EXACT:
            continue
        if rs is not None:
            starts.append(abs(words[h].start - rs))
        if re_ is not None:
            ends.append(abs(words[h].end - re_))
    return starts, ends


def heard_splice_errors(ref: Ref, words: list[Word]) -> list[int]:
    """:func:`heard_errors`, starts and ends together."""
    starts, ends = heard_errors(ref, words)
    return starts + ends
