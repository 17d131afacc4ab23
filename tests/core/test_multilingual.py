"""The multilingual path: language detection, a forced language, translation to English.

Uses the packaged multilingual Whisper base (the ``multilingual`` extra, part of ``dev``),
converted to GGML q8_0, on German speech spoken by espeak-ng.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import speech_synth as synth
from wavescribe.core.engine.client import Engine
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.models.ggml_file import validate_ggml
from wavescribe.core.models.starter import MULTILINGUAL_ID, resolve_model
from wavescribe.core.models.store import ModelStore

GERMAN = (
    "Guten Morgen. Heute fahre ich mit dem Zug in die Stadt, weil das Wetter schön ist. "
    "Am Abend koche ich Suppe für meine Familie."
)


@pytest.fixture(scope="module")
def base_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = ModelStore(tmp_path_factory.mktemp("store"))
    path = resolve_model(MULTILINGUAL_ID, store)
    assert not (store.root / ".base-ct2").exists()  # the assembled source folder is cleaned up
    return path


@pytest.fixture(scope="module")
def german_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio = synth.speak(GERMAN, voice="de", wpm=140)
    return synth.write_wav(tmp_path_factory.mktemp("de") / "de.wav", audio)


@pytest.fixture(scope="module")
def engine(base_model: Path):
    with Engine(base_model) as e:
        yield e


FAST = {"refine": False, "beam_size": 1}


def test_packaged_base_converts_to_a_multilingual_ggml(base_model: Path):
    info = validate_ggml(base_model)
    assert info.multilingual and info.model_type == "base" and info.quantization == "q8_0"


def test_language_is_detected_and_german_is_transcribed(engine: Engine, german_wav: Path):
    t = engine.transcribe(german_wav, TranscribeOptions(language="auto", **FAST))
    assert t.language == "de"
    # espeak-ng's German is robotic and base is a small model: a loose bound, but German words.
    assert synth.word_error_rate(GERMAN, t.text) <= 0.4, t.text
    assert {"morgen", "zug", "familie"} <= set(synth.normalise_words(t.text))


def test_translate_gives_english(engine: Engine, german_wav: Path):
    t = engine.transcribe(german_wav, TranscribeOptions(translate=True, **FAST))
    words = set(synth.normalise_words(t.text))
    assert "morning" in words and len({"train", "city", "family", "weather"} & words) >= 2, t.text
    assert not {"morgen", "zug", "stadt", "familie", "und"} & words


def test_a_forced_language_is_used(engine: Engine, german_wav: Path):
    t = engine.transcribe(german_wav, TranscribeOptions(language="de", **FAST))
    assert t.language == "de"
    assert "zug" in synth.normalise_words(t.text)


def _fleurs_8s_apart(lang: str, tmp_path: Path) -> tuple[Path, str]:
    """Four FLEURS clips of ``lang`` with 8 s of silence after each, and their text."""
    import numpy as np
    import soundfile as sf

    from shared_data import DATA
    from wavescribe.core.audio.load import load_audio

    fleurs = DATA / "speech" / "fleurs"
    clips = [load_audio(fleurs / f"fleurs-{lang}-00{i}.ogg")[0] for i in range(4)]
    reference = " ".join((fleurs / f"fleurs-{lang}-00{i}.txt").read_text() for i in range(4))
    pause = np.zeros(8 * 16_000, np.float32)
    wav = tmp_path / f"{lang}.wav"
    sf.write(wav, np.concatenate([x for c in clips for x in (c, pause)]), 16_000)
    return wav, reference


def test_an_auto_language_is_decided_on_speech_not_on_a_stretch_before_it(
    engine: Engine, tmp_path: Path
):
    """Four Spanish FLEURS clips 8 s apart: Silero misses 1.2 s at the start of the first, and
    whisper.cpp, deciding "auto" on the first window it was given (that stretch), heard Korean
    and decoded every window as Korean. The language is decided on the widest speech window."""
    wav, reference = _fleurs_8s_apart("es", tmp_path)
    t = engine.transcribe(wav, TranscribeOptions(language="auto", **FAST))
    assert t.language == "es"
    assert synth.word_error_rate(reference, t.text) <= 0.2, t.text
