"""The desktop app (PySide6). Only this package imports Qt; it calls the core and listens.

Layout: ``app`` starts Qt, ``main_window`` lays out widgets and actions, ``workspace`` decides
what they mean, ``engine_bridge`` is the one path from core work (worker thread, engine process)
back to the GUI thread, ``jobs`` holds the queue's state; the rest are panels and dialogs.
``errors`` and ``hints`` turn core errors into dialogs and the core's hints into menu directions.
Shared state has an owner: the task runner is the QApplication's child, an error box its window's,
the peak cache and whisper.cpp's system info the workspace's (handed to the editor and dialogs).
"""
