"""The waveform timeline: geometry, painting, markers, the in-place text editor, peak loading."""
