"""Models: the catalog, the installed store, downloads, the starter model, CTranslate2 → GGML."""
