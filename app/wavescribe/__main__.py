import multiprocessing

# A frozen app re-runs this entry point for the engine's worker process ("spawn"); freeze_support
# turns that run into the worker instead of a second copy of the app. A no-op when not frozen.
multiprocessing.freeze_support()

from wavescribe.cli import main  # noqa: E402

raise SystemExit(main())
