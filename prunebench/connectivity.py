"""Mode connectivity (Garipov et al. 2018): a quadratic Bézier curve between two trained networks,

    φ_θ(t) = (1 − t)²·w_start + 2t(1 − t)·θ + t²·w_end,   t ∈ [0, 1],

with the endpoints fixed and the middle point θ trained to minimise E_{t ~ U(0,1)} L(φ_θ(t)): one t drawn
per minibatch, θ initialised at the midpoint of the segment (dnn-mode-connectivity's `init_linear`),
SGD with the lr schedule of its train.py. Every parameter follows the curve; BatchNorm running statistics
do not, so a network with BN gets them recomputed on the training data at each t before evaluation
(dnn-mode-connectivity's `update_bn`). The straight segment (1 − t)·w_start + t·w_end is evaluated the
same way, for the barrier it may show.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from prunebench.config import OptimizerConfig
from prunebench.train import SCHEDULES, evaluate

Weights = dict[str, torch.Tensor]


@dataclass(frozen=True)
class CurveConfig:
    """How the middle point is trained; with the two endpoint run ids it names the curve."""

    start_run: str
    end_run: str
    epochs: int
    lr: float = 0.1
    momentum: float = 0.0
    batch_size: int = 128
    schedule: str = "mode_connectivity"
    seed: int = 0

    @property
    def curve_id(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True)
        return f"bezier/{hashlib.sha256(blob.encode()).hexdigest()[:8]}"


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


def fit_middle(curve: BezierCurve, train: Any, config: CurveConfig, device: str = "cpu") -> list[float]:
    """Train θ for `config.epochs` epochs; returns the mean training loss of each epoch."""
    curve.to(device)
    curve.model.train()
    optimizer = torch.optim.SGD(curve.middle.parameters(), lr=config.lr, momentum=config.momentum)
    scheduler = SCHEDULES.get(config.schedule)(optimizer, OptimizerConfig("sgd", lr=config.lr), config.epochs)
    generator = torch.Generator().manual_seed(config.seed)
    losses = []
    for _ in range(config.epochs):
        total, steps = 0.0, 0
        for x, y in train.batches(config.batch_size, generator):
            t = float(torch.rand((), generator=generator))
            loss = F.cross_entropy(curve(x.to(device), t), y.to(device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
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
        for x, _ in bn_data.batches(1000):
            model(x)
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
