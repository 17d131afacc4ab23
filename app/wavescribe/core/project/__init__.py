"""Projects on disk: the ``.wsproj`` file, autosave and crash recovery, the peak cache beside it."""
