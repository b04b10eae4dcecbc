"""gRDA / directional pruning (Chao et al., NeurIPS 2020) as a method of the one trainer.

The algorithm *is* the optimizer (`prunebench.optimizers.GRDA`), so the method's work is `build_optimizer`;
it applies to every parameter with a gradient (biases, BN γ/β, the first conv and the classifier
included), as the paper and the official scripts do. There is no finalize step: the trained weights are
already sparse and are evaluated as they are (no hard prune, no retraining).

Per epoch it logs the threshold T_k, the lr and step count k of the last step, the exact-zero sparsity
under both counting rules (every parameter; conv/linear weights only), and how many entries came back
from zero or went to zero since the last log (methods.md §10.5).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch
from torch import nn

from prunebench.config import OptimizerConfig
from prunebench.methods.base import EpochContext, Method, register
from prunebench.optimizers.grda import CHOICES, GRDA
from prunebench.sparsity import PRUNE_SETS

THEORY_MU = (0.5, 1.0)  # the theorem's open interval for μ


def plain_optimizer_config(config: OptimizerConfig, expected_name: str, method: str) -> None:
    """gRDA and its SGD comparison have no momentum and no weight decay (methods.md §10.4 pitfall 3)."""
    if config.name != expected_name:
        raise ValueError(f"method {method!r} needs optimizer name {expected_name!r}, got {config.name!r}")
    if config.momentum or config.weight_decay or config.nesterov:
        raise ValueError(
            f"method {method!r} has no momentum and no weight decay; got momentum={config.momentum}, "
            f"weight_decay={config.weight_decay}, nesterov={config.nesterov}"
        )


def zero_masks(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach() == 0 for name, p in model.named_parameters()}


def sparsity_of(model: nn.Module, names: set[str] | None = None) -> float:
    """Fraction of exact zeros among the parameters `names` (all when None)."""
    total = zeros = 0
    for name, p in model.named_parameters():
        if names is None or name in names:
            total += p.numel()
            zeros += p.numel() - int(torch.count_nonzero(p))
    return zeros / max(total, 1)


def spearman(x: list[float], y: list[float]) -> float:
    """Rank correlation (GRDA-C3: sparsity grows with training time); NaN for < 2 points or a constant y."""
    if len(x) < 2:
        return float("nan")
    return float(pd.Series(x).rank().corr(pd.Series(y).rank()))


@register("grda")
class GRDAMethod(Method):
    prunes = "weights"
    @dataclass(frozen=True)
    class Options:
        c: float | None = None  # required: the official class's default c = 0 is plain SGD
        mu: float | None = None  # required
        threshold_form: str = "incremental"
        accumulator_init: str = "initial"
        counter: str = "tensor"

    def __init__(self, options: Any, plan: dict[str, float]):
        super().__init__(options, plan)
        if options.c is None or options.mu is None:
            raise ValueError("method 'grda' needs c and mu set explicitly (e.g. c=0.005, mu=0.55)")
        for name, allowed in CHOICES.items():
            if getattr(options, name) not in allowed:
                raise ValueError(f"grda option {name}={getattr(options, name)!r}; choose one of {allowed}")
        self.optimizer: GRDA | None = None
        self.zeros: dict[str, torch.Tensor] = {}

    def build_optimizer(self, model: nn.Module, config: OptimizerConfig) -> torch.optim.Optimizer:
        plain_optimizer_config(config, "grda", self.name)
        o = self.options
        self.optimizer = GRDA(list(model.parameters()), lr=config.lr, c=o.c, mu=o.mu, threshold_form=o.threshold_form,
                              accumulator_init=o.accumulator_init, counter=o.counter)
        return self.optimizer

    def setup(self, model: nn.Module, context: EpochContext) -> None:
        self.zeros = zero_masks(model)

    def on_epoch_end(self, model: nn.Module, context: EpochContext) -> dict[str, float]:
        now = zero_masks(model)
        revived = sum(int((self.zeros[n] & ~z).sum()) for n, z in now.items())
        pruned = sum(int((~self.zeros[n] & z).sum()) for n, z in now.items())
        self.zeros = now
        group = self.optimizer.param_groups[0] if self.optimizer else {}
        row = {
            "epoch": context.epoch,
            "threshold": self.optimizer.current_threshold() if self.optimizer else float("nan"),
            "lr": group.get("lr", float("nan")),
            "step": group.get("group_step", 0),
            "sparsity_all": sparsity_of(model),
            "sparsity_weights": sparsity_of(model, set(PRUNE_SETS.get("convs_and_linear")(model))),
            "revived": revived,
            "newly_zero": pruned,
        }
        self.log.append(row)
        return {k: row[k] for k in ("threshold", "sparsity_all")}

    def summary(self) -> dict[str, float]:
        last = self.log[-1] if self.log else {}
        return {
            "grda_c": self.options.c,
            "grda_mu": self.options.mu,
            "grda_mu_outside_theory": float(not THEORY_MU[0] < self.options.mu < THEORY_MU[1]),
            "grda_final_threshold": last.get("threshold", 0.0),
            "grda_steps": last.get("step", 0),
            "grda_revived_total": sum(row["revived"] for row in self.log),
            "grda_sparsity_epoch_spearman": spearman([row["epoch"] for row in self.log], [row["sparsity_all"] for row in self.log]),
        }

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "zeros": self.zeros}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.zeros = state["zeros"]
