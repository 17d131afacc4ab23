"""Pronunciations for the forced aligner in languages its dictionary lacks (espeak-ng's).

PocketSphinx's wheel carries a US English acoustic model and the CMU dictionary only. A forced
aligner needs the words' phones far more than a model of the language: given the right sequence
of sounds, English phone models find where one word ends and the next begins in Spanish or
German speech too. espeak-ng knows how to say words in about a hundred languages; we ask it for
each word's IPA (``espeak_TextToPhonemes``, through the library and data that the
``espeakng-loader`` wheel bundles: no system install) and map each IPA sound to the nearest of
the 39 English phones. Which languages the aligner then uses is decided by measurement
(:data:`forced_alignment.LANGUAGES`).
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

# espeak-ng voice per Whisper language code (FLEURS Portuguese is Brazilian).
VOICES = {"de": "de", "es": "es", "fr": "fr", "pt": "pt-br"}

# IPA sound -> CMU phones; the longest match is taken first (diphthongs and affricates before
# their parts). Stress, length and nasality marks are dropped.
IPA_TO_CMU = {
    "aɪ": "AY", "aʊ": "AW", "ɔɪ": "OY", "ɔʏ": "OY", "eɪ": "EY", "oʊ": "OW", "əʊ": "OW",
    "ai": "AY", "au": "AW", "ei": "EY", "oi": "OY", "ɛɪ": "EY", "ɐɪ": "AY", "ɐʊ": "AW",
    "tʃ": "CH", "dʒ": "JH", "ts": "T S", "pf": "P F", "tɕ": "CH", "dʑ": "JH",
    "i": "IY", "ɪ": "IH", "e": "EY", "ɛ": "EH", "æ": "AE", "a": "AA", "ɑ": "AA", "ɐ": "AH",
    "ə": "AH", "ɜ": "ER", "ɚ": "ER", "ʌ": "AH", "ɔ": "AO", "o": "OW", "ɒ": "AA", "u": "UW",
    "ʊ": "UH", "y": "UW", "ʏ": "UH", "ø": "ER", "œ": "ER", "ɨ": "IH", "ɯ": "UW", "ɤ": "AH",
    "ɵ": "ER", "ɘ": "AH",
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "ɡ": "G", "f": "F", "v": "V",
    "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "θ": "TH", "ð": "DH", "h": "HH", "x": "HH",
    "ç": "HH", "χ": "HH", "ħ": "HH", "ʁ": "R", "r": "R", "ɾ": "R", "ɹ": "R", "ʀ": "R", "ɻ": "R",
    "l": "L", "ɫ": "L", "ʎ": "L Y", "ʟ": "L", "m": "M", "n": "N", "ŋ": "NG", "ɲ": "N Y",
    "ɱ": "M", "j": "Y", "w": "W", "ɥ": "W", "β": "B", "ɣ": "G", "c": "K", "ɟ": "G", "ʝ": "Y",
    "ʋ": "V", "ɕ": "SH", "ʑ": "ZH",
}  # fmt: skip
_SOUNDS = sorted(IPA_TO_CMU, key=len, reverse=True)

_lock = threading.Lock()
_lib: Any = None
_voice: str | None = None
_failed = False


def available(language: str | None) -> bool:
    """Whether words of ``language`` can be spelled in phones here (a voice for it, and the
    bundled espeak-ng loads)."""
    if (language or "").split("-")[0].lower() not in VOICES:
        return False
    with _lock:
        return _library() is not None


def phones(word: str, language: str) -> str:
    """``word`` (one written word of ``language``) as CMU phones, e.g. "HH AO NG K AO NG";
    "" when espeak-ng says nothing for it (punctuation) or is not available."""
    voice = VOICES.get(language.split("-")[0].lower())
    if voice is None or not word.strip():
        return ""
    with _lock:
        return to_cmu(_ipa(word, voice))


def to_cmu(ipa: str) -> str:
    """IPA (as espeak-ng writes it) mapped sound by sound to CMU phones; unknown marks dropped."""
    out: list[str] = []
    i = 0
    while i < len(ipa):
        for sound in _SOUNDS:
            if ipa.startswith(sound, i):
                out.append(IPA_TO_CMU[sound])
                i += len(sound)
                break
        else:
            i += 1  # stress, length, nasal and syllable marks, spaces
    return " ".join(out)


def _ipa(text: str, voice: str) -> str:
    global _voice
    lib = _library()
    if lib is None:
        return ""
    if voice != _voice:
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            return ""
        _voice = voice
    buf = ctypes.create_string_buffer(text.encode("utf-8"))
    ptr = ctypes.c_void_p(ctypes.addressof(buf))
    parts: list[str] = []
    while ptr.value:  # one call per clause; the pointer moves on
        said = lib.espeak_TextToPhonemes(ctypes.byref(ptr), _CHARS_UTF8, _PHONEMES_IPA)
        if said:
            parts.append(said.decode("utf-8", "replace"))
    return " ".join(parts)


_CHARS_UTF8 = 1
_PHONEMES_IPA = 0x02
_OUTPUT_SYNCHRONOUS = 0x02


def _library() -> Any:
    """espeak-ng, initialised once (the caller holds the lock); None if it cannot load."""
    global _lib, _failed
    if _lib is not None or _failed:
        return _lib
    try:
        import espeakng_loader

        lib = ctypes.cdll.LoadLibrary(str(espeakng_loader.get_library_path()))
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_void_p),
            ctypes.c_int,
            ctypes.c_int,
        ]
        data = str(espeakng_loader.get_data_path()).encode()
        if lib.espeak_Initialize(_OUTPUT_SYNCHRONOUS, 0, data, 0) <= 0:
            raise OSError("espeak-ng did not initialise")
    except (ImportError, OSError, AttributeError):
        _failed = True
        return None
    _lib = lib
    return _lib
