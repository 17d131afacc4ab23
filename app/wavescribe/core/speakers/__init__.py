"""Who is speaking: offline speaker diarization and putting speakers onto a transcript.

- :mod:`.mel` — resemblyzer's mel spectrogram in numpy (no librosa).
- :mod:`.encoder` — resemblyzer's trained speaker encoder (LSTM) run with numpy (no torch).
- :mod:`.cluster` — embeddings into speakers, automatic count within the user's bounds.
- :mod:`.count` — ``auto`` / ``N`` / ``A-B`` speaker counts.
- :mod:`.diarize` — speech regions -> windows -> embeddings -> clusters -> speaker turns.
- :mod:`.assign` — turns onto a transcript's words and cues (cues split at speaker changes).
- :mod:`.scoring` — diarization error rate, for the tests and the benchmark.
"""
