"""Timing refinement end to end: real whisper.cpp (tiny.en) on espeak-ng speech at known offsets.

Each synthetic file is transcribed once per module with refinement off; the tests refine that raw
transcript in this process, and one test checks that the engine's worker refines by default.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from statistics import median

import numpy as np
import pytest

import speech_synth as synth
from wavescribe.core import errors
from wavescribe.core.formats import from_string, to_string
from wavescribe.core.subtitle_rules import SubtitleRules, cue_violations
from wavescribe.core.transcript import Segment, Transcript, Word

pytestmark = pytest.mark.skipif(not synth.espeak_available(), reason="espeak-ng is not installed")

RULES = SubtitleRules()
N_SENTENCES = 6
# long_gaps has silences of 6, 12 and 5 s; tone_bed a steady 440 Hz tone in every gap (6 and
# 5.5 s among them); noisy pink noise at -35 dBFS throughout.
CONDITIONS = ("long_gaps", "tone_bed", "noisy")


@dataclass
class Run:
    path: Path
    audio: np.ndarray
    spans: list[synth.Span]
    raw: Transcript
    refined: Transcript

    @property
    def total_ms(self) -> int:
        return len(self.audio) * 1000 // synth.RATE


@pytest.fixture(scope="module")
def engine(tiny_en_ggml: Path):
    from wavescribe.core.engine.client import Engine

    with Engine(tiny_en_ggml) as e:
        yield e


@pytest.fixture(scope="module")
def runs(engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    from wavescribe.core.audio.load import load_audio
    from wavescribe.core.engine.options import TranscribeOptions
    from wavescribe.core.refine.pipeline import refine_transcript

    tmp = tmp_path_factory.mktemp("refine")
    out = {}
    for name in CONDITIONS:
        audio, spans = synth.CONDITIONS[name].compose(synth.SENTENCES[:N_SENTENCES])
        path = synth.write_wav(tmp / f"{name}.wav", audio)
        decoded, _ = load_audio(path)
        raw = engine.transcribe(path, TranscribeOptions(refine=False))
        out[name] = Run(path, decoded, spans, raw, refine_transcript(raw, decoded, RULES))
    return out


def cue_spans(t: Transcript) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in t.segments]


def medians(run: Run, t: Transcript) -> tuple[float, float]:
    starts, ends = synth.edge_errors(run.spans, cue_spans(t))
    return median(abs(x) for x in starts), median(abs(x) for x in ends)


@pytest.mark.parametrize("name", CONDITIONS)
def test_refined_cue_edges_are_within_80_ms_and_better_than_raw(runs, name: str) -> None:
    run = runs[name]
    start, end = medians(run, run.refined)
    raw_start, raw_end = medians(run, run.raw)
    assert start <= 80 and end <= 80, (start, end)
    assert start < raw_start and end < raw_end, ((start, end), (raw_start, raw_end))


@pytest.mark.parametrize("name", CONDITIONS)
def test_cues_do_not_overlap_and_keep_the_rules(runs, name: str) -> None:
    segs = runs[name].refined.segments
    assert segs
    for a, b in itertools.pairwise(segs):
        assert a.end + RULES.min_gap_ms <= b.start
    for i, s in enumerate(segs):
        problems = cue_violations(
            s.start,
            s.end,
            s.text,
            RULES,
            prev_end=segs[i - 1].end if i else None,
            next_start=segs[i + 1].start if i + 1 < len(segs) else None,
            media_end=runs[name].total_ms,
        )
        assert problems == [], (s.text, problems)


@pytest.mark.parametrize("name", CONDITIONS)
def test_no_cue_shows_text_in_a_long_silence(runs, name: str) -> None:
    run = runs[name]
    assert synth.silent_stretches(run.spans, run.total_ms)  # the file has some
    assert synth.cues_in_silence(run.spans, cue_spans(run.refined), run.total_ms) == []


@pytest.mark.parametrize("name", CONDITIONS)
def test_refinement_keeps_every_spoken_word_in_order(runs, name: str) -> None:
    run = runs[name]
    raw_words = [w.text for s in run.raw.segments for w in s.words]
    new_words = [w.text for s in run.refined.segments for w in s.words]
    assert new_words == raw_words
    for s in run.refined.segments:
        assert s.text.replace("\n", " ") == "".join(w.text for w in s.words).strip()
        assert all(s.start <= w.start <= w.end <= s.end for w in s.words)
    assert run.refined.metadata["refined"] is True
    assert run.refined.metadata["refinement"]["method"] == "silero-onnx, stable-ts"


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_refined_transcript_survives_a_subtitle_round_trip(runs, fmt: str) -> None:
    refined = runs["long_gaps"].refined
    back = from_string(to_string(refined, fmt), fmt)
    assert [(s.start, s.end, s.text) for s in back.segments] == [
        (s.start, s.end, s.text) for s in refined.segments
    ]


def test_the_engine_worker_refines_by_default(runs, engine) -> None:
    # whisper.cpp does not decode the same file identically twice in one context (its sampling
    # fallback draws on a random state that carries over), so this checks the outcome, not equality.
    from wavescribe.core.engine.options import TranscribeOptions

    run = runs["noisy"]
    via_worker = engine.transcribe(run.path, TranscribeOptions())
    assert via_worker.metadata.get("refined") is True, via_worker.metadata
    start, end = medians(run, via_worker)
    assert start <= 80 and end <= 80, (start, end)
    assert synth.cues_in_silence(run.spans, cue_spans(via_worker), run.total_ms) == []


# --- the lite path: no torch, no stable-ts (Silero on ONNX Runtime), as the packaged app ---------


@pytest.fixture(scope="module")
def lite_refined(runs) -> dict[str, Transcript]:
    from wavescribe.core.refine.pipeline import refine_transcript

    return {
        name: refine_transcript(run.raw, run.audio, RULES, lite=True) for name, run in runs.items()
    }


@pytest.mark.parametrize("name", CONDITIONS)
def test_lite_refinement_times_cues_about_as_well_as_the_full_path(
    runs, lite_refined, name: str
) -> None:
    run, lite = runs[name], lite_refined[name]
    info = lite.metadata["refinement"]
    assert info["method"] == "silero-onnx, no stable-ts"
    assert info["speech_detection"] == "silero-onnx" and info["silence_suppression"] is False
    start, end = medians(run, lite)
    full_start, full_end = medians(run, run.refined)
    assert start <= 80 and end <= 80, (start, end)
    assert start <= full_start + 20 and end <= full_end + 20, ((start, end), (full_start, full_end))
    assert synth.cues_in_silence(run.spans, cue_spans(lite), run.total_ms) == []
    assert [w.text for s in lite.segments for w in s.words] == [
        w.text for s in run.raw.segments for w in s.words
    ]
    for a, b in itertools.pairwise(lite.segments):
        assert a.end + RULES.min_gap_ms <= b.start


def test_lite_refinement_is_forced_by_the_environment(runs, monkeypatch) -> None:
    from wavescribe.core.refine.pipeline import LITE_ENV, lite_forced, refine_transcript

    monkeypatch.setenv(LITE_ENV, "1")
    assert lite_forced()
    run = runs["tone_bed"]
    refined = refine_transcript(run.raw, run.audio, RULES)
    assert refined.metadata["refinement"]["method"] == "silero-onnx, no stable-ts"
    monkeypatch.setenv(LITE_ENV, "0")
    assert not lite_forced()


def test_lite_loudness_mask_fallback_keeps_text_out_of_silence(runs) -> None:
    from wavescribe.core.refine.pipeline import refine_transcript

    run = runs["long_gaps"]
    refined = refine_transcript(run.raw, run.audio, RULES, vad=False, lite=True)
    assert refined.metadata["refinement"]["method"] == "loudness, no stable-ts"
    assert synth.cues_in_silence(run.spans, cue_spans(refined), run.total_ms) == []
    start, end = medians(run, refined)
    assert start <= 80 and end <= 80, (start, end)


def test_lite_retiming_of_imported_subtitles(runs) -> None:
    from wavescribe.core.refine.pipeline import retime_transcript

    run = runs["long_gaps"]
    imported = from_string(to_string(run.raw, "srt"), "srt")
    for s in imported.segments:
        s.start, s.end = s.start + 400, s.end + 400
    retimed = retime_transcript(imported, run.audio, RULES, lite=True)
    assert retimed.metadata["refinement"]["method"] == "silero-onnx, no stable-ts"
    start, end = medians(run, retimed)
    assert start <= 80 and end <= 80, (start, end)


def test_the_engine_worker_refines_lite_without_saying_skipped(
    runs, tiny_en_ggml, monkeypatch
) -> None:
    # A fresh worker (spawned) inherits the variable, as a packaged app's worker has no torch.
    from wavescribe.core.engine.client import Engine, Warning_
    from wavescribe.core.engine.options import TranscribeOptions
    from wavescribe.core.refine.pipeline import LITE_ENV

    monkeypatch.setenv(LITE_ENV, "1")
    # long_gaps, not noisy: a fresh decode of the noisy file put the median end at 80.5 ms once
    # (whisper.cpp's words vary between decodes; the full path's own worker test sees the same).
    run = runs["long_gaps"]
    events: list = []
    with Engine(tiny_en_ggml) as lite_engine:
        via_worker = lite_engine.transcribe(run.path, TranscribeOptions(), events.append)
    assert via_worker.metadata.get("refined") is True, via_worker.metadata
    assert "refine_skipped" not in via_worker.metadata
    assert via_worker.metadata["refinement"]["method"] == "silero-onnx, no stable-ts"
    assert not [e for e in events if isinstance(e, Warning_) and "refinement" in e.message]
    start, end = medians(run, via_worker)
    assert start <= 80 and end <= 80, (start, end)
    assert synth.cues_in_silence(run.spans, cue_spans(via_worker), run.total_ms) == []


# --- no text in silence, with Whisper's hallucinations planted ------------------------------


def planted(run: Run, text: str, start: int, end: int) -> Transcript:
    seg = Segment(start, end, text, [Word(start, end, " " + text, 0.3)])
    t = Transcript.from_dict(run.raw.to_dict())
    t.segments = sorted([*t.segments, seg], key=lambda s: s.start)
    return t


@pytest.mark.parametrize(
    ("name", "text"),
    [("long_gaps", "Thank you for watching."), ("tone_bed", "Please remember to bring your")],
)
def test_a_hallucination_in_a_long_silence_or_tone_is_dropped(runs, name: str, text: str) -> None:
    from wavescribe.core.refine.pipeline import refine_transcript

    run = runs[name]
    a, b = max(synth.silent_stretches(run.spans, run.total_ms), key=lambda s: s[1] - s[0])
    refined = refine_transcript(planted(run, text, a + 1500, b - 1500), run.audio, RULES)
    assert synth.cues_in_silence(run.spans, cue_spans(refined), run.total_ms) == []
    assert [s.text for s in refined.segments] == [s.text for s in run.refined.segments]
    assert refined.metadata["refinement"]["dropped_segments"][0]["text"] == text


def test_the_loudness_mask_fallback_still_keeps_text_out_of_silence(runs) -> None:
    from wavescribe.core.refine.pipeline import refine_transcript

    run = runs["long_gaps"]
    refined = refine_transcript(run.raw, run.audio, RULES, vad=False)
    assert refined.metadata["refinement"]["speech_detection"] == "loudness"
    assert synth.cues_in_silence(run.spans, cue_spans(refined), run.total_ms) == []
    start, end = medians(run, refined)
    assert start <= 80 and end <= 80


def test_silero_failure_falls_back_to_the_loudness_mask(runs, monkeypatch) -> None:
    from wavescribe.core.refine import vad
    from wavescribe.core.refine.pipeline import refine_transcript

    def broken(audio, cancelled=None, **kwargs):
        raise RuntimeError("Silero VAD unavailable (test)")

    monkeypatch.setattr(vad, "silero_probabilities", broken)
    run = runs["long_gaps"]
    refined = refine_transcript(run.raw, run.audio, RULES)
    info = refined.metadata["refinement"]
    assert info["speech_detection"] == "loudness"
    assert "Silero VAD unavailable" in info["notes"][0]


# --- re-timing imported subtitles -----------------------------------------------------------


@pytest.mark.parametrize("shift_ms", [0, 400, -300, 3500])
def test_imported_subtitles_are_retimed_to_the_speech(runs, shift_ms: int) -> None:
    from wavescribe.core.refine.pipeline import retime_transcript

    run = runs["long_gaps"]
    srt = to_string(run.raw, "srt")  # whisper's own sloppy times, as an old subtitle file has
    imported = from_string(srt, "srt")
    for s in imported.segments:
        s.start, s.end = max(0, s.start + shift_ms), max(0, s.end + shift_ms)
    retimed = retime_transcript(imported, run.audio, RULES)
    assert [s.text for s in retimed.segments] == [s.text for s in imported.segments]
    start, end = medians(run, retimed)
    assert start <= 80 and end <= 80, (start, end)
    for a, b in zip(retimed.segments, retimed.segments[1:], strict=False):
        assert a.end + RULES.min_gap_ms <= b.start


def test_retiming_can_recut_cues_by_the_rules(runs) -> None:
    from wavescribe.core.refine.pipeline import retime_transcript

    run = runs["noisy"]
    imported = from_string(to_string(run.raw, "vtt"), "vtt")
    retimed = retime_transcript(imported, run.audio, RULES, resegment=True)
    assert " ".join(s.text.replace("\n", " ") for s in retimed.segments).split() == (
        " ".join(s.text for s in imported.segments).split()
    )
    assert all(
        len(line) <= RULES.max_chars_per_line
        for s in retimed.segments
        for line in s.text.splitlines()
    )


# --- the module's contract ----------------------------------------------------------------


def test_importing_refine_does_not_import_torch_or_stable_ts() -> None:
    code = (
        "import sys, wavescribe.core.refine.pipeline\n"
        "heavy = ('torch', 'stable_whisper', 'silero_vad', 'torchaudio')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_without_stable_ts_refinement_runs_lite(runs, monkeypatch) -> None:
    from wavescribe.core.refine.pipeline import refine_transcript

    monkeypatch.setitem(sys.modules, "stable_whisper", None)  # as if stable-ts were not installed
    run = runs["long_gaps"]
    refined = refine_transcript(run.raw, run.audio, RULES)
    info = refined.metadata["refinement"]
    assert refined.metadata["refined"] is True
    assert info["method"] == "silero-onnx, no stable-ts"
    assert info["silence_suppression"] is False
    assert "stable-ts is not usable here" in info["notes"][-1]
    start, end = medians(run, refined)
    assert start <= 80 and end <= 80, (start, end)


def test_refinement_can_be_cancelled(runs) -> None:
    from wavescribe.core.refine.pipeline import refine_transcript

    run = runs["noisy"]
    with pytest.raises(errors.Cancelled):
        refine_transcript(run.raw, run.audio, RULES, cancelled=lambda: True)


def test_cancelling_during_voice_activity_detection_stops_it(runs) -> None:
    from wavescribe.core.refine.pipeline import refine_transcript

    calls = []

    def cancel_on_third_look() -> bool:
        calls.append(1)
        return len(calls) >= 3  # refine's own check, VAD frame 0, then VAD frame 500

    run = runs["long_gaps"]
    with pytest.raises(errors.Cancelled):
        refine_transcript(run.raw, run.audio, RULES, cancelled=cancel_on_third_look)
    assert len(calls) == 3


def test_refinement_leaves_its_input_alone(runs) -> None:
    from wavescribe.core.refine.pipeline import refine_transcript

    run = runs["tone_bed"]
    before = run.raw.to_json()
    refine_transcript(run.raw, run.audio, RULES)
    assert run.raw.to_json() == before
    assert run.raw.metadata["refined"] is False


def test_an_empty_transcript_or_silent_audio_gives_no_cues() -> None:
    from wavescribe.core.refine.pipeline import refine_transcript

    silent = np.zeros(5 * synth.RATE, np.float32)
    assert refine_transcript(Transcript(), silent, RULES).segments == []
    ghost = Transcript(
        segments=[Segment(1000, 3000, "Thank you.", [Word(1000, 3000, " Thank you.")])]
    )
    assert refine_transcript(ghost, silent, RULES).segments == []
