"""Silero VAD, one runtime for every path: ONNX Runtime on the wheel's ``silero_vad.onnx`` must
score speech as the package's own TorchScript model does, and the loudness mask's numpy port
must match stable-ts's own."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import speech_synth as synth
from shared_data import JFK
from wavescribe.core import errors
from wavescribe.core.refine import vad

CONDITIONS = ("long_gaps", "tone_bed", "noisy")


def _espeak(name: str) -> np.ndarray:
    if not synth.espeak_available():
        pytest.skip("espeak-ng is not installed")
    audio, _ = synth.CONDITIONS[name].compose(synth.SENTENCES[:6])
    return np.asarray(audio, np.float32)


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    from wavescribe.core.audio.load import load_audio

    audio, _ = load_audio(JFK)
    return audio


def _torch_reference(audio: np.ndarray) -> np.ndarray:
    """The package's TorchScript model, frame by frame: the reference our ONNX wrapper matches."""
    import torch
    from silero_vad import load_silero_vad

    with warnings.catch_warnings():  # deprecation chatter from torch.jit / importlib.resources
        warnings.simplefilter("ignore", DeprecationWarning)
        model = load_silero_vad()
    n = len(audio) // vad.FRAME * vad.FRAME
    with torch.inference_mode():
        chunks = torch.from_numpy(np.ascontiguousarray(audio[:n])).split(vad.FRAME)
        return np.array([model(c, vad.RATE).item() for c in chunks], np.float32)


def _assert_same_scores(audio: np.ndarray) -> None:
    by_torch = _torch_reference(audio)
    by_onnx = vad.silero_probabilities(audio)
    assert by_onnx.shape == by_torch.shape == (len(audio) // vad.FRAME,)
    assert np.abs(by_onnx - by_torch).max() < 1e-4  # measured: ~5e-7
    duration_ms = len(audio) * 1000 // vad.RATE
    assert vad.regions_from_probs(by_onnx, duration_ms) == vad.regions_from_probs(
        by_torch, duration_ms
    )


def test_onnx_and_torch_silero_agree_on_real_speech(jfk) -> None:
    assert (jfk**2).mean() > 1e-4  # real speech, not silence
    _assert_same_scores(jfk)


@pytest.mark.parametrize("name", CONDITIONS)
def test_onnx_and_torch_silero_agree_on_speech_in_tone_and_noise(name: str) -> None:
    _assert_same_scores(_espeak(name))


def test_onnx_model_is_found_without_importing_silero_vad_or_torch() -> None:
    code = (
        "import sys, numpy\n"
        "from wavescribe.core.refine import vad\n"
        "path = vad.onnx_model_path()\n"
        "speech = vad.detect_speech(numpy.zeros(16000, 'float32'))\n"
        "heavy = [m for m in ('torch', 'silero_vad', 'stable_whisper') if m in sys.modules]\n"
        "print(path, speech.method, len(speech.probs), heavy)\n"
        "sys.exit(1 if heavy or speech.method != 'silero-onnx' or len(speech.probs) != 31 else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split()[0].endswith("silero_vad.onnx")


def test_onnx_model_is_loaded_once_per_process() -> None:
    assert vad.load_silero_onnx() is vad.load_silero_onnx()


def test_onnx_voice_activity_detection_can_be_cancelled(jfk) -> None:
    with pytest.raises(errors.Cancelled):
        vad.silero_probabilities(jfk, lambda: True)


def test_speech_detection_says_what_ran(jfk) -> None:
    silero = vad.detect_speech(jfk)
    assert silero.method == "silero-onnx" and silero.probs is not None and silero.regions
    mask = vad.detect_speech(jfk, use_vad=False)
    assert mask.method == "loudness" and mask.probs is None and mask.regions


@pytest.mark.parametrize("name", CONDITIONS)
def test_numpy_loudness_mask_matches_stable_ts(name: str) -> None:
    from stable_whisper.stabilization.nonvad import audio2timings

    audio = _espeak(name)
    theirs = audio2timings(audio, sr=vad.RATE)
    ours = vad.silent_timings(audio)
    assert theirs is not None and ours is not None
    np.testing.assert_allclose(ours[0], theirs[0])
    np.testing.assert_allclose(ours[1], theirs[1])
    duration_ms = len(audio) * 1000 // vad.RATE
    assert vad.loudness_regions(audio) == vad.regions_between(
        theirs, duration_ms, vad.MIN_SILENCE_MS
    )


def test_numpy_loudness_mask_edge_cases() -> None:
    assert vad.silent_timings(np.zeros(100, np.float32)) is None  # too short to tell
    starts, ends = vad.silent_timings(np.zeros(32000, np.float32))  # all silent
    assert starts.tolist() == [0.0] and ends[0] == pytest.approx(2.02)
    assert vad.loudness_regions(np.zeros(32000, np.float32)) == []
