from wavescribe.cli import main

raise SystemExit(main())
