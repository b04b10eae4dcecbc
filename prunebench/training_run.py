"""The `train` run kind: a method's training from its parent's weights, its finalize, and every number of the run.

build (model in the parent's shape, method, trainer) -> fit (the training loop; resumes from the checkpoint) ->
finalize and measure (the method's finalize, evaluation before and after it, sizes, MACs) -> persist (weights,
removed structure, the method's log) -> `runner.finish` (result.json, last).
"""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from prunebench.checkpoint import load_checkpoint, save_atomic, write_json_atomic, write_text_atomic
from prunebench.config import Operational, RunConfig
from prunebench.evidence import CHANCE_METRIC
from prunebench.methods import METHODS, Method
from prunebench.metric_names import after_finalize, named
from prunebench.models import build_model
from prunebench.paths import RunPaths
from prunebench.runner import RunResult, finish, finish_diverged, load_splits, provenance, rows_to_csv
from prunebench.sparsity import (
    SparsityPlan,
    count_parameters,
    layer_sparsity,
    multiply_accumulates,
    plan_parameters,
    uniform_plan,
)
from prunebench.structured import Structure, apply_structure
from prunebench.tasks import Evaluation
from prunebench.train import DivergedError, StateSnapshot, Trainer


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
    """The method's finalize (a hard prune, a removal, nothing) and every number of the run: accuracy after it,
    named by what it left (`Method.final`, prunebench.metric_names), and before it where it changed the model, the
    method's summary, sizes and MACs, and the training history's summary."""
    trainer, model, method = run.trainer, run.model, run.method
    before = trainer.test_evaluation()
    metrics: dict[str, float] = {
        "top1_start": history[0]["test_top1"], "epochs_trained": history[-1]["epoch"],
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
    top1, top1_before = named("top1", method.final)
    if top1_before:
        metrics[top1_before] = before.top1
    metrics.update({top1: final.top1, named("top5", method.final)[0]: final.top5,
                    named("test_loss", method.final)[0]: final.loss,
                    named("train_loss", method.final)[0]: trainer.fixed_subset_loss()})  # f(W) on the fixed subset
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


def final_evaluation(parent: RunResult | None, child: RunConfig) -> Evaluation | None:
    """The parent's final test evaluation: the child starts from exactly those weights, on the same test split,
    so its epoch-0 evaluation need not be computed again."""
    if parent is None or parent.diverged or parent.config.dataset != child.dataset or parent.config.method not in METHODS:
        return None
    m = parent.metrics
    keys = [after_finalize(quantity, parent.config.method) for quantity in ("top1", "top5", "test_loss")]
    return Evaluation(*(m[k] for k in keys)) if all(k in m for k in keys) else None


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
