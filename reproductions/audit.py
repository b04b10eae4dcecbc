"""Audit the results CSVs of a scale against what their tables declare: which declared runs have no rows (a seed
lost), which rows no declared run makes (an older declaration's), and, where the run cache holds a declared run,
whether its rows re-derived from the cache match the committed ones.

    python -m reproductions.audit [--scale quick] [--runs-root runs] [--baselines-root baselines/cache]

Arms a table derives from finished runs (gRDA's magnitude baselines) are known only after training and are not
audited. Exit code 1 when a declared run lost its rows, else 0.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from prunebench.config import Operational
from prunebench.paths import RESULTS, RunPaths, results_csv
from prunebench.reproduce import result_rows
from prunebench.reproduction import Arm, load, scripts
from prunebench.results import read_results
from prunebench.runner import load_result
from prunebench.scales import SCALES, NotRunAtScale


@dataclass
class Finding:
    """What one table's audit found."""

    table: str
    declared: int = 0  # declared runs at the scale's seeds
    lost: list[str] = field(default_factory=list)  # declared run ids with no rows
    # run ids in the CSV that no declared run has: an older declaration's, or an arm derived from finished runs
    undeclared: list[str] = field(default_factory=list)
    cached: int = 0  # declared runs whose rows were re-derived from the run cache
    differ: list[str] = field(default_factory=list)  # run ids whose re-derived rows differ from the CSV's

    def lines(self) -> list[str]:
        head = (f"{self.table}: {self.declared} declared runs, {len(self.lost)} without rows; rows of {len(self.undeclared)}"
                f" runs not in the declaration; {self.cached} runs re-derived from the cache, {len(self.differ)} differ")
        return [head, *(f"  no rows:            {r}" for r in self.lost),
                *(f"  not declared:       {r}" for r in self.undeclared),
                *(f"  differs from cache: {r}" for r in self.differ)]


def audit_table(name: str, scale: str, ops: Operational, results_root: Path) -> Finding | None:
    """`name`'s committed rows at `scale` against its declared arms; None where it has no CSV or is not run there."""
    paper, table = name.split("/")
    path = results_csv(scale, paper, table, results_root)
    if not path.exists():
        return None
    rows = read_results(path)
    try:  # the scale's seeds must all be there; rows of other seeds (`--seeds`) must be runs the table declares
        plan = load(name).arms
        arms = {a.config.run_id: a for a in plan(SCALES.get(scale), None)}
        extra = {a.config.run_id: a for a in plan(SCALES.get(scale), tuple(sorted(set(rows["seed"]))))}
    except NotRunAtScale:
        return None
    finding = Finding(name, declared=len(arms))
    recorded = set(rows["run_id"])
    finding.lost = sorted(run_id for run_id in arms if run_id not in recorded)
    finding.undeclared = sorted(recorded - set(arms) - set(extra))
    arms.update(extra)
    for run_id, arm in arms.items():
        result_path = RunPaths(arm.config, ops.runs_root, ops.baselines_root).result
        if run_id in recorded and result_path.exists():
            finding.cached += 1
            if not same_rows(rows[rows["run_id"] == run_id], paper, table, scale, arm, result_path, ops):
                finding.differ.append(run_id)
    return finding


def same_rows(committed: pd.DataFrame, paper: str, table: str, scale: str, arm: Arm, result: Path,
              ops: Operational) -> bool:
    """Whether the cached run's rows (metric -> value) are the committed ones."""
    derived = {r["metric"]: r["value"] for r in result_rows(paper, table, scale, arm, load_result(arm.config, result), ops)}
    have = dict(zip(committed["metric"], committed["value"], strict=True))
    return set(derived) <= set(have) and all(
        math.isclose(float(have[m]), float(v), rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(float(have[m])) and math.isnan(float(v)))
        for m, v in derived.items())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m reproductions.audit", description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", default="quick", choices=SCALES.names())
    p.add_argument("--results", type=Path, default=RESULTS, help="results folder (default results/)")
    p.add_argument("--runs-root", type=Path, default=Path("runs"), help="the run cache to re-derive rows from")
    p.add_argument("--baselines-root", type=Path, default=Path("baselines") / "cache")
    args = p.parse_args(argv)
    ops = Operational(args.runs_root, args.baselines_root, progress=False)
    findings = [f for name in scripts() if (f := audit_table(name, args.scale, ops, args.results)) is not None]
    for finding in findings:
        print("\n".join(finding.lines()))
    lost = sum(len(f.lost) for f in findings)
    print(f"{len(findings)} tables audited at {args.scale} scale: {lost} declared runs without rows; rows of "
          f"{sum(len(f.undeclared) for f in findings)} runs not in the declarations (an older declaration's, or arms "
          f"derived from finished runs); {sum(f.cached for f in findings)} runs re-derived from {args.runs_root}, "
          f"{sum(len(f.differ) for f in findings)} differ")
    return 1 if lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
