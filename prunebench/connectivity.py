"""Mode connectivity (Garipov et al. 2018): a quadratic Bézier curve between two trained networks,

    φ_θ(t) = (1 − t)²·w_start + 2t(1 − t)·θ + t²·w_end,   t ∈ [0, 1],

with the endpoints fixed and the middle point θ trained to minimise E_{t ~ U(0,1)} L(φ_θ(t)): one t drawn
per minibatch, θ initialised at the midpoint of the segment (dnn-mode-connectivity's `init_linear`),
SGD with the lr schedule of its train.py. Every parameter follows the curve; BatchNorm running statistics
do not, so a network with BN gets them recomputed on the training data at each t before evaluation
(dnn-mode-connectivity's `update_bn`). The straight segment (1 − t)·w_start + t·w_end is evaluated the
same way, for the barrier it may show.

`curve_run` is the `bezier_curve` run kind (`prunebench.run_kinds`): its config's parent is the start (t = 0),
its partner the end (t = 1), its optimizer the middle point's SGD, `method_options["points"]` the number of t
evaluated; the result's `series` holds every point of the curve and the segment.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from prunebench.checkpoint import load_checkpoint, write_json_atomic
from prunebench.config import CheckBudget, Operational, OptimizerConfig, RunConfig
from prunebench.models import build_model
from prunebench.paths import RunPaths
from prunebench.runner import RunResult, finish, finish_diverged, load_splits, provenance
from prunebench.train import SCHEDULES, evaluate

Weights = dict[str, torch.Tensor]
EVALUATION_IMAGES = 10_000  # training images the loss along a path is measured on
CHECK_POINTS = 5  # values of t a check budget evaluates
COUNTS = ("params_nonbias_dense", "params_nonbias_nonzero", "compression_nonbias", "params_all_dense", "params_all_nonzero",
          "compression_all", "macs_dense", "macs_nonzero")  # copied from the start run: both counting rules' rows


def bezier_coefficients(t: float) -> tuple[float, float, float]:
    return (1.0 - t) ** 2, 2.0 * t * (1.0 - t), t**2


class BezierCurve(nn.Module):
    """The curve over `model`'s parameters; `model` only supplies the architecture and its buffers."""

    def __init__(self, model: nn.Module, start: Weights, end: Weights):
        super().__init__()
        self.model = model
        self.names = [name for name, _ in model.named_parameters()]
        missing = [n for n in self.names if n not in start or n not in end]
        if missing:
            raise ValueError(f"endpoint weights lack parameters of the model: {missing[:5]}")
        self.start = {n: start[n].detach().clone() for n in self.names}
        self.end = {n: end[n].detach().clone() for n in self.names}
        self.middle = nn.ParameterList(nn.Parameter((self.start[n] + self.end[n]) / 2) for n in self.names)

    def weights(self, t: float) -> Weights:
        a, b, c = bezier_coefficients(t)
        return {n: a * self.start[n] + b * m + c * self.end[n] for n, m in zip(self.names, self.middle, strict=True)}

    def line(self, t: float) -> Weights:
        return {n: (1.0 - t) * self.start[n] + t * self.end[n] for n in self.names}

    def forward(self, x: torch.Tensor, t: float) -> torch.Tensor:
        return functional_call(self.model, self.weights(t), (x,))


def fit_middle(curve: BezierCurve, train: Any, epochs: int, optimizer: OptimizerConfig, batch_size: int, seed: int,
               device: str = "cpu", budget: CheckBudget | None = None) -> list[float]:
    """Train θ for `epochs` epochs by SGD (`optimizer`'s lr, momentum and schedule); returns the mean training loss
    of each epoch. A check budget stops after its epochs and steps per epoch (the schedule still spans `epochs`)."""
    curve.to(device)
    curve.model.train()
    sgd = torch.optim.SGD(curve.middle.parameters(), lr=optimizer.lr, momentum=optimizer.momentum)
    scheduler = SCHEDULES.get(optimizer.schedule)(sgd, optimizer, epochs)
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs if budget is None else min(epochs, budget.epochs)):
        total, steps = 0.0, 0
        for x, y in train.batches(batch_size, generator):
            if budget is not None and steps >= budget.steps_per_epoch:
                break
            t = float(torch.rand((), generator=generator))
            loss = F.cross_entropy(curve(x.to(device), t), y.to(device))
            sgd.zero_grad()
            loss.backward()
            sgd.step()
            total, steps = total + float(loss.detach()), steps + 1
        scheduler.step()
        losses.append(total / max(steps, 1))
    return losses


@torch.no_grad()
def load_weights(model: nn.Module, weights: Weights, bn_data: Any | None = None) -> nn.Module:
    """Copy `weights` into `model`; with `bn_data`, recompute BN running statistics on it (cumulative mean)."""
    params = dict(model.named_parameters())
    for name, value in weights.items():
        params[name].copy_(value)
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if norms and bn_data is not None:
        saved = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None
        was_training = model.training
        model.train()
        device = next(model.parameters()).device  # the statistics are gathered where the model lives
        for x, _ in bn_data.batches(1000):
            model(x.to(device))
        model.train(was_training)
        for m, momentum in zip(norms, saved, strict=True):
            m.momentum = momentum
    return model


def evaluate_path(
    model: nn.Module, path: Callable[[float], Weights], ts: list[float], train: Any, test: Any, device: str = "cpu"
) -> list[dict[str, float]]:
    """Training loss and test error (%) of the network at each t of a path (curve or segment)."""
    rows = []
    for t in ts:
        with torch.no_grad():
            weights = {n: w.detach() for n, w in path(t).items()}
        load_weights(model, weights, bn_data=train)
        train_eval, test_eval = evaluate(model, train, device), evaluate(model, test, device)
        rows.append({"t": t, "train_loss": train_eval.loss, "test_error": 100.0 - test_eval.top1,
                     "train_error": 100.0 - train_eval.top1})
    return rows


def path_metrics(curve: list[dict[str, float]], line: list[dict[str, float]]) -> dict[str, float]:
    """The numbers the connectivity claim reads: the highest training loss along the curve, the segment and at
    the two ends, and the highest test errors."""
    return {
        "curve_max_train_loss": max(p["train_loss"] for p in curve), "line_max_train_loss": max(p["train_loss"] for p in line),
        "endpoint_max_train_loss": max(curve[0]["train_loss"], curve[-1]["train_loss"]),
        "train_loss_start": curve[0]["train_loss"], "train_loss_end": curve[-1]["train_loss"],
        "curve_max_test_error": max(p["test_error"] for p in curve), "line_max_test_error": max(p["test_error"] for p in line),
    }


def curve_run(config: RunConfig, ops: Operational, paths: RunPaths, inputs: tuple[RunResult, ...]) -> RunResult:
    """The `bezier_curve` run kind: fit the middle point between the parent's and the partner's final weights,
    evaluate curve and segment at `points` values of t. Its rows count parameters as its start (the parent) does.
    A curve with a diverged end is recorded as diverged. An interrupted fit starts again (minutes at most)."""
    if any(end.diverged for end in inputs):
        return finish_diverged(config, paths, [], "an end of the curve diverged: no minimum to connect", 0.0, ops)
    began = time.perf_counter()
    torch.manual_seed(config.seed)
    splits = load_splits(config, ops)
    info = splits.info
    model = build_model(config.model, in_channels=info.in_channels, num_classes=info.num_classes, width=config.width,
                        **config.model_options)
    start, end = (load_checkpoint(result.paths.weights) for result in inputs)  # parent (t = 0), partner (t = 1)
    model.load_state_dict(end)
    curve = BezierCurve(model, start, end)
    losses = fit_middle(curve, splits.train, config.epochs, config.optimizer, config.batch_size, config.seed, ops.device,
                        ops.budget)
    points = int(config.method_options["points"]) if ops.budget is None else CHECK_POINTS
    ts = [i / (points - 1) for i in range(points)]
    images = EVALUATION_IMAGES if ops.budget is None else ops.budget.eval_images
    evaluation = splits.train.fixed_subset(min(len(splits.train), images), seed=0)
    on_curve = evaluate_path(model, curve.weights, ts, evaluation, splits.test, ops.device)
    on_line = evaluate_path(model, curve.line, ts, evaluation, splits.test, ops.device)
    metrics = {**path_metrics(on_curve, on_line), **{k: inputs[0].metrics[k] for k in COUNTS}}
    history = [{"epoch": epoch, "train_loss": loss} for epoch, loss in enumerate(losses, 1)]
    series = [{"path": "curve", **p} for p in on_curve] + [{"path": "line", **p} for p in on_line]
    if ops.rank == 0:
        paths.dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(config.to_json(), paths.config)
    return finish(RunResult(config, metrics, history, {}, time.perf_counter() - began, False, provenance(ops), series),
                  paths, ops)
