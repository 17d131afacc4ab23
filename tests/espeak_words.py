"""Speech with exact word boundaries: espeak-ng through libespeak-ng, reporting where each word
starts in its own output (its word events), resampled to 16 kHz.

Synthetic speech, but the only reference here that is exact at the word level: a word starts at
its word event and ends where the next word starts, or at the pause that follows it (espeak's
pause phonemes ``_`` / ``_:``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass

import numpy as np

RATE = 16000
_WORD, _PHONEME, _END = 1, 7, 5
_SYNCHRONOUS = 2
_PHONEME_EVENTS = 1

PARAGRAPHS = [
    "The old lighthouse keeper climbed the narrow stairs every evening before sunset. "
    "He polished the great lens, trimmed the wick, and watched the ships pass the rocks.",
    "Our committee met on Tuesday to discuss the budget for next year. "
    "Most members agreed that the library needs new computers and longer opening hours.",
    "Rain fell steadily through the night, and by morning the river had risen to the bridge. "
    "Farmers moved their cattle to higher ground while the children watched from the hill.",
]


@dataclass(frozen=True)
class TimedWord:
    text: str
    start_ms: int
    end_ms: int


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)
_lib = None
_rate = 0


def available() -> bool:
    return (ctypes.util.find_library("espeak-ng") or _try("libespeak-ng.so.1")) is not None


def _try(name: str) -> str | None:
    try:
        ctypes.CDLL(name)
    except OSError:
        return None
    return name


def speak_words(
    text: str, voice: str = "en-us", wpm: int = 165
) -> tuple[np.ndarray, list[TimedWord]]:
    """``text`` spoken, as 16 kHz float32, and each word's exact span in it (ms)."""
    import soxr

    global _lib, _rate
    if _lib is None:
        _lib = ctypes.CDLL(ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1")
        _rate = _lib.espeak_Initialize(_SYNCHRONOUS, 0, None, _PHONEME_EVENTS)
    chunks: list[np.ndarray] = []
    events: list[tuple[int, int, int, int, bytes]] = []

    def collect(wav, n, ev):
        if wav and n > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while ev[i].type != 0:
            e = ev[i]
            events.append((e.type, e.text_position, e.length, e.sample, bytes(e.id)))
            i += 1
        return 0

    callback = _CALLBACK(collect)
    _lib.espeak_SetSynthCallback(callback)
    _lib.espeak_SetVoiceByName(voice.encode())
    _lib.espeak_SetParameter(1, wpm, 0)  # espeakRATE
    data = text.encode("utf-8") + b"\0"
    _lib.espeak_Synth(data, len(data), 0, 1, 0, 1, None, None)  # POS_CHARACTER, CHARS_UTF8
    _lib.espeak_Synchronize()
    audio = np.concatenate(chunks).astype(np.float32) / 32768.0
    audio16 = soxr.resample(audio, _rate, RATE).astype(np.float32)
    total_ms = len(audio) * 1000 // _rate
    words: list[tuple[int, int, int]] = []  # (char position, length, start ms)
    pauses: list[int] = []
    for kind, pos, length, sample, ident in events:
        ms = sample * 1000 // _rate
        if kind == _WORD:
            words.append((pos, length, ms))
        elif (kind == _PHONEME and ident.startswith(b"_")) or kind == _END:
            pauses.append(ms)
    out: list[TimedWord] = []
    for k, (pos, length, start) in enumerate(words):
        nxt = words[k + 1][2] if k + 1 < len(words) else total_ms
        end = min([nxt, *(p for p in pauses if start < p < nxt)])
        word = text.encode("utf-8")[pos - 1 : pos - 1 + length].decode("utf-8", "replace")
        if any(ch.isalnum() for ch in word):
            out.append(TimedWord(word, start, end))
    return audio16, out


def layout(
    paragraphs: list[str], gap_ms: int = 1200, lead_ms: int = 600
) -> tuple[np.ndarray, list[TimedWord]]:
    """The paragraphs spoken one after another with ``gap_ms`` of silence between them."""
    pieces = [np.zeros(lead_ms * RATE // 1000, np.float32)]
    offset = lead_ms
    words: list[TimedWord] = []
    for text in paragraphs:
        audio, own = speak_words(text)
        words += [TimedWord(w.text, w.start_ms + offset, w.end_ms + offset) for w in own]
        pieces += [audio, np.zeros(gap_ms * RATE // 1000, np.float32)]
        offset += len(audio) * 1000 // RATE + gap_ms
    return np.concatenate(pieces), words
