"""Align a script a person already has (plain text, or SRT/VTT with wrong or missing times) to
the audio, keeping every word as written and computing only the times.

The rooms' flow: :mod:`script` reads the text into cues of words; the engine transcribes the audio
with word timings; :mod:`word_match` aligns the heard words to the script's words (a Levenshtein
alignment on normalised words, tolerant of insertions, deletions and substitutions);
:mod:`word_times` gives every script word a time (matched words take the engine's, unmatched ones
are interpolated inside the speech between their matched neighbours, or reported as not found in
the audio); :mod:`aligner` then runs the same timing refinement as transcription and builds the
cues. Qt-free.
"""
