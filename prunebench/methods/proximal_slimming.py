"""Proximal network slimming (Bui et al., LOD 2023; methods.md §9): PALM on
F(W, γ, ξ) = L(W, γ) + λ‖ξ‖₁ + (β/2)‖γ − ξ‖², with ξ an auxiliary copy of the BN scaling factors.

Per minibatch, with α = 1/lr (so α grows ×10 whenever the lr drops ÷10):

    (W, γ) ← gradient step of L with step 1/α           (the optimizer step)
    γ ← (α·γ + β·ξ) / (α + β)                           (the γ-prox, using the stepped γ)
    ξ ← S_{λ/(α+β)}((α·ξ + β·γ) / (α + β))              (soft threshold, using the new γ)

S_t(z) = sign(z)·max(|z| − t, 0) makes ξ exactly zero, so pruning needs no threshold: the channels with
ξ = 0 go (the paper's intent, `prune_on = xi_zero`). The official code prunes on γ with its minimum as
the threshold (`gamma_min_threshold`), which always removes at least one channel; `gamma_zero` removes
exact zeros of γ. ξ is method state and is checkpointed (the official code re-draws it on resume).

The gradient step is the config's SGD: momentum 0.9 and weight decay on every parameter in the
official code; the theory's plain step is momentum 0, and `decay_gamma = False` keeps weight decay off γ.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from prunebench.config import OptimizerConfig
from prunebench.methods.base import EpochContext, register
from prunebench.methods.slimming import Factors, ScalingFactorPruning
from prunebench.optimizers import OPTIMIZERS
from prunebench.proximal import soft_threshold_all
from prunebench.registry import Registry
from prunebench.structured.channels import ChannelSet, scaling_factors, scaling_layers


def palm_scaling_step(gammas: list[torch.Tensor], xis: list[torch.Tensor], alpha: float, beta: float, lam: float) -> None:
    """The γ- and ξ-updates of one PALM iteration, in place, after the gradient step on γ: `_foreach` ops over all
    layers (a fixed number of kernel launches a step, however deep the network)."""
    keep, pull = alpha / (alpha + beta), beta / (alpha + beta)
    torch._foreach_mul_(gammas, keep)
    torch._foreach_add_(gammas, xis, alpha=pull)
    mixed = torch._foreach_add(torch._foreach_mul(xis, keep), gammas, alpha=pull)
    torch._foreach_copy_(xis, soft_threshold_all(mixed, lam / (alpha + beta)))


# which channels a pruning rule removes: (γ per layer, ξ per layer) -> pruned masks
PRUNE_RULES: Registry[Callable[[dict[str, torch.Tensor], dict[str, torch.Tensor]], ChannelSet]] = Registry("prune_on")
PRUNE_RULES.register("xi_zero")(lambda gammas, xis: {name: xi == 0 for name, xi in xis.items()})
PRUNE_RULES.register("gamma_zero")(lambda gammas, xis: {name: g == 0 for name, g in gammas.items()})


@PRUNE_RULES.register("gamma_min_threshold")
def gamma_min_threshold(gammas: dict[str, torch.Tensor], xis: dict[str, torch.Tensor]) -> ChannelSet:
    """The official prune scripts at --percent 0.0: keep |γ| > min over the network (strict)."""
    smallest = min(float(g.abs().min()) for g in gammas.values())
    return {name: g.abs() <= smallest for name, g in gammas.items()}


@register("proximal_slimming")
class ProximalSlimming(ScalingFactorPruning):
    @dataclass(frozen=True)
    class Options:
        sparsity: float = 1e-4  # λ (official `--s`; CIFAR-10: VGG 0.0045, DenseNet 0.004, ResNet-164 0.002)
        beta: float = 1.0  # β (official `--beta`; CIFAR-10: VGG 100, DenseNet 100, ResNet-164 0.25)
        prune_on: str = "xi_zero"  # xi_zero (paper) | gamma_zero | gamma_min_threshold (official code)
        decay_gamma: bool = True  # weight decay also acts on γ (official code); False: the theory's step
        xi_low: float = 0.47  # ξ ~ U(xi_low, xi_high) per channel at the start (official code)
        xi_high: float = 0.53

        def __post_init__(self) -> None:
            PRUNE_RULES.get(self.prune_on)
            if self.sparsity < 0 or self.beta <= 0:
                raise ValueError(f"need λ >= 0 and β > 0, got λ={self.sparsity}, β={self.beta}")
            if not self.xi_low <= self.xi_high:
                raise ValueError(f"xi_low {self.xi_low} must not exceed xi_high {self.xi_high}")

    def __init__(self, options: Options, plan: dict[str, float]):
        super().__init__(options, plan)
        self.xis: list[torch.Tensor] = []
        self.optimizer: torch.optim.Optimizer | None = None

    def build_optimizer(self, model: nn.Module, config: OptimizerConfig) -> torch.optim.Optimizer:
        """The gradient step of PALM is SGD with lr = 1/α; the γ group may go without weight decay."""
        if config.name != "sgd":
            raise ValueError(f"proximal slimming's gradient step is SGD (lr = 1/α), got optimizer {config.name!r}")
        gammas = {id(g) for g in scaling_factors(model, scaling_layers(model))}
        others = [p for p in model.parameters() if id(p) not in gammas]
        decay = config.weight_decay if self.options.decay_gamma else 0.0
        groups = [{"params": others}, {"params": [p for p in model.parameters() if id(p) in gammas], "weight_decay": decay}]
        self.optimizer = OPTIMIZERS.get("sgd")(groups, config)
        return self.optimizer

    @property
    def alpha(self) -> float:
        if self.optimizer is None:
            raise RuntimeError("proximal slimming reads α = 1/lr from the optimizer it builds; none was built")
        return 1.0 / self.optimizer.param_groups[0]["lr"]

    def setup(self, model: nn.Module, context: EpochContext) -> None:
        super().setup(model, context)
        low, high = self.options.xi_low, self.options.xi_high
        self.xis = [torch.empty_like(g.detach()).uniform_(low, high) for g in self.gamma_parameters(model)]

    def after_step(self, model: nn.Module) -> None:
        with torch.no_grad():
            gammas = [g.detach() for g in self.gamma_parameters(model)]
            palm_scaling_step(gammas, self.xis, self.alpha, self.options.beta, self.options.sparsity)

    def factors(self, model: nn.Module) -> Factors:
        return {**super().factors(model), "xi": {layer.bn: xi for layer, xi in zip(self.layers, self.xis, strict=True)}}

    def on_epoch_end(self, model: nn.Module, context: EpochContext) -> dict[str, float]:
        gammas = torch.cat([g.detach().flatten() for g in self.gamma_parameters(model)])
        xis = torch.cat([xi.flatten() for xi in self.xis])
        penalty = self.options.sparsity * float(xis.abs().sum()) + self.options.beta / 2 * float(((gammas - xis) ** 2).sum())
        return {**super().on_epoch_end(model, context), "alpha": self.alpha, "penalty": penalty}

    def pruned_channels(self, factors: Factors) -> ChannelSet:
        for rule in PRUNE_RULES:  # what every rule would remove (PNS-C5)
            count = sum(int(m.sum()) for m in PRUNE_RULES.get(rule)(factors["gamma"], factors["xi"]).values())
            self.outcome[f"channels_{rule}"] = float(count)
        return PRUNE_RULES.get(self.options.prune_on)(factors["gamma"], factors["xi"])

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "xis": self.xis}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.xis = state["xis"]
