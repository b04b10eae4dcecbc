"""The time budgets the project promises, and what whole commands measured against them.

A table's own time is in its metadata; what a researcher waits for is a whole command from a fresh clone. The
Makefile's `quick` (set-up, every Table 1, the report), `nightly` and `baselines` targets time themselves and end
with `python -m prunebench.budgets record "make quick" STARTED CACHE`, which writes
`results/budgets/<command>.json`: the wall time, the machine, the code's version and whether the run cache was
empty when it started (a cached re-run is no measurement of the budget). `make status` shows each record beside its
limit.
"""
from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from prunebench.checkpoint import write_text_atomic
from prunebench.paths import RESULTS
from prunebench.provenance import hardware, versions
from prunebench.results import git_sha

# command -> the longest it may take on a 2-core CPU from a fresh clone (the budgets the quick scale is built for)
LIMITS = {"make quick": 2 * 3600.0, "make nightly": 12 * 3600.0, "make baselines": 3 * 3600.0}
BUDGETS = RESULTS / "budgets"


def record_path(command: str, root: Path = BUDGETS) -> Path:
    return Path(root) / (re.sub(r"[^a-z0-9]+", "_", command.lower()).strip("_") + ".json")


def record(command: str, started: float, cache_was_empty: bool, root: Path = BUDGETS, now: float | None = None) -> Path:
    """Write what `command`, started at Unix time `started`, took; returns the file."""
    finished = time.time() if now is None else now
    path = record_path(command, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"command": command, "wall_seconds": round(finished - started, 1), "cache_was_empty": cache_was_empty,
             "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
             "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(finished)),
             "hardware": hardware("cpu"), "versions": versions(), "git_sha": git_sha()}
    write_text_atomic(json.dumps(entry, indent=1) + "\n", path)
    return path


def read_records(root: Path = BUDGETS) -> dict[str, dict]:
    """command -> its latest record."""
    records = (json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(root).glob("*.json")))
    return {r["command"]: r for r in records}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m prunebench.budgets", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    rec = sub.add_parser("record", help="write what a command took (the Makefile calls this)")
    rec.add_argument("command", choices=sorted(LIMITS), help="which budget")
    rec.add_argument("started", type=float, help="Unix time the command started")
    rec.add_argument("cache", choices=("empty", "warm"), help="whether the run cache was empty when it started")
    args = parser.parse_args(argv)
    path = record(args.command, args.started, args.cache == "empty")
    entry = json.loads(path.read_text(encoding="utf-8"))
    print(f"{args.command}: {entry['wall_seconds'] / 60:.1f} min (limit {LIMITS[args.command] / 3600:g} h), "
          f"cache {args.cache} at the start; {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
