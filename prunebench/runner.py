"""`run(config)`: one idempotent run — skip if finished, resume if interrupted, else start.

A run starts from its parent's final weights (a dense baseline, or the pruned model that masked
retraining continues), which is run first when missing. The result is written last, atomically, so a
run either has a complete result.json or is unfinished.
"""
from __future__ import annotations

import csv
import io
import json
import sys
import time
from dataclasses import dataclass
from typing import Any

import torch

from prunebench.checkpoint import load_checkpoint, save_atomic, write_json_atomic, write_text_atomic
from prunebench.config import Operational, RunConfig
from prunebench.data import DATASETS, load_dataset
from prunebench.methods import METHODS
from prunebench.models import MODELS, build_model
from prunebench.paths import RunPaths
from prunebench.sparsity import (
    PRUNE_SETS,
    count_parameters,
    layer_sparsity,
    multiply_accumulates,
    plan_parameters,
    uniform_plan,
    validate_ratio,
)
from prunebench.structured import Structure, apply_structure
from prunebench.tasks import Evaluation
from prunebench.train import DivergedError, Trainer


@dataclass
class RunResult:
    config: RunConfig
    metrics: dict[str, float]
    history: list[dict[str, Any]]
    layer_sparsity: dict[str, float]
    wall_seconds: float
    skipped: bool

    @property
    def diverged(self) -> bool:
        return bool(self.metrics.get("diverged"))


def validate(config: RunConfig) -> None:
    """Fail fast, before any work, on names and numbers that cannot be right."""
    DATASETS.get(config.dataset)
    MODELS.get(config.model)
    METHODS.get(config.method)
    validate_ratio(config.prune_ratio)
    if config.prune_rule is not None:
        PRUNE_SETS.get(config.prune_rule)
    if config.epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {config.epochs}")
    if config.parent is not None:
        validate(config.parent)


def run(config: RunConfig, ops: Operational | None = None) -> RunResult:
    ops = ops or Operational()
    validate(config)
    paths = RunPaths(config, ops.runs_root, ops.baselines_root)
    if paths.result.exists():
        stored = json.loads(paths.result.read_text())
        return RunResult(config, stored["metrics"], stored["history"], stored["layer_sparsity"], stored["wall_seconds"], True)
    parent_paths, parent = None, None
    if config.parent is not None:
        parent = run(config.parent, ops)
        parent_paths = RunPaths(config.parent, ops.runs_root, ops.baselines_root)

    began = time.perf_counter()
    if ops.threads:
        torch.set_num_threads(ops.threads)
    torch.manual_seed(config.seed)
    splits = load_dataset(config.dataset, root=ops.data_root, augment=config.augment)
    if config.train_subset:
        # the same samples for every seed and method, so arms differ only in what they should
        splits.train = splits.train.subset(config.train_subset, torch.Generator().manual_seed(0))
    info = splits.info
    example = next(iter(splits.test.batches(1)))[0].to(ops.device)

    def base_model() -> torch.nn.Module:
        return build_model(config.model, in_channels=info.in_channels, num_classes=info.num_classes, width=config.width, **config.model_options)

    model = base_model()
    structure: Structure = []
    if parent_paths is not None:
        if parent_paths.structure.exists():  # the parent removed filters: rebuild its narrow shape first
            structure = json.loads(parent_paths.structure.read_text())
            apply_structure(model, structure, example)
        model.load_state_dict(load_checkpoint(parent_paths.weights))
    plan = uniform_plan(model, config.prune_rule, config.prune_ratio) if config.prune_rule else {}
    method = METHODS.get(config.method).from_dict(config.method_options, plan)

    paths.dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(config.to_json(), paths.config)
    trainer = Trainer(
        model, splits, method, config, paths.checkpoint,
        plan=plan, device=ops.device, progress=ops.progress and sys.stderr.isatty(), channels_last=ops.channels_last,
        start_evaluation=final_evaluation(parent, config),
    )
    try:
        history = trainer.fit()
    except DivergedError as err:
        return finish_diverged(config, paths, trainer.history, str(err), time.perf_counter() - began)
    before = trainer.test_evaluation()
    metrics: dict[str, float] = {
        "top1_start": history[0]["test_top1"], "top1_before_finalize": before.top1, "epochs_trained": history[-1]["epoch"],
    }
    if "test_top1_hardprune" in history[0]:  # Π_S applied to the starting weights: one-shot magnitude pruning
        metrics["top1_start_hardprune"] = history[0]["test_top1_hardprune"]
    if plan:  # the trained weights before the hard prune, for weight figures (SLR Fig. 4)
        weights = plan_parameters(model, plan)
        save_atomic({name: w.detach().cpu().clone() for name, w in zip(plan, weights, strict=True)}, paths.weights_before_finalize)
    metrics.update(method.finalize(model))
    final = trainer.evaluate(splits.test)
    metrics.update({"top1_final": final.top1, "top5_final": final.top5, "test_loss_final": final.loss,
                    "train_loss_final": trainer.fixed_subset_loss()})  # f(W) on the fixed subset, after finalize (hard prune)
    metrics.update(method.summary())
    metrics.update(accounting(model, base_model().to(ops.device), example))
    metrics.update(training_summary(history))
    sparsity = layer_sparsity(model, plan)

    removed = method.structure()
    if removed or structure:
        write_json_atomic(structure + ([removed] if removed else []), paths.structure)
    save_atomic(model.state_dict(), paths.weights)
    if method.log:
        write_text_atomic(rows_to_csv(method.log), paths.method_log)
    wall = time.perf_counter() - began
    write_json_atomic(
        {"run_id": config.run_id, "metrics": metrics, "history": history, "layer_sparsity": sparsity, "wall_seconds": wall},
        paths.result,
    )
    paths.checkpoint.unlink(missing_ok=True)  # the result and weights now hold everything
    return RunResult(config, metrics, history, sparsity, wall, False)


def final_evaluation(parent: RunResult | None, child: RunConfig) -> Evaluation | None:
    """The parent's final test evaluation: the child starts from exactly those weights, on the same test split,
    so its epoch-0 evaluation need not be computed again."""
    if parent is None or parent.diverged or parent.config.dataset != child.dataset:
        return None
    m = parent.metrics
    keys = ("top1_final", "top5_final", "test_loss_final")
    return Evaluation(*(m[k] for k in keys)) if all(k in m for k in keys) else None


def finish_diverged(config: RunConfig, paths: RunPaths, history: list[dict[str, Any]], error: str, wall: float) -> RunResult:
    """A run whose loss became NaN/inf is finished as diverged (recorded with its seed, not retried, not dropped)."""
    metrics = {"diverged": 1.0, "diverged_epoch": float(history[-1]["epoch"] + 1 if history else 1)}
    write_json_atomic(
        {"run_id": config.run_id, "metrics": metrics, "history": history, "layer_sparsity": {}, "wall_seconds": wall,
         "error": error},
        paths.result,
    )
    paths.checkpoint.unlink(missing_ok=True)
    return RunResult(config, metrics, history, {}, wall, False)


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
