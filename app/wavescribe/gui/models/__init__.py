"""The model manager window: its table and the long tasks (download, import, convert) it runs."""
