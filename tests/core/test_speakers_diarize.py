"""Offline diarization on conversations of real speakers: DER, speaker count, numpy = torch."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import soundfile as sf

from conversation_layout import CONVERSATIONS, build_conversation
from shared_data import JFK_DIR
from wavescribe.core.refine.vad import detect_speech
from wavescribe.core.speakers import encoder
from wavescribe.core.speakers.count import SpeakerCount, parse_speaker_count
from wavescribe.core.speakers.diarize import diarize
from wavescribe.core.speakers.mel import mel_frames
from wavescribe.core.speakers.scoring import diarization_error


@pytest.fixture(scope="module")
def conversations() -> dict:
    out = {}
    for name, speakers in CONVERSATIONS.items():
        conv = build_conversation(speakers, seed=1)
        out[name] = (conv, detect_speech(conv.audio).regions)
    return out


def _hyp(d) -> list[tuple[int, int, str]]:
    return [(a, b, str(w)) for a, b, w in d.turns]


@pytest.mark.parametrize("name", ["two", "three"])
def test_der_is_at_most_15_percent_and_the_count_is_right(conversations, name):
    conv, regions = conversations[name]
    d = diarize(conv.audio, regions)
    result = diarization_error(conv.truth, _hyp(d))
    assert d.n_speakers == len(conv.speakers)
    assert result.der <= 0.15, result


def test_four_speakers_are_counted_right(conversations):
    conv, regions = conversations["four"]
    d = diarize(conv.audio, regions)
    assert d.n_speakers == 4
    assert diarization_error(conv.truth, _hyp(d)).der <= 0.25


def test_the_user_can_force_the_count(conversations):
    conv, regions = conversations["four"]
    assert diarize(conv.audio, regions, SpeakerCount(2, 2)).n_speakers == 2
    assert diarize(conv.audio, regions, SpeakerCount(5, 6)).n_speakers >= 5


def test_the_conversations_are_what_they_claim():
    conv = build_conversation(CONVERSATIONS["three"], seed=1)
    assert conv.speakers == set(CONVERSATIONS["three"])
    assert len(conv.truth) >= 5 and conv.duration_ms > 30_000
    assert all(a < b for a, b, _ in conv.truth)
    assert all(b1 <= a2 for (_, b1, _), (a2, _, _) in pairwise(conv.truth))


def test_numpy_mel_frames_match_librosa():
    audio, _ = sf.read(JFK_DIR / "jfk.wav", dtype="float32")
    from resemblyzer import audio as ra

    ours, theirs = mel_frames(audio), ra.wav_to_mel_spectrogram(audio)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= 1e-5 * np.abs(theirs).max()


def test_numpy_encoder_agrees_with_resemblyzers_torch_model():
    torch = pytest.importorskip("torch")
    from resemblyzer import VoiceEncoder

    audio, _ = sf.read(JFK_DIR / "jfk.wav", dtype="float32")
    mels = mel_frames(audio)
    windows = np.stack([mels[i : i + 160] for i in range(0, len(mels) - 160, 160)])
    ours = encoder.embed(windows)
    with torch.no_grad():
        theirs = VoiceEncoder("cpu", verbose=False)(torch.from_numpy(windows)).numpy()
    assert (ours * theirs).sum(axis=1).min() > 0.999


def test_der_counts_miss_false_alarm_and_confusion():
    ref = [(0, 10_000, "a"), (10_000, 20_000, "b")]
    perfect = [(0, 10_000, "x"), (10_000, 20_000, "y")]
    assert diarization_error(ref, perfect).der == 0.0
    swapped = [(0, 20_000, "x")]
    r = diarization_error(ref, swapped, collar_ms=0)
    assert (r.confusion, r.missed, r.false_alarm) == (10.0, 0.0, 0.0)
    r = diarization_error(ref, [(0, 5_000, "x"), (21_000, 23_000, "y")], collar_ms=0)
    assert (r.missed, r.false_alarm) == (15.0, 2.0) and r.der == pytest.approx(17 / 20)
    # the collar forgives 250 ms each side of every reference boundary
    late = [(200, 10_200, "x"), (10_200, 20_000, "y")]
    assert diarization_error(ref, late).der == 0.0
    assert diarization_error(ref, late, collar_ms=0).der > 0


@pytest.mark.parametrize(
    ("text", "low", "high"), [("auto", 1, 20), ("3", 3, 3), ("2-4", 2, 4), (" 2 - 4 ", 2, 4)]
)
def test_speaker_counts_parse(text, low, high):
    assert parse_speaker_count(text) == SpeakerCount(low, high)


@pytest.mark.parametrize("text", ["0", "4-2", "many", "1-99"])
def test_bad_speaker_counts_are_refused_in_one_line(text):
    with pytest.raises(ValueError, match="speakers: "):
        parse_speaker_count(text)


@pytest.mark.parametrize("seed", range(5))
def test_numpy_average_linkage_cuts_like_scipys(seed):
    from scipy.cluster.hierarchy import fcluster, linkage

    from wavescribe.core.speakers.linkage import AverageLinkage

    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((4, 8))
    points = np.concatenate([c + 0.3 * rng.standard_normal((15, 8)) for c in centres])
    dist = np.linalg.norm(points[:, None] - points[None], axis=2)
    ours = AverageLinkage(dist)
    theirs = linkage(dist[np.triu_indices(len(points), 1)], method="average")

    def same_partition(a, b) -> bool:
        return np.array_equal(a[:, None] == a[None], b[:, None] == b[None])

    for k in (1, 2, 3, 4, 7, 20):
        assert same_partition(ours.clusters(k), fcluster(theirs, k, criterion="maxclust"))
    for t in (0.5, 1.0, 2.0, 5.0):
        assert same_partition(ours.cut_at(t), fcluster(theirs, t, criterion="distance"))
    assert np.allclose(sorted(m[0] for m in ours.merges), theirs[:, 2])


def test_der_matches_speakers_without_scipy_too(monkeypatch):
    import sys

    ref = [(0, 4000, "a"), (4000, 8000, "b"), (8000, 9000, "c")]
    hyp = [(0, 4000, "2"), (4000, 9000, "1")]
    with_scipy = diarization_error(ref, hyp)
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)  # import fails: the fallback runs
    assert diarization_error(ref, hyp) == with_scipy
    assert diarization_error(hyp, ref) == diarization_error(hyp, ref)


def test_a_frozen_app_runs_the_encoder_from_its_bundled_npz_without_torch(tmp_path, monkeypatch):
    import sys

    bundle = tmp_path / "bundle"
    encoder.convert_checkpoint(
        encoder.resemblyzer_checkpoint(), bundle / "wavescribe_speakers" / "voice_encoder.npz"
    )
    audio, _ = sf.read(JFK_DIR / "jfk.wav", dtype="float32")
    windows = mel_frames(audio)[None, :150]
    expected = encoder.embed(windows)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    monkeypatch.setattr(encoder, "_weights", None)
    monkeypatch.setattr(encoder, "resemblyzer_checkpoint", lambda: None)
    monkeypatch.setitem(sys.modules, "torch", None)  # any torch import would fail
    assert np.allclose(encoder.embed(windows), expected, atol=1e-6)
    monkeypatch.delattr(sys, "_MEIPASS")
    monkeypatch.setattr(encoder, "_weights", None)
    monkeypatch.setenv("WAVESCRIBE_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(encoder.EncoderUnavailable, match="install the 'speakers' extra"):
        encoder.embed(windows)
    monkeypatch.setattr(encoder, "_weights", None)
