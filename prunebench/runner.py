"""`run(config)`: one idempotent run — skip if finished, resume if interrupted, else start.

A run starts from its parent's final weights (a dense baseline, or the pruned model that masked
retraining continues), which is run first when missing, as is a partner run (`RunConfig.inputs`). What the
run then does is its kind's function (`prunebench.run_kinds`); `train` here is the default. The result is
written last, atomically, so a run either has a complete result.json or is unfinished.
"""
from __future__ import annotations

import csv
import io
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from prunebench.checkpoint import (
    load_checkpoint,
    remove_stale_temp_files,
    save_atomic,
    write_json_atomic,
    write_text_atomic,
)
from prunebench.config import PRECISIONS, Operational, RunConfig
from prunebench.data import DATASETS, DataSplits, load_dataset
from prunebench.evidence import CHANCE_METRIC
from prunebench.methods import METHODS, Method
from prunebench.models import MODELS, build_model
from prunebench.paths import RunPaths
from prunebench.results import environment, utc_now
from prunebench.run_kinds import RUN_KINDS, run_function
from prunebench.sparsity import (
    PRUNE_SETS,
    SparsityPlan,
    count_parameters,
    layer_sparsity,
    multiply_accumulates,
    plan_parameters,
    uniform_plan,
    validate_ratio,
)
from prunebench.structured import Structure, apply_structure
from prunebench.tasks import Evaluation
from prunebench.train import SCHEDULES, DivergedError, StateSnapshot, Trainer

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
    if paths.result.exists():
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


@dataclass
class Built:
    """What a training run is made of before it trains: the model (in its parent's shape), the method, its trainer,
    and what accounting needs (an example input, the structure inherited from the parent, a fresh base model)."""

    model: torch.nn.Module
    base_model: Callable[[], torch.nn.Module]
    structure: Structure
    plan: SparsityPlan
    method: Method
    trainer: Trainer
    example: torch.Tensor


def train(config: RunConfig, ops: Operational, paths: RunPaths, inputs: tuple[RunResult, ...]) -> RunResult:
    """The `train` run kind: the method's training from the parent's weights (its only input), its finalize,
    evaluation and accounting; resumes from the run's checkpoint."""
    began = time.perf_counter()
    parent = inputs[0] if inputs else None
    run = build(config, ops, paths, parent)
    if ops.rank == 0:
        paths.dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(config.to_json(), paths.config)
    try:
        history = fit(run.trainer, ops)
    except DivergedError as err:
        return finish_diverged(config, paths, run.trainer.history, str(err), time.perf_counter() - began, ops)
    metrics = finalize_and_measure(run, history, ops, paths)
    if ops.rank == 0:
        persist(run, paths)
    result = RunResult(config, metrics, history, layer_sparsity(run.model, run.plan), time.perf_counter() - began,
                       False, provenance(ops))
    return finish(result, paths, ops)


def build(config: RunConfig, ops: Operational, paths: RunPaths, parent: RunResult | None) -> Built:
    """The model from the parent's weights (and removed filters), the method and its trainer (which builds the
    optimizer: an unknown name fails here, before the run folder exists)."""
    torch.manual_seed(config.seed)
    splits = load_splits(config, ops)
    info = splits.info
    example = next(iter(splits.test.batches(1)))[0].to(ops.device)

    def base_model() -> torch.nn.Module:
        return build_model(config.model, in_channels=info.in_channels, num_classes=info.num_classes,
                           width=config.width, **config.model_options)

    model = base_model()
    structure: Structure = []
    if parent is not None:
        if parent.paths.structure.exists():  # the parent removed filters: rebuild its narrow shape first
            structure = json.loads(parent.paths.structure.read_text())
            apply_structure(model, structure, example)
        model.load_state_dict(load_checkpoint(parent.paths.weights))
    plan = uniform_plan(model, config.prune_rule, config.prune_ratio) if config.prune_rule else {}
    method = METHODS.get(config.method).from_dict(config.method_options, plan)
    trainer = Trainer(
        model, splits, method, config, paths.checkpoint,
        plan=plan, device=ops.device, progress=ops.progress and sys.stderr.isatty(), channels_last=ops.channels_last,
        start_evaluation=final_evaluation(parent, config), budget=ops.budget, shard=(ops.rank, ops.world_size),
        checkpoint_seconds=ops.checkpoint_seconds, compile_backend=ops.compile_backend,
    )
    return Built(model, base_model, structure, plan, method, trainer, example)


def fit(trainer: Trainer, ops: Operational) -> list[dict[str, Any]]:
    """The training loop with cuDNN's autotuner as the run asks (for this run only; the other flags as they are)."""
    cudnn = torch.backends.cudnn
    with cudnn.flags(enabled=cudnn.enabled, benchmark=ops.cudnn_benchmark, deterministic=cudnn.deterministic,
                     allow_tf32=cudnn.allow_tf32):
        return trainer.fit()


def finalize_and_measure(run: Built, history: list[dict[str, Any]], ops: Operational,
                         paths: RunPaths) -> dict[str, float]:
    """The method's finalize (a hard prune, a removal, nothing) and every number of the run: accuracy before and
    after it, the method's summary, sizes and MACs, and the training history's summary."""
    trainer, model, method = run.trainer, run.model, run.method
    before = trainer.test_evaluation()
    metrics: dict[str, float] = {
        "top1_start": history[0]["test_top1"], "top1_before_finalize": before.top1, "epochs_trained": history[-1]["epoch"],
        "stop_criterion_met": float(trainer.stopped()),  # the method ended its schedule, or the run's stop rule held
        CHANCE_METRIC: trainer.task.chance(trainer.splits.info.chance_classes),  # an untrained model's: no signal
    }
    if "test_top1_hardprune" in history[0]:  # Π_S applied to the starting weights: one-shot magnitude pruning
        metrics["top1_start_hardprune"] = history[0]["test_top1_hardprune"]
    if run.plan and ops.rank == 0:  # the trained weights before the hard prune, for weight figures (SLR Fig. 4)
        weights = plan_parameters(model, run.plan)
        save_atomic({name: w.detach().cpu().clone() for name, w in zip(run.plan, weights, strict=True)},
                    paths.weights_before_finalize)
    kept = StateSnapshot(model)
    metrics.update(method.finalize(model))
    # a finalize that changed nothing, or that applied the plan whose result the last epoch evaluated: no new pass
    final = before if kept.matches(model) else trainer.hard_pruned_evaluation(model) or trainer.evaluate(trainer.splits.test)
    metrics.update({"top1_final": final.top1, "top5_final": final.top5, "test_loss_final": final.loss,
                    "train_loss_final": trainer.fixed_subset_loss()})  # f(W) on the fixed subset, after finalize
    metrics.update(method.summary())
    metrics.update(accounting(model, run.base_model().to(ops.device), run.example))
    metrics.update(training_summary(history))
    return metrics


def persist(run: Built, paths: RunPaths) -> None:
    """The trained weights, the structure removed so far (the parent's and this run's) and the method's log."""
    removed = run.method.structure()
    if removed or run.structure:
        write_json_atomic(run.structure + ([removed] if removed else []), paths.structure)
    save_atomic(run.model.state_dict(), paths.weights)
    if run.method.log:
        write_text_atomic(rows_to_csv(run.method.log), paths.method_log)


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


def final_evaluation(parent: RunResult | None, child: RunConfig) -> Evaluation | None:
    """The parent's final test evaluation: the child starts from exactly those weights, on the same test split,
    so its epoch-0 evaluation need not be computed again."""
    if parent is None or parent.diverged or parent.config.dataset != child.dataset:
        return None
    m = parent.metrics
    keys = ("top1_final", "top5_final", "test_loss_final")
    return Evaluation(*(m[k] for k in keys)) if all(k in m for k in keys) else None


def finish_diverged(
    config: RunConfig, paths: RunPaths, history: list[dict[str, Any]], error: str, wall: float, ops: Operational,
) -> RunResult:
    """A run whose loss became NaN/inf is finished as diverged (recorded with its seed, not retried, not dropped)."""
    metrics = {"diverged": 1.0, "diverged_epoch": float(history[-1]["epoch"] + 1 if history else 1)}
    return finish(RunResult(config, metrics, history, {}, wall, False, provenance(ops)), paths, ops, error=error)


def accounting(model: torch.nn.Module, reference: torch.nn.Module, example: torch.Tensor) -> dict[str, float]:
    """Params and MACs under both counting rules of methods.md §0.2: dense = the unpruned `reference`
    architecture, non-zero = `model` (narrower when filters were removed, sparser when weights were)."""
    out: dict[str, float] = {}
    for rule in ("nonbias", "all"):
        total, _ = count_parameters(reference, rule)
        _, nonzero = count_parameters(model, rule)
        out[f"params_{rule}_dense"], out[f"params_{rule}_nonzero"] = total, nonzero
        out[f"compression_{rule}"] = total / max(nonzero, 1)
    out["params_all_remaining"] = sum(p.numel() for p in model.parameters())  # the narrowed model's size, zeros included
    out["macs_dense"], _ = multiply_accumulates(reference, example)
    _, out["macs_nonzero"] = multiply_accumulates(model, example)
    out["speedup"] = out["macs_dense"] / max(out["macs_nonzero"], 1)
    return out


def training_summary(history: list[dict[str, Any]]) -> dict[str, float]:
    """Optimizer steps taken and the best test top-1 over the evaluated epochs (the GReg and NS codes
    report the best epoch; we record it beside the last, never instead of it)."""
    evaluated = [h["test_top1"] for h in history[1:] if "test_top1" in h]
    out = {"train_iterations": float(sum(h.get("steps", 0) for h in history))}
    if evaluated:
        out["top1_best_epoch"] = max(evaluated)
    return out


def rows_to_csv(rows: list[dict[str, Any]]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
