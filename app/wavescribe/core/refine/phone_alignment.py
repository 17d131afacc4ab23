"""One stretch of audio and its written words -> where each word is said (PocketSphinx).

The HMM forced alignment that :mod:`forced_alignment` runs inside each speech region. CMU
PocketSphinx (BSD): its PyPI wheel carries the US English acoustic model and the CMU
pronouncing dictionary, so it works offline with nothing to download. English words are said as
the dictionary has them (numbers spelled out; unknown words get a rough pronunciation,
:mod:`spoken_forms`); German, Spanish, French and Portuguese words as espeak-ng spells them in
the same phones (:mod:`espeak_phones`). Each stretch is conditioned (one level, a faint steady
noise floor, quiet padding) and the front end reset before it, so that the same words in the
same audio always get the same frames.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from wavescribe.core.audio.load import SAMPLE_RATE
from wavescribe.core.refine import espeak_phones
from wavescribe.core.refine.spoken_forms import rough_phones, spoken_words

RATE = SAMPLE_RATE
FRAME_MS = 10  # PocketSphinx's frame rate is 100 per second
PAD_MS = 150  # audio either side of a stretch, so its first and last words are not squeezed
MAX_STRETCH_MS = 60_000  # longer stretches are left as they are (decoding cost grows with length)
# Audio conditioning (espeak, 71 words: 26/29 ms median start/end error without it, 8/7 with;
# stretches left unaligned on sentence_joins.py's transcript 23 -> 3):
LEVEL_DB = -20.0  # each stretch brought to this RMS level (dBFS)
NOISE_DB = -50.0  # over a steady white noise floor at this level
QUIET_MS = 200  # and padded with that floor alone, so that it starts and ends in silence
_FILLERS = ("<s>", "</s>", "<sil>", "[NOISE]", "(NULL)")

_lock = threading.Lock()
_decoder: Any = None
_known: set[str] = set()
_spelled: dict[tuple[str, str], str] = {}  # (language, word) -> its token in the dictionary
_phones_of: dict[str, str] = {}  # such a token -> its phones


def base_language(language: str | None) -> str:
    """ "pt-BR" -> "pt"; no language is English."""
    return (language or "en").split("-")[0].lower()


def align_words(
    audio: np.ndarray, start_ms: int, end_ms: int, words: Sequence[str], language: str = "en"
) -> list[tuple[int, int] | None] | None:
    """Each written word's (start, end) in ms on the audio's timeline, aligned in
    ``start_ms``-``end_ms``; ``None`` for a word with nothing to say (punctuation), and ``None``
    for the whole when the stretch could not be aligned."""
    spoken = [_tokens(w, language) for w in words]
    tokens = [t for s in spoken for t in s]
    if not tokens or end_ms - start_ms > MAX_STRETCH_MS:
        return None
    # On the 10 ms frame grid of the whole file: the same words get the same frames whatever
    # the stretch's edges (which differ by a few ms with and without stable-ts).
    a = max(0, (start_ms - PAD_MS) // FRAME_MS * FRAME_MS * RATE // 1000)
    b = min(len(audio), (end_ms + PAD_MS) * RATE // 1000)
    pcm = _conditioned(audio[a:b])
    with _lock:
        spans = _align(pcm, tokens)
    if spans is None:
        return None
    origin = a * 1000 // RATE - QUIET_MS
    out: list[tuple[int, int] | None] = []
    k = 0
    for s in spoken:
        if not s:
            out.append(None)
            continue
        first, last = spans[k], spans[k + len(s) - 1]
        out.append((origin + first[0], origin + last[1]))
        k += len(s)
    return out


def _tokens(word: str, language: str) -> list[str]:
    """The dictionary words ``word`` is said as: English ones (numbers spelled out), or one
    token of its own whose phones espeak-ng gives; [] for a word with nothing to say."""
    code = base_language(language)
    if code == "en":
        return spoken_words(word)
    key = word.strip().strip(_EDGE_PUNCTUATION).lower()
    if not key:
        return []
    with _lock:
        token = _spelled.get((code, key))
        if token is None:
            said = espeak_phones.phones(key, code)
            token = _spelled[(code, key)] = f"_{code}{len(_spelled)}" if said else ""
            if said:
                _phones_of[token] = said
    return [token] if token else []


_EDGE_PUNCTUATION = "\"'.,;:!?¿¡()[]{}«»“”„‘’‚‹›-–—…"


def _conditioned(x: np.ndarray) -> bytes:
    """16-bit PCM at one level with a faint steady noise floor: the model was trained on
    recorded speech, and near-digital silence (synthetic speech, band-limited or gated audio)
    makes the aligner give up or misplace words."""
    x = np.asarray(x, np.float64)
    rms = float(np.sqrt(np.mean(x**2))) if len(x) else 0.0
    if rms > 1e-6:
        x = x * (10 ** (LEVEL_DB / 20) / rms)
    quiet = np.zeros(QUIET_MS * RATE // 1000)
    x = np.concatenate((quiet, x, quiet))
    x = x + np.random.default_rng(len(x)).normal(0.0, 10 ** (NOISE_DB / 20), len(x))
    pcm: bytes = (np.clip(x, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return pcm


def known_word(word: str) -> bool:
    """Whether the pronouncing dictionary has every word said for ``word`` (else: rough)."""
    with _lock:
        decoder = _get_decoder()
        return all(decoder.lookup_word(t) is not None for t in spoken_words(word))


def model_dir() -> Path:
    """The wheel's US English model folder (acoustic model ``en-us/`` and the dictionary), found
    beside the package so that the frozen app, which bundles only these two, finds it too."""
    import pocketsphinx

    return Path(pocketsphinx.__file__).parent / "model" / "en-us"


def _align(pcm: bytes, tokens: list[str]) -> list[tuple[int, int]] | None:
    decoder = _get_decoder()
    for t in tokens:
        if t not in _known:
            if decoder.lookup_word(t) is None:
                decoder.add_word(t, _phones_of.get(t) or rough_phones(t), True)
            _known.add(t)
    try:
        # Each stretch on its own: the feature front end (its cepstral mean above all) carries
        # state over from the stretch before, and the same words in the same audio came out up
        # to 120 ms apart depending on what was aligned earlier. Resetting costs 0.1 ms.
        decoder.reinit_feat()
        decoder.set_align_text(" ".join(tokens))
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
    except RuntimeError:
        return None
    if decoder.hyp() is None:
        return None
    found = [
        (seg.word.split("(")[0], seg.start_frame, seg.end_frame)
        for seg in decoder.seg()
        if seg.word not in _FILLERS
    ]
    if [w for w, _, _ in found] != tokens:
        return None
    return [(s * FRAME_MS, (e + 1) * FRAME_MS) for _, s, e in found]


def _get_decoder() -> Any:
    global _decoder
    if _decoder is None:
        from pocketsphinx import Decoder

        # Wide beams: the words are known, and narrow ones give up on long stretches.
        model = model_dir()
        _decoder = Decoder(
            hmm=str(model / "en-us"),
            dict=str(model / "cmudict-en-us.dict"),
            lm=None,
            loglevel="FATAL",
            beam=1e-60,
            wbeam=1e-40,
            pbeam=1e-60,
            # dither draws from a time-seeded generator; the conditioning's seeded noise floor
            # does what it did for digital silence (see _align for the other half).
            dither=False,
        )
    return _decoder
