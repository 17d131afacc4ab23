"""``python -m wavescribe.gui [FILE...]``: open the app (even where the CLI would not guess it)."""

from wavescribe.gui.app import main

raise SystemExit(main())
