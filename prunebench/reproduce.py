"""Shared machinery of the reproduction scripts: run a list of arms and write their result rows.

A reproduction script declares its published rows, how a scale maps them to run configs, and its
claims; `execute` runs every arm (each run idempotent and resumable) and writes rows after each run,
so a killed table loses nothing that finished.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from prunebench.checkpoint import write_text_atomic
from prunebench.config import Operational, RunConfig
from prunebench.paths import RESULTS, RunPaths, method_log_csv, results_csv
from prunebench.results import environment, utc_now, write_rows
from prunebench.runner import RunResult, run


@dataclass(frozen=True)
class Arm:
    """One run of a table: which published cell it belongs to and the result metrics it reports."""

    cell: str
    config: RunConfig
    metrics: Callable[[RunResult], dict[str, float]]


def result_rows(paper: str, table: str, scale: str, arm: Arm, result: RunResult, ops: Operational) -> list[dict]:
    m = result.metrics
    shared = {
        "paper": paper, "table": table, "cell": arm.cell, "scale": scale, "run_id": arm.config.run_id,
        "method": arm.config.method, "model": arm.config.model, "dataset": arm.config.dataset,
        "seed": arm.config.seed, "prune_ratio": arm.config.prune_ratio,
        "sparsity": 1.0 - m["params_nonbias_nonzero"] / m["params_nonbias_dense"],
        "compression": m["compression_nonbias"], "counting_rule": "nonbias",
        "params_dense": m["params_nonbias_dense"], "params_nonzero": m["params_nonbias_nonzero"],
        "macs_dense": m["macs_dense"], "macs_nonzero": m["macs_nonzero"],
        "epochs": arm.config.epochs, "wall_seconds": result.wall_seconds, "finished_at": utc_now(),
        **environment(ops.device),
    }
    return [{**shared, "metric": name, "value": value} for name, value in arm.metrics(result).items()]


def execute(
    paper: str, table: str, scale: str, arms: Iterable[Arm], ops: Operational, results_root: Path = RESULTS
) -> pd.DataFrame:
    arms = list(arms)
    out = results_csv(scale, paper, table, results_root)
    logs = method_log_csv(scale, paper, table, results_root)
    frame = pd.DataFrame()
    began = time.perf_counter()
    for arm in tqdm(arms, desc=f"{paper} {table} ({scale})", unit="run", disable=not ops.progress):
        result = run(arm.config, ops)
        frame = write_rows(out, result_rows(paper, table, scale, arm, result, ops))
        append_method_log(logs, arm, RunPaths(arm.config, ops.runs_root, ops.baselines_root).method_log)
    print(f"{paper} {table} at {scale} scale: {len(arms)} runs in {time.perf_counter() - began:.0f} s -> {out}")
    return frame


def append_method_log(path: Path, arm: Arm, run_log: Path) -> None:
    """Copy a run's per-update log into the table's log CSV, tagged with the run (replacing older copies)."""
    if not run_log.exists():
        return
    rows = pd.read_csv(run_log)
    rows.insert(0, "run_id", arm.config.run_id)
    rows.insert(1, "cell", arm.cell)
    rows.insert(2, "method", arm.config.method)
    rows.insert(3, "prune_ratio", arm.config.prune_ratio)
    rows.insert(4, "seed", arm.config.seed)
    if path.exists():
        old = pd.read_csv(path)
        rows = pd.concat([old[old["run_id"] != arm.config.run_id], rows], ignore_index=True)
    write_text_atomic(rows.to_csv(index=False), path)
