"""Speech Silero does not hear (a falsetto voice) is found by its level and decoded; the beds
between clips (mains hum, pink noise, a music-like bed) are not, and get no words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import longform_layout as lf
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.engine.unheard import unheard_stretches
from wavescribe.core.engine.worker import transcribe_in_worker
from wavescribe.core.refine.vad import detect_speech

# The falsetto clip scores at most 0.01 in Silero; hum, a music bed and pink noise around it.
ITEMS = [
    ("fleurs-en-003", 10_000, "hum"),
    ("falsetto2", 10_000, "music"),
    ("mfa_thoughts", 8_000, "noise"),
]


@pytest.fixture(scope="module")
def layout() -> lf.Layout:
    return lf.build("falsetto", ITEMS, {n: lf.real_clip(n) for n, _, _ in ITEMS})


def _transcribe(layout: lf.Layout, model: Path, tmp_path: Path, beam_size: int) -> Any:
    """``layout`` transcribed as the engine's worker does, by real tiny.en."""
    import _pywhispercpp as pw

    ctx = pw.whisper_init_from_file_with_params(str(model), pw.whisper_context_default_params())
    wav = lf.write(layout, tmp_path / f"{layout.name}.wav")
    options = TranscribeOptions(language="en", threads=2, beam_size=beam_size)
    return transcribe_in_worker(ctx, str(model), str(wav), options, lambda _e: None, lambda: False)


def test_silero_misses_the_falsetto_clip_and_the_level_finds_it_not_the_beds(
    layout: lf.Layout,
) -> None:
    falsetto = layout.clips[1]
    speech = detect_speech(layout.audio)
    assert speech.speech_ms_in(falsetto.start_ms, falsetto.end_ms) == 0  # why this exists
    found = unheard_stretches(layout.audio, speech.regions)
    assert any(a < falsetto.end_ms and falsetto.start_ms < b for a, b in found), found
    for a, b, kind in layout.fillers:
        inside = [(x, y) for x, y in found if a + 300 < (x + y) / 2 < b - 300]
        assert inside == [], (kind, inside)


def test_nothing_unheard_in_beds_alone() -> None:
    n, quiet = 12 * lf.RATE, 4 * lf.RATE  # the quiet lead sets the floor the beds stand over
    for bed in (lf.mains_hum(n), lf.music_bed(n), lf.pink_noise(n, -35.0)):
        audio = np.concatenate([np.zeros(quiet, np.float32), bed]) + lf.pink_noise(
            n + quiet, lf.NOISE_FLOOR_DBFS, seed=3
        )
        assert unheard_stretches(audio, []) == []


def test_falsetto_clip_is_transcribed_and_the_beds_stay_empty(
    layout: lf.Layout, tiny_en_ggml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAVESCRIBE_REFINE_LITE", "1")
    tr = _transcribe(layout, tiny_en_ggml, tmp_path, beam_size=1)
    scored = lf.score(layout, tr.segments)
    assert scored["words_in_silence"] == 0, scored["words_in_silence_list"]
    assert scored["lost_clips"] == [], scored["clip_texts"]  # the falsetto clip too, through
    assert scored["repeats"] == 0  # refinement, which keeps it as speech now
    falsetto = layout.clips[1]
    unheard = tr.metadata["decoding"]["unheard_speech"]
    assert any(a < falsetto.end_ms and falsetto.start_ms < b for a, b in unheard), unheard


# Whispered speech (Silero misses it) right after a music bed, then falsetto after noise.
BESIDE_BEDS = [
    ("fleurs-en-009", 10_000, "music"),
    ("whisper2", 2_000, "noise"),
    ("falsetto", 2_000, "silence"),
    ("mfa_thoughts", 1_000, "silence"),  # Silero hears it: packed with the first clip
]


@pytest.fixture(scope="module")
def beside_beds() -> lf.Layout:
    return lf.build("beside-beds", BESIDE_BEDS, {n: lf.real_clip(n) for n, _, _ in BESIDE_BEDS})


def test_a_bed_next_to_unheard_speech_is_not_taken_for_speech(beside_beds: lf.Layout) -> None:
    """The swing is measured around each point: in a 269 s layout (seed 1 of the session's
    alternative layouts), music then whispering measured as one loud stretch swung like speech,
    and the whispered words were spread over 10 s of music (6 words in a speechless stretch)."""
    speech = detect_speech(beside_beds.audio)
    found = unheard_stretches(beside_beds.audio, speech.regions)
    whispered = beside_beds.clips[1]
    assert any(a < whispered.end_ms and whispered.start_ms < b for a, b in found), found
    music = beside_beds.fillers[0]
    # at most the half second of music next to the whisper, where the measure straddles both
    assert all(min(b, music[1]) - max(a, music[0]) <= 800 for a, b in found), (music, found)


def test_unheard_clips_beside_beds_keep_their_words_at_beam_5(
    beside_beds: lf.Layout, tiny_en_ggml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each unheard stretch is decoded on its own, and a sentence's words timed into the pause
    before their piece go with it: at beam 5 both ways lost a clip to another clip's place."""
    monkeypatch.setenv("WAVESCRIBE_REFINE_LITE", "1")
    tr = _transcribe(beside_beds, tiny_en_ggml, tmp_path, beam_size=5)
    scored = lf.score(beside_beds, tr.segments)
    assert scored["words_in_silence"] == 0, scored["words_in_silence_list"]
    assert scored["lost_clips"] == [], scored["clip_texts"]
    assert scored["repeats"] == 0


@pytest.mark.parametrize("model", ["tiny_en_ggml", "base_ggml"])
def test_a_quick_listen_hears_the_falsetto_clip_and_nothing_in_the_beds(
    layout: lf.Layout, model: str, request: pytest.FixtureRequest
) -> None:
    """The quick listen (encoder over the stretch only, greedy) skips a stretch's full decode
    where it hears no word, or only improbable or repeated sentences; it must still hear speech
    Silero missed. The multilingual base hears "I'm sorry." over hum (p 0.24) and "I'm going to
    go to the beach." twice over pink noise (0.26, then 0.67)."""
    import _pywhispercpp as pw

    from wavescribe.core.engine.speech_windows import Window
    from wavescribe.core.engine.whisper_run import full_params
    from wavescribe.core.engine.window_decode import nothing_said

    path: Path = request.getfixturevalue(model)
    ctx = pw.whisper_init_from_file_with_params(str(path), pw.whisper_context_default_params())
    options = TranscribeOptions(language="en", threads=2, beam_size=1)

    def listen(span: tuple[int, int]) -> bool:
        params = full_params(pw, options)
        params.suppress_nst = True
        return nothing_said(pw, ctx, layout.audio, Window((span,)), params, lambda: False)

    falsetto = layout.clips[1]
    assert not listen((falsetto.start_ms, falsetto.end_ms))
    for a, b, kind in layout.fillers:
        middle = (a + b) // 2
        assert listen((middle - 1500, middle + 1500)), kind


def test_words_decoded_where_silero_heard_nothing_sound_where_the_level_says() -> None:
    """shuffled-6: a whispered "This is all very whispered" after 0.8 s of pink noise and a
    0.5 s pause. The stretch found by its level began with the noise, DTW started "This" there
    (223 035 ms), and refinement kept it in the gap before the clip (gold start 224 130). The
    first word now starts after the pause inside it, a last word with no pause inside is cut
    to ``MAX_WORD_MS``, and words over unbroken speech keep their edges."""
    from wavescribe.core.engine.unheard import MAX_WORD_MS, frame_levels, loud_frames, sounding
    from wavescribe.core.transcript import Word

    layout = lf.shuffled_layout(6)
    loud = loud_frames(frame_levels(layout.audio))
    clip = next(c for c in layout.clips if c.text.startswith("this is all very whispered"))
    edges = [223_035, 224_330, 224_550, 224_790, 225_110, 226_784]
    words = [
        Word(a, b, f" {t}", 0.9)
        for a, b, t in zip(
            edges, edges[1:], ["This", "is", "all", "very", "whispered."], strict=False
        )
    ]
    start, end = sounding(loud, words)
    gold_start = layout.aligned_edges()[layout.clips.index(clip)]
    assert gold_start is not None
    assert gold_start[0] - 300 <= start <= gold_start[0], (start, gold_start)
    # "whispered." was timed 1.7 s long, the breath after it included (gold end 225 610).
    assert end == 225_110 + MAX_WORD_MS
    jfk = next(c for c in layout.clips if c.text.startswith("And so my fellow"))
    spoken = layout.aligned_edges()[layout.clips.index(jfk)]
    assert spoken is not None
    a, b = spoken
    steady = [
        Word(a, a + 400, " And", 0.9),
        Word(a + 400, b - 600, " so my fellow Americans ... for your", 0.9),
        Word(b - 600, b, " country.", 0.9),
    ]
    assert sounding(loud, steady) == spoken


def test_stretches_joined_across_a_decoded_piece_are_cut_at_it() -> None:
    """shuffled-3: the stretches either side of the piece Silero heard in "Montreal forced
    aligner" (2.8 s and 5.2 s) were joined across it into one 8.8 s window, so the piece's audio
    was decoded twice and both texts kept ("Montreal forest line." and "Where is the line?"),
    and refinement then laid the second over JFK's next sentence."""
    from wavescribe.core.engine.speech_windows import plan_pieces
    from wavescribe.core.engine.unheard import outside

    piece = (153_966, 154_842)
    found = [(151_190, 153_966), (154_842, 160_010)]
    joined = plan_pieces(found, 200_000, pad_ms=0, pad_before_ms=0)
    assert joined == [(151_190, 160_010)]  # why the cut is needed
    assert outside(joined, [(100_000, 110_000), piece, (160_010, 170_000)]) == found
    assert outside([(1_000, 5_000)], [(0, 2_000), (3_000, 4_000)]) == [
        (2_000, 3_000),
        (4_000, 5_000),
    ]
    assert outside([(1_000, 5_000)], [(0, 6_000)]) == []
