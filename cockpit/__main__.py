from cockpit.tools.cli import main

raise SystemExit(main())
