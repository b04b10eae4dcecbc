"""`run(config)`: one idempotent run — skip if finished, resume if interrupted, else start.

A run starts from its parent's final weights (a dense baseline, or the pruned model that masked
retraining continues), which is run first when missing, as is a partner run (`RunConfig.inputs`). What the
run then does is its kind's function (`prunebench.run_kinds`), by default `train` (`prunebench.training_run`).
The result is written last, atomically, so a run either has a complete result.json or is unfinished.
"""
from __future__ import annotations

import csv
import io
import json
import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from prunebench.checkpoint import (
    load_checkpoint,
    remove_stale_temp_files,
    write_json_atomic,
)
from prunebench.config import PRECISIONS, Operational, RunConfig
from prunebench.data import DATASETS, DataSplits, load_dataset
from prunebench.methods import METHODS
from prunebench.models import MODELS
from prunebench.paths import RunPaths
from prunebench.results import environment, utc_now
from prunebench.run_kinds import RUN_KINDS, run_function
from prunebench.shipped_bases import install
from prunebench.sparsity import (
    PRUNE_SETS,
    validate_ratio,
)
from prunebench.train import SCHEDULES

# a result written before runs kept their provenance: what is not known is not made up
UNKNOWN_PROVENANCE = {"device": "unknown", "torch_version": "unknown", "prunebench_version": "unknown",
                      "git_sha": "unknown", "finished_at": "unknown"}


@dataclass
class RunResult:
    config: RunConfig
    metrics: dict[str, float]
    history: list[dict[str, Any]]
    layer_sparsity: dict[str, float]
    wall_seconds: float
    skipped: bool
    provenance: dict[str, str] = field(default_factory=lambda: dict(UNKNOWN_PROVENANCE))  # where and when it trained
    series: list[dict[str, Any]] = field(default_factory=list)  # measurements beyond epochs (a curve's points t)
    paths: RunPaths | None = None  # its files (weights, weights before the hard prune), set by `run`

    @property
    def diverged(self) -> bool:
        return bool(self.metrics.get("diverged"))

    def per_epoch(self, key: str) -> list[tuple[int, float]]:
        """(epoch, value) for every epoch of the history that recorded `key` (epoch 0: before training)."""
        return [(int(h["epoch"]), float(h[key])) for h in self.history if key in h]


class ResultFileError(ValueError):
    """A run folder's result.json is not a complete prunebench result."""


def validate(config: RunConfig) -> None:
    """Fail fast, before any work, on names and numbers that cannot be right."""
    kind = RUN_KINDS.get(config.kind)
    if kind.data_and_model_registered:
        DATASETS.get(config.dataset)
        MODELS.get(config.model)
    if kind.method_is_registered:
        METHODS.get(config.method).options_from_dict(config.method_options)
    validate_ratio(config.prune_ratio)
    if config.prune_rule is not None:
        PRUNE_SETS.get(config.prune_rule)
    SCHEDULES.get(config.optimizer.schedule)  # the optimizer name is checked when the trainer builds it
    if config.precision not in PRECISIONS:
        raise ValueError(f"unknown precision {config.precision!r}; known: {', '.join(PRECISIONS)}")
    if kind.own_precision and config.precision != "float32":
        raise ValueError(f"{config.kind} runs train in a precision of their own: precision {config.precision!r} "
                         "(--amp) cannot apply to them")
    at_least = {"epochs": (config.epochs, 0), "batch_size": (config.batch_size, 1), "eval_every": (config.eval_every, 0),
                "seed": (config.seed, 0)}
    if config.train_subset is not None:
        at_least["train_subset"] = (config.train_subset, 1)
    for name, (value, low) in at_least.items():
        if not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    o = config.optimizer
    positive = {"width": config.width, "lr": o.lr}
    non_negative = {"weight_decay": o.weight_decay, "momentum": o.momentum, "gamma": o.gamma}
    for name, value in positive.items():
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    for name, value in non_negative.items():
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    for source in config.inputs:
        validate(source)


def validate_device(device: str) -> None:
    """A device this machine has, before any work (a CUDA run on a machine without CUDA fails here, in one line)."""
    try:
        kind = torch.device(device).type
    except RuntimeError as error:
        raise ValueError(f"unknown device {device!r} ({error})") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but this machine has no CUDA device (torch {torch.__version__})")


def run(config: RunConfig, ops: Operational | None = None) -> RunResult:
    ops = ops or Operational()
    validate(config)
    validate_device(ops.device)
    paths = RunPaths(config, ops.runs_root, ops.baselines_root)
    if paths.result.exists() or (ops.shipped_bases and install(config, paths)):
        return replace(load_result(config, paths.result), paths=paths)
    writes = ops.rank == 0  # data-parallel: the other processes train the same run and write nothing
    if paths.dir.exists() and writes:
        for tmp in remove_stale_temp_files(paths.dir):  # a kill mid-write leaves a whole checkpoint's worth
            print(f"removed {tmp}, left by an interrupted write", file=sys.stderr)
    inputs = tuple(run(source, ops) for source in config.inputs)
    with process_state(ops):
        result = run_function(config.kind)(config, ops, paths, inputs)
    return replace(result, paths=paths)


def kill_after_first_checkpoint(config: RunConfig, ops: Operational) -> tuple[int | None, int | None]:
    """Train `config` in a child process and SIGKILL it as soon as its first checkpoint exists (nothing in the loop
    knows): (the checkpoint's epoch, or None if there is none, and the child's exit code). Its parents should be
    finished first, so that only this run trains there."""
    import multiprocessing

    paths = RunPaths(config, ops.runs_root, ops.baselines_root)
    child = multiprocessing.get_context("spawn").Process(target=run, args=(config, ops))  # may start loader workers
    child.start()
    try:
        while child.is_alive() and not paths.checkpoint.exists():
            time.sleep(0.02)
    finally:
        child.kill()
        child.join()
    epoch = load_checkpoint(paths.checkpoint)["epoch"] if paths.checkpoint.exists() else None
    return epoch, child.exitcode


@contextmanager
def process_state(ops: Operational) -> Iterator[None]:
    """What a run sets for the whole process — torch's thread count (`ops.threads`) and its random generators
    (seeded by the run) — restored when it ends, so the caller (a test, a notebook, a session) keeps its own."""
    device = torch.device(ops.device)
    cuda = [device.index or 0] if device.type == "cuda" else []
    threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=cuda):
        if ops.threads:
            torch.set_num_threads(ops.threads)
        try:
            yield
        finally:
            torch.set_num_threads(threads)


def load_splits(config: RunConfig, ops: Operational) -> DataSplits:
    """The run's data: its training subset (the same samples for every seed and method, so arms differ only in
    what they should), the check budget's test images, on the device if asked."""
    splits = load_dataset(config.dataset, root=ops.data_root, augment=config.augment)
    if config.train_subset:
        splits.train = splits.train.subset(config.train_subset, torch.Generator().manual_seed(0))
    if ops.budget is not None:
        splits.test = splits.test.fixed_subset(ops.budget.eval_images)
    if ops.data_on_device:
        splits.train, splits.test = splits.train.to(ops.device), splits.test.to(ops.device)
    return splits


def finish(result: RunResult, paths: RunPaths, ops: Operational, **extra: Any) -> RunResult:
    """Write a run's result.json, last and atomically (a run either has one or is unfinished), and drop its
    checkpoint: the result and weights now hold everything. Every run kind ends here; rank 0 alone writes."""
    if ops.rank == 0:
        series = {"series": result.series} if result.series else {}
        write_json_atomic({"run_id": result.config.run_id, "metrics": result.metrics, "history": result.history,
                           "layer_sparsity": result.layer_sparsity, "wall_seconds": result.wall_seconds,
                           "provenance": result.provenance, **series, **extra}, paths.result)
        paths.checkpoint.unlink(missing_ok=True)
    return result


def provenance(ops: Operational) -> dict[str, str]:
    """Where and when a run finished training, kept in its result.json: a row re-written later from the cache
    says this, not the commit or machine that re-wrote it."""
    return {**environment(ops.device), "finished_at": utc_now()}


RESULT_KEYS = {"run_id": str, "metrics": dict, "history": list, "layer_sparsity": dict, "wall_seconds": (int, float)}


def load_result(config: RunConfig, path: Path) -> RunResult:
    """A finished run's result.json, checked: a file that is not one (empty, cut, edited) is named with what is
    wrong, and deleting its run folder trains it again."""
    def bad(why: str) -> ResultFileError:
        return ResultFileError(f"run result {path} {why}; delete {path.parent} to train this run again")

    try:
        stored = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise bad(f"is not valid JSON ({error})") from None
    if not isinstance(stored, dict):
        raise bad("is not a JSON object")
    for key, kind in RESULT_KEYS.items():
        if not isinstance(stored.get(key), kind):
            raise bad(f"has no valid {key!r}")
    if stored["run_id"] != config.run_id:
        raise bad(f"belongs to run {stored['run_id']!r}, not {config.run_id!r}")
    for name, value in stored["metrics"].items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise bad(f"holds a non-numeric metric {name}={value!r}")
    origin = {**UNKNOWN_PROVENANCE, **stored.get("provenance", {})}
    return RunResult(config, stored["metrics"], stored["history"], stored["layer_sparsity"], stored["wall_seconds"], True,
                     origin, stored.get("series", []))


def finish_diverged(
    config: RunConfig, paths: RunPaths, history: list[dict[str, Any]], error: str, wall: float, ops: Operational,
) -> RunResult:
    """A run whose loss became NaN/inf is finished as diverged (recorded with its seed, not retried, not dropped)."""
    metrics = {"diverged": 1.0, "diverged_epoch": float(history[-1]["epoch"] + 1 if history else 1)}
    return finish(RunResult(config, metrics, history, {}, wall, False, provenance(ops)), paths, ops, error=error)


def rows_to_csv(rows: list[dict[str, Any]]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
