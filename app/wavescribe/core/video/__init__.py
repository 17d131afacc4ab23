"""Video in: the picture of a media file at a time, for the editor's video panel (PyAV, lazily)."""
