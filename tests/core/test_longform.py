"""Long recordings, decoded speech-first: real speech laid out with long non-speech stretches.

Each layout (``tests/longform_layout.py``) keeps where every clip's speech lies, so the tests can
say exactly what went wrong: a word in a stretch where nobody speaks, a clip that was lost, a
sentence said twice. Real tiny.en inference, greedy, refinement on its lite path (what ships).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import longform_layout as lf
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.engine.worker import transcribe_in_worker
from wavescribe.core.refine.pipeline import refine_transcript
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment, Transcript, Word


@pytest.fixture(scope="module")
def whisper_ctx(tiny_en_ggml: Path) -> Any:
    """The model loaded as the worker loads it (with DTW, as its extra decoders are)."""
    from wavescribe.core.engine.model_loading import load_model

    ctx = load_model(str(tiny_en_ggml), False)
    assert ctx is not None
    return ctx


def _transcribe(
    ctx: Any, model: Path, wav: Path, speech_first: bool, events: list[Any] | None = None
) -> Transcript:
    options = TranscribeOptions(language="en", threads=2, beam_size=1, speech_first=speech_first)
    sink = events.append if events is not None else (lambda _e: None)
    return transcribe_in_worker(ctx, str(model), str(wav), options, sink, lambda: False)


def _check_layout(layout: lf.Layout, transcript: Transcript) -> dict[str, Any]:
    scored = lf.score(layout, transcript.segments)
    assert scored["words_in_silence"] == 0, scored["words_in_silence_list"]
    assert scored["lost_clips"] == [], scored["clip_texts"]
    assert scored["repeats"] == 0, transcript.text
    return scored


@pytest.fixture(autouse=True)
def _lite_refinement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAVESCRIBE_REFINE_LITE", "1")


def test_real_speech_layout_is_transcribed_whole_and_nothing_in_silence(
    whisper_ctx: Any, tiny_en_ggml: Path, tmp_path: Path
) -> None:
    layout = lf.real_layout()
    wav = lf.write(layout, tmp_path / "layout.wav")
    events: list[Any] = []
    speech_first = _transcribe(whisper_ctx, tiny_en_ggml, wav, True, events)
    scored = _check_layout(layout, speech_first)
    decoding = speech_first.metadata["decoding"]
    assert decoding["mode"] == "speech first"
    # only speech was decoded: well under the file's length
    assert decoding["decoded_ms"] < 0.6 * layout.duration_ms
    assert decoding["speech_without_text"] == []
    assert any(e[0] == "segment" for e in events)
    whole = lf.score(layout, _transcribe(whisper_ctx, tiny_en_ggml, wav, False).segments)
    assert scored["wer"] <= whole["wer"], (scored, whole)
    # Each clip's first word starts and last word ends at its speech: starts against the
    # energy reference, and both against each clip's gold text force-aligned (measured 24 / 36
    # ms). Not ends against the energy reference: on this layout 3 of its 7 ends are sounds
    # after the words (JFK's crowd, a click 1 s after "stop", a breath), and where the aligner
    # hears JFK's "country." before the short pause ahead of the crowd noise, the cue ends there.
    assert scored["median_start_err_ms"] <= 80, scored["clip_bounds"]
    assert scored["median_start_err_aligned_ms"] <= 60, scored
    assert scored["median_end_err_aligned_ms"] <= 60, scored


def test_two_decoders_give_the_words_one_decoder_gives(
    whisper_ctx: Any, tiny_en_ggml: Path, tmp_path: Path
) -> None:
    """Windows decoded ahead on a second context, merged in time order: the same words, the
    same times, as one decoder (greedy decoding is deterministic)."""
    layout = lf.real_layout()
    wav = lf.write(layout, tmp_path / "layout.wav")
    got = []
    for decoders in (1, 2):
        options = TranscribeOptions(
            language="en", threads=2, beam_size=1, refine=False, decoders=decoders
        )
        tr = transcribe_in_worker(
            whisper_ctx, str(tiny_en_ggml), str(wav), options, lambda _e: None, lambda: False
        )
        assert tr.metadata["decoding"]["decoders"] == decoders
        assert tr.metadata["decoding"]["windows"] >= 2  # something to decode in parallel
        got.append([(w.start, w.end, w.text) for s in tr.segments for w in s.words])
    assert got[0] and got[0] == got[1]


def test_a_shuffled_layout_keeps_every_sentence_in_its_place(
    whisper_ctx: Any, tiny_en_ggml: Path, tmp_path: Path
) -> None:
    """A layout nobody tuned for (``shuffled_layout(5)``: 16 clips, 187 s, hard voices among
    them). Every FLEURS sentence and JFK is recovered and nothing lands in a speechless stretch.
    Greedy decoding made one segment of "... by Lord Byron. Many people don't think", two pieces
    16 s apart; kept whole, refinement laid its end into a whispered clip between them and the
    sentence "Many people don't think about them as dinosaurs ..." was lost. (The "Montreal
    Forced Aligner" clips are misheard by tiny.en alone too, and the whisper "word" is heard
    six times where it is said five.)"""
    layout = lf.shuffled_layout(5)
    wav = lf.write(layout, tmp_path / "shuffled-5.wav")
    tr = _transcribe(whisper_ctx, tiny_en_ggml, wav, True)
    scored = lf.score(layout, tr.segments)
    assert scored["words_in_silence"] == 0, scored["words_in_silence_list"]
    # a stretch Silero missed where nobody speaks got a quick listen, not a full decode
    assert tr.metadata["decoding"]["quiet_stretches"] >= 1, tr.metadata["decoding"]
    sentences = [
        c.text[:40] for c in layout.clips if len(c.text.split()) > 12 and "montreal" not in c.text
    ]
    assert len(sentences) == 7
    assert not set(sentences) & set(scored["lost_clips"]), scored["lost_clips"]
    assert scored["wer"] <= 0.25, scored


def test_espeak_long_silence_layout(whisper_ctx: Any, tiny_en_ggml: Path, tmp_path: Path) -> None:
    layout = lf.espeak_layout()
    wav = lf.write(layout, tmp_path / "espeak.wav")
    scored = _check_layout(layout, _transcribe(whisper_ctx, tiny_en_ggml, wav, True))
    assert scored["wer"] <= 0.15, scored


def _params_for(options: TranscribeOptions) -> Any:
    """Decoder settings for each attempt of the guard, built as the worker builds them."""
    import _pywhispercpp as pw

    from wavescribe.core.engine.speech_first import Attempt
    from wavescribe.core.engine.whisper_run import full_params

    def params_for(attempt: Attempt) -> Any:
        p = full_params(pw, options, beam_size=attempt.beam_size, prompt=attempt.prompt)
        p.temperature = attempt.temperature
        return p

    return params_for


def test_a_window_that_keeps_its_tell_is_redecoded_and_its_cues_marked_suspect(
    whisper_ctx: Any,
) -> None:
    """A real decode of JFK, after a window that said the same: the guard re-decodes it with the
    other settings; a result that still repeats is kept with its reason."""
    import _pywhispercpp as pw
    import numpy as np

    from shared_data import JFK
    from wavescribe.core.audio.load import load_audio
    from wavescribe.core.engine import speech_first as sf
    from wavescribe.core.engine.decode_guard import words_of
    from wavescribe.core.engine.speech_windows import Window

    audio, _ = load_audio(str(JFK))
    options = TranscribeOptions(language="en", threads=2, beam_size=1)
    params_for = _params_for(options)

    window = Window(((0, len(audio) * 1000 // 16000),))
    first = sf.decode_window(
        pw, whisper_ctx, audio, window, params_for(sf.Attempt(1)), lambda: False
    )
    said = [" ".join(words_of(s.text)) for s in first.segments]
    assert first.mean_logprob is not None and first.mean_logprob > -1.0
    result, tries = sf._decode_guarded(
        pw,
        whisper_ctx,
        np.asarray(audio),
        window,
        sf.attempts_for(options),
        params_for,
        [said],
        lambda: False,
        True,
    )
    # re-decoded; kept with its tell only if every setting said the same again
    assert tries >= 2
    assert result.tell is None or (tries, result.tell) == (3, "repeats text decoded just before")
    clean, tries = sf._decode_guarded(
        pw,
        whisper_ctx,
        np.asarray(audio),
        window,
        sf.attempts_for(options),
        params_for,
        [],
        lambda: False,
        True,
    )
    assert (clean.tell, tries) == (None, 1)


def test_a_region_decoded_alone_is_guarded_too(whisper_ctx: Any) -> None:
    """A speech region that got no word in its window is decoded alone (``_decode_region``): on
    the Apollo 11 radio that decode echoed one sentence twice, unchecked. Now the guard sees it:
    JFK decoded alone after a window that said the same is kept only marked suspect, or not at
    all if every setting repeats it; decoded with nothing before, it is clean."""
    import _pywhispercpp as pw
    import numpy as np

    from shared_data import JFK
    from wavescribe.core.audio.load import load_audio
    from wavescribe.core.engine import speech_first as sf
    from wavescribe.core.engine.decode_guard import words_of

    audio, _ = load_audio(str(JFK))
    options = TranscribeOptions(language="en", threads=2, beam_size=1)
    params_for = _params_for(options)

    region = (300, 10_500)
    args = (pw, whisper_ctx, np.asarray(audio), region, sf.attempts_for(options), params_for)
    _span, clean, _dtw = sf._decode_region(*args, lambda: False)
    assert "ask not what your country" in " ".join(s.text for s in clean).lower()
    assert all(s.suspect is None for s in clean)
    said = [" ".join(words_of(s.text)) for s in clean]
    said.append(" ".join(said))  # however the retries cut it into segments
    _span, again, _dtw = sf._decode_region(*args, lambda: False, said)
    assert again, "a region that yields words is not dropped by the guard"
    if any(" ".join(words_of(seg.text)) in said for seg in again):
        assert {seg.suspect for seg in again} == {"repeats text decoded just before"}


def test_pieces_that_say_the_same_are_not_taken_for_a_loop(
    whisper_ctx: Any, tiny_en_ggml: Path, tmp_path: Path
) -> None:
    """One speaker says the same sentence four times, 2 s apart: the pieces share one window,
    whose text repeats a 4-word phrase 4 times. That looked like a loop, and every setting said
    it again, so the least doubtful attempt was kept and marked suspect (on five "Montreal
    Forced Aligner" clips the sampled attempt kept was a mess: 8 repeated 5-grams). Now the
    pieces are decoded one by one, and each says its sentence once."""
    clip = lf.real_clip("mfa_thoughts")
    layout = lf.build(
        "said-again",
        [
            ("a", 2_000, "silence"),
            ("b", 2_000, "silence"),
            ("c", 2_000, "noise"),
            ("d", 0, "silence"),
        ],
        {k: clip for k in "abcd"},
    )
    wav = lf.write(layout, tmp_path / "said-again.wav")
    tr = _transcribe(whisper_ctx, tiny_en_ggml, wav, True)
    decoding = tr.metadata["decoding"]
    assert decoding["windows"] == 1 and decoding["redecoded_windows"] == 1, decoding
    _check_layout(layout, tr)
    assert decoding["suspect_windows"] == 0 and not any(s.suspect for s in tr.segments)
    assert tr.text.lower().count("thousand thoughts") == 4, tr.text


def test_sure_words_where_silero_heard_faint_speech_are_kept_as_speech() -> None:
    """Speech-first decodes what Silero scores over 0.35; refinement's map holds what it scores
    over 0.5. A falsetto clip between the two (one of the session's alternative layouts) was
    decoded well, "This is all very high...", then dropped as "no speech under it"."""
    from wavescribe.core.engine.speech_windows import Window
    from wavescribe.core.engine.unheard_words import keep_faint
    from wavescribe.core.refine.vad import SpeechMap
    from wavescribe.core.transcript import Word

    def said(text: str, start: int, p: float) -> Segment:
        words = [
            Word(start + 100 * i, start + 100 * i + 90, f" {w}", p)
            for i, w in enumerate(text.split())
        ]
        return Segment(words[0].start, words[-1].end, text, words)

    window = Window(((189_086, 200_122), (219_504, 220_282), (230_000, 231_000)))
    speech = SpeechMap([(189_100, 199_800)], 240_000, "silero-onnx")
    sure = said("This is all very high", 219_504, 0.85)
    unsure = said("Thank you so much", 230_100, 0.45)
    segments = [said("And so my fellow Americans", 189_100, 0.9), sure, unsure]
    assert keep_faint(segments, window, speech) == [(219_504, 220_282)]
    assert speech.speech_ms_in(219_504, 220_282) == 778
    assert speech.speech_ms_in(230_000, 231_000) == 0


def test_sure_words_silero_heard_only_the_end_of_are_marked_as_speech() -> None:
    """Silero scored a fast "I really don't know how to talk like this" (1.7 s, real-40) at
    0.1-0.44 but for its last 160 ms; DTW timed the words within 30 ms of the gold text, and
    refinement squeezed all nine into those 160 ms. A slow sentence with real pauses, which
    Silero heard for about half its words' time (the Columbia address), keeps Silero's map."""
    from wavescribe.core.engine.speech_windows import Window
    from wavescribe.core.engine.unheard_words import keep_faint, under_heard
    from wavescribe.core.refine.vad import SpeechMap
    from wavescribe.core.transcript import Word

    edges = [70_128, 70_264, 70_504, 70_664, 70_864, 71_024, 71_084, 71_324, 71_544, 72_218]
    text = "I really don't know how to talk like this."
    words = [
        Word(a, b, f" {t}", 0.9) for a, b, t in zip(edges, edges[1:], text.split(), strict=False)
    ]
    fast = Segment(words[0].start, words[-1].end, text, words)
    piece = (69_900, 72_500)
    speech = SpeechMap([(49_300, 50_700), (71_776, 71_936)], 200_000, "silero-onnx")
    # Silero's end is kept: DTW ran "this." on 280 ms past the speech.
    assert under_heard(fast, piece, speech) == (70_128, 71_936)
    assert keep_faint([fast], Window((piece,)), speech) == [(70_128, 71_936)]
    assert speech.speech_ms_in(70_128, 71_936) == 1_808
    assert speech.speech_ms_in(71_936, 72_500) == 0

    slow = Segment(
        24_700,
        27_240,
        "The Columbia's lost.",
        [
            Word(24_700, 25_300, " The", 0.9),
            Word(25_300, 26_500, " Columbia's", 0.9),
            Word(26_500, 27_240, " lost.", 0.9),
        ],
    )
    heard = SpeechMap([(24_750, 25_500), (26_550, 27_000)], 200_000, "silero-onnx")
    assert under_heard(slow, (24_500, 27_500), heard) is None
    assert keep_faint([slow], Window(((24_500, 27_500),)), heard) == []


def test_words_piled_up_with_no_time_in_a_stretch_silero_missed_are_not_kept() -> None:
    """The multilingual base made up "I'm going to go to the bathroom." and "Thank you." in
    beds Silero skipped, at mean probabilities over 0.7: every word but the first of no length
    (measured on shuffled-1, -3, -5 and -6). Whispered speech there is timed word by word, one
    word of no length at most, and kept."""
    from wavescribe.core.engine.speech_windows import Window
    from wavescribe.core.engine.unheard_words import keep_unheard
    from wavescribe.core.refine.vad import SpeechMap
    from wavescribe.core.transcript import Word

    def seg(times: list[tuple[str, int, int]], p: float) -> Segment:
        words = [Word(a, b, f" {t}", p) for t, a, b in times]
        return Segment(words[0].start, words[-1].end, " ".join(t for t, _, _ in times), words)

    piled = seg(
        [("I'm", 133_630, 135_510)]
        + [(w, 135_510, 135_510) for w in ["going", "to", "go", "to", "the", "bathroom."]],
        0.78,
    )
    thanks = seg([("Thank", 140_290, 141_170), ("you.", 141_170, 141_170)], 0.72)
    whispered = seg(
        [
            ("It's", 164_700, 164_700),
            ("all", 164_700, 164_820),
            ("very", 164_820, 165_220),
            ("whisper.", 165_220, 165_680),
        ],
        0.86,
    )
    window = Window(((133_600, 136_300), (140_200, 141_300), (164_500, 166_000)))
    speech = SpeechMap([], 200_000, "silero-onnx")
    kept, spans = keep_unheard([piled, thanks, whispered], None, window, speech)
    assert kept == [whispered]
    assert spans == [(164_700, 165_680)]
    assert speech.speech_ms_in(133_600, 141_300) == 0


def test_a_stretch_silero_missed_beside_a_piece_is_decoded_with_it() -> None:
    """Stretches touching a piece (a sentence's tail Silero cut off, a bed's onset beside
    speech) cost no encoder pass of their own: real-long had three, each ~0.85 s of 2 cores."""
    from wavescribe.core.engine.unheard_words import extended_pieces

    pieces = [(1_000, 9_000), (20_000, 26_000), (30_000, 31_000), (40_000, 68_000)]
    stretches = [
        (9_000, 10_400),
        (14_000, 15_000),  # stands alone
        (18_800, 19_900),
        (31_200, 33_000),  # over 1.5 s: stays alone
        (68_100, 69_300),  # would make a piece of over one window (29 s)
    ]
    joined, beside = extended_pieces(pieces, stretches)
    assert joined == [(1_000, 10_400), (18_800, 26_000), (30_000, 31_000), (40_000, 68_000)]
    assert beside == [((9_000, 10_400), 9_000), ((18_800, 19_900), 20_000)]


def test_a_joined_stretch_where_words_were_heard_is_decoded_again_alone() -> None:
    """Decoded with its piece, a stretch's words were timed over the bed beside them ("years."
    over 1.7 s of music in shuffled-1); so the joined decode only tells whether anything is
    said there, and a word begun in the piece is cut at the piece's old edge."""
    from wavescribe.core.engine.speech_windows import Window
    from wavescribe.core.engine.unheard_words import heard_beside
    from wavescribe.core.transcript import Word

    def said(text: str, start: int) -> Segment:
        words = [
            Word(start + 300 * i, start + 300 * i + 250, f" {w}", 0.9)
            for i, w in enumerate(text.split())
        ]
        return Segment(words[0].start, words[-1].end, text, words)

    window = Window(((1_000, 11_500), (18_800, 26_000), (27_000, 28_000)))
    beside = [((9_000, 11_500), 9_000), ((18_800, 19_900), 20_000), ((40_000, 41_000), 39_900)]
    years = Segment(8_300, 11_200, "30 years.", [Word(8_300, 8_700, " 30", 0.9)])
    years.words.append(Word(8_990, 11_200, " years.", 0.9))
    body = said("The hospital has followed protocol", 20_500)
    lead = said("And so", 18_900)
    segments = [said("and so my fellow Americans", 1_500), years, lead, body]
    segments, heard = heard_beside(segments, window, beside)
    assert heard == [(18_800, 19_900)]  # the third stretch is not in this window
    assert [(w.start, w.end) for w in years.words] == [(8_300, 8_700), (8_990, 9_000)]
    assert (years.start, years.end) == (8_300, 9_000)
    assert [s.text for s in segments] == [
        "and so my fellow Americans",
        "30 years.",
        "The hospital has followed protocol",
    ]
    alone = [said("no one there", 2_000)]
    assert heard_beside(alone, window, beside) == (alone, [])


def test_of_doubtful_attempts_one_without_a_loop_is_kept() -> None:
    from wavescribe.core.engine.speech_first import Decoded, _least_doubtful
    from wavescribe.core.transcript import Segment

    echo = "We're going to be on the way. We're going to be on the way."
    looping = Decoded([Segment(0, 3000, echo)], "loop", mean_logprob=-0.3)
    improbable = Decoded([Segment(0, 3000, "Okay, we're on the way.")], "low", mean_logprob=-1.2)
    assert _least_doubtful([looping, improbable]) is improbable
    sure = Decoded([Segment(0, 3000, "Okay, on the way.")], "low", mean_logprob=-1.1)
    assert _least_doubtful([improbable, sure]) is sure


def test_suspect_survives_refinement_into_the_cues() -> None:
    from shared_data import JFK
    from wavescribe.core.audio.load import load_audio

    audio, _ = load_audio(str(JFK))
    words_text = [
        "And",
        "so",
        "my",
        "fellow",
        "Americans",
        "ask",
        "not",
        "what",
        "your",
        "country",
        "can",
        "do",
        "for",
        "you",
    ]
    from wavescribe.core.transcript import Word

    words = [Word(300 + 400 * i, 300 + 400 * i + 350, " " + t) for i, t in enumerate(words_text)]
    segs = [
        Segment(300, 4000, " ".join(words_text[:8]), words[:8], suspect="repeats text"),
        Segment(4000, 8000, " ".join(words_text[8:]), words[8:]),
    ]
    refined = refine_transcript(Transcript(segments=segs), audio, SubtitleRules(), lite=True)
    assert refined.segments
    marked = [c for c in refined.segments if c.suspect]
    assert marked and all(c.suspect == "repeats text" for c in marked)
    assert "so my fellow" in " ".join(c.text.replace("\n", " ") for c in marked)
    for cue in refined.segments:
        if cue.suspect is None:
            assert "Americans" not in cue.text  # only cues from the suspect segment's words


def test_one_job_runs_silero_once_for_decoding_refinement_and_speakers(
    whisper_ctx, tiny_en_ggml, monkeypatch
):
    """Speech-first decoding, refinement and speaker detection share one speech map."""
    from shared_data import JFK
    from wavescribe.core.refine import vad

    runs: list[int] = []
    real = vad.silero_probabilities

    def counted(audio: Any, *args: Any, **kwargs: Any) -> Any:
        runs.append(len(audio))
        return real(audio, *args, **kwargs)

    monkeypatch.setattr(vad, "silero_probabilities", counted)
    options = TranscribeOptions(language="en", threads=2, beam_size=1, speakers="1")
    t = transcribe_in_worker(
        whisper_ctx, str(tiny_en_ggml), str(JFK), options, lambda _e: None, lambda: False
    )
    assert "ask not what your country" in t.text.lower()
    assert t.metadata["refined"] is True
    assert {s.speaker for s in t.segments} == set(t.speakers) and len(t.speakers) == 1
    assert len(runs) == 1


@pytest.fixture(scope="module")
def columbia() -> Any:
    """The Columbia address: continuous real speech, where whisper often ends a window's text
    a few seconds early."""
    from shared_data import DATA
    from wavescribe.core.audio.load import load_audio

    return load_audio(DATA / "speech" / "long_columbia_address" / "columbia.wma")[0]


def test_a_speech_window_is_transcribed_to_its_end_in_one_encoder_pass(
    whisper_ctx: Any, columbia: Any
) -> None:
    """28.5 s of continuous real speech (greedy tiny.en): with timestamp tokens whisper ends its
    text seconds early and whisper.cpp encodes the rest in a second 30 s pass; a speech window
    is decoded without them (DTW times the words), to its end in one pass."""
    import _pywhispercpp as pw

    from wavescribe.core.engine.speech_first import Attempt
    from wavescribe.core.engine.speech_windows import Window
    from wavescribe.core.engine.whisper_run import window_params
    from wavescribe.core.engine.window_decode import decode_window

    window = Window(((40_000, 68_500),))
    options = TranscribeOptions(language="en", threads=2, beam_size=1)
    got = {}
    passes = {True: 0, False: 0}
    for timestamps in (True, False):
        params = window_params(pw, options, Attempt(1), 2, timestamps=timestamps)

        def begin(*_args: Any, key: bool = timestamps) -> bool:
            passes[key] += 1
            return True

        pw.assign_encoder_begin_callback(params, begin)
        decoded = decode_window(pw, whisper_ctx, columbia, window, params, lambda: False)
        words = [w for s in decoded.segments for w in s.words]
        got[timestamps] = (passes[timestamps], len(words), words[-1].end)
    assert got[True][0] == 2, got  # the rest encoded again
    passes, n_words, last_end = got[False]
    assert passes == 1, got
    assert last_end >= 68_500 - 1_000, got  # to the window's end
    assert n_words >= got[True][1] - 3, got  # nothing the two passes had is lost


def test_speech_first_loses_no_word_of_continuous_speech(
    whisper_ctx: Any, tiny_en_ggml: Path, tmp_path: Path, columbia: Any
) -> None:
    """A minute of continuous real speech, cut into pieces and windows: no word lost or
    doubled against decoding the minute whole, and words to its end."""
    import soundfile as sf

    wav = tmp_path / "columbia-minute.wav"
    sf.write(wav, columbia[: 60 * lf.RATE], lf.RATE)
    words = []
    for speech_first in (True, False):
        options = TranscribeOptions(
            language="en", threads=2, beam_size=1, speech_first=speech_first, refine=False
        )
        tr = transcribe_in_worker(
            whisper_ctx, str(tiny_en_ggml), str(wav), options, lambda _e: None, lambda: False
        )
        words.append([w.text.strip(" ,.").lower() for s in tr.segments for w in s.words])
        if speech_first:
            assert tr.metadata["decoding"]["speech_without_text"] == []
            assert max(w.end for s in tr.segments for w in s.words) > 58_000  # to the end
    first, whole = words
    assert abs(len(first) - len(whole)) <= 0.05 * len(whole), (first, whole)
    grams = [tuple(first[i : i + 5]) for i in range(len(first) - 4)]
    assert len(set(grams)) == len(grams)  # no 5 words said twice


def test_a_word_cut_off_from_its_sentence_does_not_count_as_an_utterance_decoded() -> None:
    """Multilingual base skipped "This is a long stop" at a window's start and timed the next
    sentence's first word "The" at its segment's start, inside that utterance's piece: one word
    there, so the region was never decoded again and the clip was lost."""
    from wavescribe.core.engine.missed_regions import regions_without_words
    from wavescribe.core.engine.speech_windows import Window

    window = Window(((135_472, 137_242), (162_896, 170_234)))
    said = ["The", "Northern", "Mariana's", "Emergency", "Management", "Office"]
    words = [Word(135_842, 136_300, f" {said[0]}", 0.9)] + [
        Word(163_266 + 400 * i, 163_266 + 400 * i + 300, f" {w}", 0.9)
        for i, w in enumerate(said[1:])
    ]
    sentence = Segment(135_842, words[-1].end, " ".join(said), words)
    long_stop, northern = (135_872, 137_000), (163_200, 166_000)
    assert regions_without_words([long_stop, northern], window, [sentence]) == [long_stop]
    alone = Segment(135_900, 136_400, "Bye!", [Word(135_900, 136_400, " Bye!", 0.9)])
    assert regions_without_words([long_stop], window, [alone]) == []  # a one-word answer counts


def test_short_regions_close_together_are_checked_as_one_passage() -> None:
    """Silero cut JFK's "And so, my fellow Americans, ask not" into two regions under 1 s;
    multilingual base (shuffled-3, after another layout in the same process) skipped all of JFK
    and timed the next clip's "The cabbage" over it. Region by region, the two short ones were
    never checked and the longer ones were decoded alone: the opening was lost."""
    from wavescribe.core.engine.missed_regions import regions_without_words
    from wavescribe.core.engine.speech_windows import Window

    window = Window(
        ((131_440, 139_962), (153_808, 154_842), (160_016, 169_562), (176_048, 181_658))
    )
    regions = [
        (131_840, 139_712),
        (160_416, 161_056),
        (162_144, 163_104),
        (164_352, 166_432),
        (166_944, 169_312),
        (176_448, 181_408),
    ]
    light = Segment(
        131_440,
        139_962,
        "As light",
        [Word(131_440 + 500 * i, 131_900 + 500 * i, " w", 0.9) for i in range(16)],
    )
    cabbage = ["The", "cabbage", "juice", "changes", "color", "depending"]
    words = [Word(160_016, 166_900, " The", 0.9), Word(166_900, 169_562, " cabbage", 0.9)] + [
        Word(176_646 + 400 * i, 176_986 + 400 * i, f" {w}", 0.9) for i, w in enumerate(cabbage[2:])
    ]
    skipped = Segment(160_016, words[-1].end, " ".join(cabbage), words)
    assert regions_without_words(regions, window, [light, skipped]) == [(160_416, 169_312)]
    said = ["And", "so", "my", "fellow", "Americans", "ask", "not", "what", "your"]
    said += ["country", "can", "do", "for", "you"]
    jfk = Segment(
        160_416,
        169_312,
        " ".join(said),
        [Word(160_416 + 650 * i, 160_900 + 650 * i, f" {w}", 0.9) for i, w in enumerate(said)],
    )
    assert regions_without_words(regions, window, [light, jfk, skipped]) == []
