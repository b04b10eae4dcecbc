"""`python -m prunebench` is the `prunebench` command (what the Makefile's targets call)."""
from prunebench.cli import main

raise SystemExit(main())
