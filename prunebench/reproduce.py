"""Shared machinery of the reproduction scripts: run a list of arms and write their result rows.

A reproduction script declares its published rows, how a scale maps them to run configs, and its
claims; `execute` runs every arm (each run idempotent and resumable) and writes rows after each run,
so a killed table loses nothing that finished.
"""
from __future__ import annotations

import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from prunebench.checkpoint import write_text_atomic
from prunebench.claims import NOT_RUN, Claim, Verdict, verdict_frame
from prunebench.config import Operational
from prunebench.disk import check_writable
from prunebench.evidence import CHANCE_METRIC
from prunebench.launch import launcher
from prunebench.paths import (
    REFERENCE,
    RESULTS,
    RunPaths,
    claims_csv,
    figure_csv,
    meta_json,
    method_log_csv,
    published_csv,
    results_csv,
)
from prunebench.provenance import not_run_meta, table_meta
from prunebench.reproduction import Arm, Reproduction
from prunebench.results import backup_of, git_sha, read_results, utc_now, write_rows
from prunebench.runner import ResultFileError, RunResult, run
from prunebench.scales import Override
from prunebench.shared_files import locked


def result_rows(paper: str, table: str, scale: str, arm: Arm, result: RunResult, ops: Operational) -> list[dict]:
    """One row per metric; a diverged run gets NaN for every metric plus `diverged` = 1 (kept, with its seed)."""
    try:
        return _rows(paper, table, scale, arm, result)
    except KeyError as missing:
        path = RunPaths(arm.config, ops.runs_root, ops.baselines_root).result
        raise ResultFileError(f"run result {path} lacks the metric {missing.args[0]!r} this table reports; delete "
                              f"{path.parent} to train this run again") from None


def _rows(paper: str, table: str, scale: str, arm: Arm, result: RunResult) -> list[dict]:
    if result.diverged:
        result = replace(result, metrics=defaultdict(lambda: math.nan, result.metrics))
    m, rule = result.metrics, arm.counting_rule
    shared = {
        "paper": paper, "table": table, "cell": arm.row_cell, "scale": scale, "run_id": arm.config.run_id,
        "settings_id": arm.config.settings_id,
        "method": arm.method or arm.config.method, "model": arm.config.model, "dataset": arm.config.dataset,
        "seed": arm.config.seed, "prune_ratio": arm.config.prune_ratio if arm.ratio is None else arm.ratio,
        "sparsity": 1.0 - m[f"params_{rule}_nonzero"] / m[f"params_{rule}_dense"],
        "compression": m[f"compression_{rule}"], "counting_rule": rule,
        "params_dense": m[f"params_{rule}_dense"], "params_nonzero": m[f"params_{rule}_nonzero"],
        "macs_dense": m["macs_dense"], "macs_nonzero": m["macs_nonzero"],
        "epochs": arm.config.epochs, "precision": arm.config.precision, "wall_seconds": result.wall_seconds,
        **result.provenance,  # where and when the run trained, not when this row is written
    }
    chance = m.get(CHANCE_METRIC, math.nan)  # absent from runs of other kinds and from results cached before it
    values = {**arm.metrics(result), **({CHANCE_METRIC: chance} if not math.isnan(chance) else {}),
              **({"diverged": 1.0} if result.diverged else {})}
    return [{**shared, "metric": name, "value": value} for name, value in values.items()]


def execute(
    paper: str, table: str, scale: str, arms: Iterable[Arm], ops: Operational, results_root: Path = RESULTS,
    follow_up: Callable[[], Iterable[Arm]] | None = None, overrides: Sequence[Override] = (),
    reproduction: Reproduction | None = None,
) -> pd.DataFrame:
    """Run `arms`, then the arms `follow_up` derives from their finished results (e.g. magnitude pruning to
    the sparsity a gRDA run reached), writing rows as runs finish; then one metadata file and the verdicts
    for the whole session. `ops.launcher` may train each stage's runs elsewhere first (Slurm job arrays).
    `overrides`: the method hyperparameters the scale's budget changed, printed first and kept in the metadata."""
    arms = unique(arms)
    print_overrides(overrides, scale)
    check_writable(results_root, min_free=16 * 2**20)  # before hours of training, not after the first run
    check_writable(ops.runs_root)
    check_writable(ops.baselines_root)
    out = results_csv(scale, paper, table, results_root)
    logs = method_log_csv(scale, paper, table, results_root)
    frame = pd.DataFrame()
    began, started_at = time.perf_counter(), utc_now()
    done: list[Arm] = []
    for stage in (lambda: arms, follow_up or list):
        stage_arms = unique(stage())
        if not stage_arms:
            continue
        launcher(ops).prepare([arm.config for arm in stage_arms], ops)  # e.g. Slurm job arrays; then all cached
        show = ops.progress and sys.stderr.isatty()  # a bar in a log file is noise: a line per run there
        durations: list[float] = []
        for arm in tqdm(stage_arms, desc=f"{paper} {table} ({scale})", unit="run", disable=not show):
            run_began = time.perf_counter()
            result = run(arm.config, ops)
            durations.append(time.perf_counter() - run_began)
            frame = write_rows(out, result_rows(paper, table, scale, arm, result, ops))
            append_method_log(logs, arm, RunPaths(arm.config, ops.runs_root, ops.baselines_root).method_log)
            done.append(arm)
            if ops.progress and not show:
                print(progress_line(f"{paper} {table} ({scale})", durations, len(stage_arms)), flush=True)
    wall = time.perf_counter() - began
    dropped = drop_superseded(out, done)
    if dropped:
        print(f"{out}: removed the rows of {len(dropped)} run(s) made with settings or data this table no longer "
              f"declares (the file as it was: {backup_of(out)}):")
        print("".join(f"  {run_id}\n" for run_id in dropped), end="")
        frame = read_results(out)  # what the file holds now
    orphans = drop_orphans(logs, out)
    if orphans:
        print(f"{logs}: dropped {orphans} update-log rows of runs whose result rows are gone")
    print(f"{paper} {table} at {scale} scale: {len(done)} runs in {wall:.0f} s -> {out}")
    if done:
        meta = table_meta(paper, table, scale, reproduction, ops.device, configs=[a.config for a in done],
                          started_at=started_at, finished_at=utc_now(), wall_seconds=wall, overrides=overrides)
        write_text_atomic(json.dumps(meta, indent=2) + "\n", meta_json(scale, paper, table, results_root))
        if reproduction is not None:
            judge_claims(paper, table, scale, reproduction.claims, results_root)
    return frame


def progress_line(what: str, durations: Sequence[float], total: int) -> str:
    """"slr table1 (quick): 4/19 runs, 6.2 min, about 23 min left", from the seconds each finished run took: the
    estimate is the mean of the runs that trained (a cached run takes under a second and says nothing)."""
    trained = [seconds for seconds in durations if seconds >= 1.0]
    left = total - len(durations)
    per_run = sum(trained) / len(trained) if trained else 0.0
    estimate = f"about {per_run * left / 60:.0f} min left" if trained or not left else \
        "an estimate after the first run that trains"
    return f"{what}: {len(durations)}/{total} runs, {sum(durations) / 60:.1f} min, {estimate}"


def record_not_run(paper: str, table: str, scale: str, why: str, reproduction: Reproduction | None,
                   results_root: Path = RESULTS) -> None:
    """A table that declares `NotRun` at `scale`: its rows, update log and figure series from earlier runs go
    (the report would show them as current), the metadata says why, and every claim is "not run" with the reason."""
    for stale in (results_csv(scale, paper, table, results_root), method_log_csv(scale, paper, table, results_root),
                  figure_csv(scale, paper, table, results_root), claims_csv(scale, paper, table, results_root)):
        stale.unlink(missing_ok=True)
    meta = not_run_meta(paper, table, scale, reproduction, why)
    write_text_atomic(json.dumps(meta, indent=2) + "\n", meta_json(scale, paper, table, results_root))
    claims = [replace(claim, check=lambda _results: Verdict(NOT_RUN, f"not run at {scale} scale: {why}"))
              for claim in (reproduction.claims if reproduction else ())]
    if claims:
        verdicts = verdict_frame(claims, pd.DataFrame(), paper=paper, table=table, scale=scale, evaluated_at=utc_now(),
                                 git_sha=git_sha())
        write_text_atomic(verdicts.to_csv(index=False), claims_csv(scale, paper, table, results_root))
    print(f"{paper} {table}: not run at {scale} scale: {why}")


def print_overrides(overrides: Sequence[Override], scale: str) -> None:
    """Each change on a line, each reason once after the changes it explains."""
    if overrides:
        print(f"At {scale} scale this reproduction changes method hyperparameters (its budget forces it):")
        for why in dict.fromkeys(o.why for o in overrides):
            for override in overrides:
                if override.why == why:
                    print(f"  {override.change}")
            print(f"    because {why}")


def drop_superseded(path: Path, arms: list[Arm]) -> list[str]:
    """Remove the rows that `arms` (a session's whole declaration) make obsolete, and return their run ids: a
    (cell, method) the session ran whose rows came from other settings (a change of recipe: the old runs would count
    as extra seeds); a seed the session re-made from other inputs (a new run id under the same settings); a cell the
    declaration no longer has (a rate cut from the budget); a data set none of its runs used (the scale moved).
    Seeds of the same settings that the session did not run are kept, whoever made them (added one at a time, in
    parallel processes, on other machines), as are other methods' rows in a cell it ran (`--with-method`). The file
    as it was is kept beside it (`backup_of`) until the next write."""
    made: dict[tuple[str, str], set[str]] = defaultdict(set)  # (cell, method) -> the session's settings ids
    runs: dict[tuple[str, str, str, int], set[str]] = defaultdict(set)  # ... and seed -> the session's run ids
    for arm in arms:
        key = (arm.row_cell, arm.method or arm.config.method)
        made[key].add(arm.config.settings_id)
        runs[(*key, arm.config.settings_id, arm.config.seed)].add(arm.config.run_id)
    if not made or not path.exists():
        return []
    datasets = {arm.config.dataset for arm in arms}
    cells = {cell for cell, _ in made}

    def superseded(row) -> bool:
        key = (row.cell, row.method)
        if row.cell not in cells or row.dataset not in datasets:
            return True
        if key not in made:
            return False
        if row.settings_id not in made[key]:
            return True
        same_seed = runs.get((*key, row.settings_id, int(row.seed)))
        return same_seed is not None and row.run_id not in same_seed

    with locked(path):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        stale = [superseded(row) for row in frame.itertuples(index=False)]
        if any(stale):
            write_text_atomic(frame.to_csv(index=False), backup_of(path))
            write_text_atomic(frame[[not s for s in stale]].to_csv(index=False), path)
    return list(dict.fromkeys(frame["run_id"][stale]))


def drop_orphans(log: Path, results: Path) -> int:
    """Remove the update-log rows of runs that have no result rows (any longer). Returns how many went."""
    if not log.exists() or not results.exists():
        return 0
    with locked(log):
        frame = pd.read_csv(log, dtype=str, keep_default_na=False)
        orphan = ~frame["run_id"].isin(set(read_results(results)["run_id"]))
        if orphan.any():
            write_text_atomic(frame[~orphan].to_csv(index=False), log)
    return int(orphan.sum())


def unique(arms: Iterable[Arm]) -> list[Arm]:
    """Each (cell, run, reported method and ratio) once: `--seeds 0 0` asks for one run, not two."""
    seen: dict[tuple, Arm] = {}
    for arm in arms:
        seen.setdefault((arm.row_cell, arm.config.run_id, arm.method, arm.ratio), arm)
    return list(seen.values())


def judge_all(declared: Callable[[str, str], Reproduction | None], results_root: Path = RESULTS) -> list[Path]:
    """Re-judge the claims of every results/<scale>/<paper>_<table>.csv (not the nightly reference) with the claims
    `declared(paper, table)` gives; paper and table are read from the rows (a paper's name may hold "_"). Every
    table's metadata, run or not run, gets the declared title (a declaration, not a measurement)."""
    written = []
    for path in sorted(Path(results_root).glob("*/*_*.csv")):
        frame = read_results(path)
        if path.parent.name != REFERENCE.name and not frame.empty:
            paper, table = str(frame["paper"].iloc[0]), str(frame["table"].iloc[0])
            reproduction = declared(paper, table)
            if reproduction is not None:
                written.append(judge_claims(paper, table, path.parent.name, reproduction.claims, results_root))
    for meta in sorted(Path(results_root).glob("*/meta/*.json")):
        recorded = json.loads(meta.read_text(encoding="utf-8"))
        reproduction = declared(str(recorded.get("paper")), str(recorded.get("table")))
        if reproduction is not None and recorded.get("title") != reproduction.title:
            write_text_atomic(json.dumps({**recorded, "title": reproduction.title}, indent=2) + "\n", meta)
    return [p for p in written if p is not None]


def published_table(paper: str, table: str) -> pd.DataFrame | None:
    """The paper's table as the project transcribed it (its published CSV, one number per cell, method and metric);
    None where it has none, or only a figure's points (no cells)."""
    path = published_csv(paper, table)
    if not path.exists():
        return None
    frame = pd.read_csv(path, dtype={"value": str}, keep_default_na=False)
    return frame if "cell" in frame.columns else None


def judge_claims(paper: str, table: str, scale: str, claims: Sequence[Claim], results_root: Path = RESULTS) -> Path | None:
    """Judge the table's declared claims on its whole results CSV and write the verdicts for the report."""
    rows = results_csv(scale, paper, table, results_root)
    with locked(rows):  # judged on the rows as they are, written before any later writer's judgement
        results = read_results(rows)
        if not claims or results.empty:
            return None
        path = claims_csv(scale, paper, table, results_root)
        verdicts = verdict_frame(claims, results, published_table(paper, table), paper=paper, table=table, scale=scale,
                                 evaluated_at=utc_now(), git_sha=git_sha())
        write_text_atomic(verdicts.to_csv(index=False), path)
    return path


def append_method_log(path: Path, arm: Arm, run_log: Path) -> None:
    """Copy a run's per-update log into the table's log CSV, tagged with the run (replacing older copies)."""
    if not run_log.exists():
        return
    rows = pd.read_csv(run_log)
    rows.insert(0, "run_id", arm.config.run_id)
    rows.insert(1, "cell", arm.row_cell)
    rows.insert(2, "method", arm.config.method)
    rows.insert(3, "prune_ratio", arm.config.prune_ratio)
    rows.insert(4, "seed", arm.config.seed)
    with locked(path):
        if path.exists():
            old = pd.read_csv(path)
            rows = pd.concat([old[old["run_id"] != arm.config.run_id], rows], ignore_index=True)
        write_text_atomic(rows.to_csv(index=False), path)
