"""Network slimming (Liu et al., ICCV 2017; methods.md §8): an L1 penalty λ·Σ|γ| on every BN scaling
factor, applied as a subgradient step, then a global percentile threshold on |γ|, channel removal, and
fine-tuning (a child `finetune` run).

The three stages are three runs: sparsity training (`percent` 0: nothing is removed), pruning (no
epochs, `percent` p, parent = the trained run, so several percents share one training) and fine-tuning.

`ScalingFactorPruning` is what NS and proximal NS share: the scaling layers, the guarded removal, the
per-epoch |γ| statistics methods.md §8.6 asks for, and the per-channel record of the final factors
(the scaling-factor figure).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from prunebench.methods.base import EpochContext, Method, register
from prunebench.structured.channels import (
    ChannelSet,
    ScalingLayer,
    global_threshold,
    keep_one_per_layer,
    remove_channels,
    scaling_factors,
    scaling_layers,
)

SMALL = (1e-3, 1e-2)  # |γ| levels counted each epoch besides exact zeros


Factors = dict[str, dict[str, torch.Tensor]]  # kind ("gamma", "xi") -> BN name -> its values


def factor_counts(factors: Factors) -> dict[str, float]:
    """Per kind, over the whole network: exact zeros and small values, as counts and the zero fraction in %."""
    out = {}
    for kind, per_layer in factors.items():
        values = torch.cat([v.flatten() for v in per_layer.values()]).detach().abs()
        out.update({f"{kind}_zero": float((values == 0).sum()), f"{kind}_zero_pct": 100.0 * float((values == 0).float().mean())})
        out.update({f"{kind}_below_{level:g}": float((values < level).sum()) for level in SMALL})
    return out


class ScalingFactorPruning(Method):
    """Channel pruning decided by BN scaling factors; subclasses say which channels `pruned_channels`. Trained in one
    process (`data_parallel` False): the factors it sparsifies act on batch statistics, which data-parallel shards
    would compute per shard (these are CIFAR runs: `--launcher devices` runs several side by side instead)."""

    prunes = "scaling_factors"
    final = "pruned"
    data_parallel = False

    def __init__(self, options: Any, plan: dict[str, float]):
        super().__init__(options, plan)
        self.layers: list[ScalingLayer] = []
        self.input_shape: tuple[int, ...] = ()
        self.kept: dict[str, list[int]] | None = None
        self.outcome: dict[str, float] = {}
        self._gammas: tuple[int, list[nn.Parameter]] | None = None

    def setup(self, model: nn.Module, context: EpochContext) -> None:
        self.layers = scaling_layers(model)
        first = next(iter(context.training_batches(1)))[0] if context.training_batches else None
        self.input_shape = tuple(first.shape[1:]) if first is not None else ()

    def gamma_parameters(self, model: nn.Module) -> list[nn.Parameter]:
        """Every γ in layer order, looked up once per model (the update hooks run every step)."""
        if self._gammas is None or self._gammas[0] != id(model):
            self._gammas = (id(model), scaling_factors(model, self.layers))
        return self._gammas[1]

    def gammas(self, model: nn.Module) -> dict[str, torch.Tensor]:
        return {layer.bn: g.detach() for layer, g in zip(self.layers, self.gamma_parameters(model), strict=True)}

    def factors(self, model: nn.Module) -> Factors:
        """The factors to record per channel (NS: γ; proximal NS adds ξ)."""
        return {"gamma": self.gammas(model)}

    def pruned_channels(self, factors: Factors) -> ChannelSet:
        raise NotImplementedError

    def on_epoch_end(self, model: nn.Module, context: EpochContext) -> dict[str, float]:
        return factor_counts(self.factors(model))

    def finalize(self, model: nn.Module) -> dict[str, float]:
        factors = self.factors(model)
        self.outcome.update(factor_counts(factors))
        self.log += [
            {"layer": name, "channel": c, **{kind: float(factors[kind][name][c]) for kind in factors}}
            for name in factors["gamma"] for c in range(len(factors["gamma"][name]))
        ]
        pruned, fired = keep_one_per_layer(self.pruned_channels(factors), factors["gamma"])
        for name in fired:
            print(f"network slimming: every channel of {name} was below the threshold; kept its largest |γ|")
        total = sum(len(mask) for mask in pruned.values())
        self.outcome.update({
            "channels": float(total),
            "channels_pruned": float(sum(int(mask.sum()) for mask in pruned.values())),
            "layers_guarded": float(len(fired)),
        })
        if self.outcome["channels_pruned"]:
            device = next(model.parameters()).device
            self.kept = remove_channels(model, self.layers, pruned, torch.zeros((1, *self.input_shape), device=device))
        return {}

    def structure(self) -> dict[str, list[int]] | None:
        return self.kept

    def summary(self) -> dict[str, float]:
        return dict(self.outcome)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "layers": self.layers, "input_shape": self.input_shape}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.layers, self.input_shape = state["layers"], state["input_shape"]


@register("network_slimming")
class NetworkSlimming(ScalingFactorPruning):
    @dataclass(frozen=True)
    class Options:
        sparsity: float = 1e-4  # λ of the L1 term on every γ (official: VGG 1e-4, ResNet/DenseNet 1e-5)
        percent: float = 0.0  # fraction of all channels below the global threshold; 0: prune nothing

        def __post_init__(self) -> None:
            if self.sparsity < 0:
                raise ValueError(f"sparsity λ must be >= 0, got {self.sparsity}")
            if not 0.0 <= self.percent < 1.0:
                raise ValueError(f"percent must be in [0, 1), got {self.percent}")

    def after_backward(self, model: nn.Module) -> None:
        """grad γ += λ·sign(γ), sign(0) = 0: the subgradient of λ|γ| the official code uses."""
        if self.options.sparsity:
            gammas = self.gamma_parameters(model)
            torch._foreach_add_([g.grad for g in gammas], torch._foreach_sign([g.detach() for g in gammas]),
                                alpha=self.options.sparsity)

    def pruned_channels(self, factors: Factors) -> ChannelSet:
        gammas = factors["gamma"]
        if self.options.percent == 0.0:
            return {name: torch.zeros(len(g), dtype=torch.bool, device=g.device) for name, g in gammas.items()}
        threshold = global_threshold(torch.cat([g.abs().flatten() for g in gammas.values()]), self.options.percent)
        self.outcome["threshold"] = threshold
        return {name: g.abs() <= threshold for name, g in gammas.items()}
