"""`prunebench claims`: re-judge the declared claims of every results CSV without training anything.
`python -m reproductions.judge [--results DIR]`."""
from __future__ import annotations

import argparse
from pathlib import Path

from prunebench.paths import RESULTS
from prunebench.reproduce import judge_all
from prunebench.reproduction import declared


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="prunebench claims", description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help="results folder")
    args = parser.parse_args(argv)
    for path in judge_all(declared, args.results):
        print(f"claims judged -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
