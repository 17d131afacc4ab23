"""The loop and hallucination guard, on real text patterns whisper produces."""

from __future__ import annotations

from wavescribe.core.engine.decode_guard import (
    compression_ratio,
    doubled_phrase,
    loops,
    repeated_ngram,
    window_tell,
    words_of,
)
from wavescribe.core.refine.hallucination import is_non_speech_marker

JFK = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)
# whisper.cpp's loop on the long-silence layout (NOTES): one sentence said again and again.
LOOP = ["The weather today is cold and windy with a chance of rain."] * 4
# a classic tiny.en degenerate window: one phrase until the window ends
STUCK = ["I'm going to go ahead and go ahead and go ahead and go ahead and go ahead and go ahead."]


def test_clean_speech_shows_no_tell():
    assert window_tell([JFK], mean_logprob=-0.3) is None
    assert window_tell(["montreal forced uh um uh hm hm um forced aligner"], -0.5) is None


def test_one_word_repeated_is_speech_not_a_loop():
    assert repeated_ngram(words_of("montreal uh uh uh uh uh uh forced aligner")) is None
    assert (
        window_tell(["word another word here's some more word word word word word"], -0.4) is None
    )


def test_a_sentence_said_four_times_is_a_loop():
    assert "repeats" in (window_tell(LOOP, -0.2) or "")


def test_a_stuck_phrase_is_caught():
    tell = window_tell(STUCK, -0.2)
    assert tell is not None and "go ahead" in tell
    assert compression_ratio(" ".join(STUCK)) > 2.4


def test_the_sentence_of_the_window_before_said_again_is_caught():
    recent = [" ".join(words_of(LOOP[0]))]
    assert window_tell([LOOP[0]], -0.2, recent) == "repeats text decoded just before"
    assert window_tell([LOOP[0]], -0.2, []) is None


def test_a_sentence_said_twice_in_a_row_is_an_echo():
    # tiny.en on the Apollo 11 radio recording (beam 5): the decoder's echo of its own sentence.
    echo = ["We're going to be on the way. We're going to be on the way."]
    assert window_tell(echo, -0.4) == "says “we're going to be on the way” again and again"
    assert loops(echo[0])
    # Speakers repeat a word or a short phrase (the Apollo 11 reference says "Okay, no problem.
    # Okay, no problem, ..."), and the same phrase far apart is not an echo.
    said_twice = "Okay, no problem. Okay, no problem, we'll let you know"
    assert doubled_phrase(words_of(said_twice)) is None
    assert window_tell([JFK], -0.3) is None
    apart = "we're going to be on the way now and later today we're going to be on the way"
    assert doubled_phrase(words_of(apart)) is None
    assert not loops(JFK)
    # the same radio, another run: a 3-word phrase three times in a row
    back = words_of("We're going back, we're going back, we're going back. Okay, fine.")
    assert doubled_phrase(back) == "we're going back"
    assert doubled_phrase(words_of("Come on, come on, come on! No, no, no.")) is None


def test_improbable_text_is_caught():
    assert "improbable" in (window_tell(["Thank you."], -1.4) or "")


def test_non_speech_markers_are_recognised_and_speech_is_not():
    for marker in ("[BLANK_AUDIO]", "[Music]", "(music)", "[ Silence ]", "*laughs*", "♪♪"):
        assert is_non_speech_marker(marker), marker
    for speech in ("Hello [Music]", "(he said) yes", "Thank you.", JFK):
        assert not is_non_speech_marker(speech), speech
