from prunebench.report.build import main

raise SystemExit(main())
