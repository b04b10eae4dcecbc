"""What ADMM and SLR share: the augmented-Lagrangian W-subproblem and the final hard prune.

Both train W on f(W) + Σ_n (ρ/2)·||W_n − Z_n + U_n||² with U = Λ/ρ (scaled multipliers); they differ
only in how Z and U are updated between epochs. The penalty's gradient ρ·(W − Z + U) is added to the
weights' gradients after backward instead of building the term into the autograd graph: the gradient
is identical and the per-step cost is one fused foreach op.

The reference code builds U from the live W, so autograd also differentiates through U: its penalty
gradient is ρ(W − Z + U)·(1 + Σ steps/ρ), where the steps are every multiplier step since the start (1 per
ADMM update, s per SLR step). `multiplier_autograd_leak` reproduces that; docs/methods/slr_admm.md says what
it does to the SLR-vs-ADMM comparison.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from prunebench.methods.base import EpochContext, Method
from prunebench.sparsity import PROJECTIONS, hard_prune, project


def norms(tensors: list[torch.Tensor]) -> torch.Tensor:
    """Per-layer Frobenius norms as one vector."""
    return torch.stack(torch._foreach_norm(tensors)) if tensors else torch.zeros(0)


class AugmentedLagrangian(Method):
    prunes = "weights"
    final = "hardprune"
    @dataclass(frozen=True)
    class Options:
        rho: float = 0.1
        interval_epochs: int = 1  # epochs of the W-subproblem between Z/multiplier updates
        projection: str = "topk"  # Π_S: exact top-k, or the reference code's "percentile" (prunebench.sparsity)
        multiplier_autograd_leak: bool = False  # the reference code's gradient through U (module docstring)

    def __init__(self, options: Any, plan: dict[str, float]):
        super().__init__(options, plan)
        if not options.rho > 0:
            raise ValueError(f"rho must be positive, got {options.rho}")
        if options.interval_epochs < 1:
            raise ValueError(f"interval_epochs must be >= 1, got {options.interval_epochs}")
        PROJECTIONS.get(options.projection)  # an unknown name fails here, not at the first update
        self.ratios = list(plan.values())
        self.Z: list[torch.Tensor] = []
        self.U: list[torch.Tensor] = []  # scaled multipliers Λ/ρ
        self.leak = [0.0] * len(plan)  # dU/dW per layer in the reference code's graph
        self._target: list[torch.Tensor] = []  # Z − U, what the penalty pulls W towards
        self._gradient_scales: list[float] = []  # ρ·(1 + leak) per layer

    # -- the W-subproblem -------------------------------------------------------------------------
    @torch.no_grad()
    def setup(self, model: nn.Module, context: EpochContext) -> None:
        weights = self.parameters(model)
        self.Z = self.project([w.detach() for w in weights])
        self.U = [torch.zeros_like(w) for w in weights]
        self._refresh_target()

    def after_backward(self, model: nn.Module) -> None:
        weights = self.parameters(model)
        with torch.no_grad():
            if self.options.multiplier_autograd_leak:
                torch._foreach_add_([w.grad for w in weights], self.penalty_gradient(weights))
            else:
                torch._foreach_add_([w.grad for w in weights], torch._foreach_sub(weights, self._target), alpha=self.options.rho)

    @torch.no_grad()
    def penalty_gradient(self, weights: list[torch.Tensor]) -> list[torch.Tensor]:
        """ρ(W − Z + U) per planned weight (times 1 + leak with `multiplier_autograd_leak`), for trainers other
        than ours (ultralytics) to add where they can."""
        return torch._foreach_mul(torch._foreach_sub(weights, self._target), self._gradient_scales)

    def add_leak(self, du_dw: torch.Tensor) -> None:
        """Record what an update adds to dU/dW in the reference code's graph (per layer, or one for all),
        for `multiplier_autograd_leak`."""
        self.leak = [x + d for x, d in zip(self.leak, du_dw.expand(len(self.leak)).tolist(), strict=True)]

    def _refresh_target(self) -> None:
        self._target = torch._foreach_sub(self.Z, self.U)
        leak = self.leak if self.options.multiplier_autograd_leak else [0.0] * len(self.leak)
        self._gradient_scales = [self.options.rho * (1.0 + x) for x in leak]

    def project(self, tensors: list[torch.Tensor]) -> list[torch.Tensor]:
        """Π_S layer by layer."""
        return [project(t, ratio, self.options.projection) for t, ratio in zip(tensors, self.ratios, strict=True)]

    def due(self, epoch: int) -> bool:
        return epoch % self.options.interval_epochs == 0

    # -- diagnostics shared by both methods --------------------------------------------------------
    def mass_outside_support(self, weights: list[torch.Tensor]) -> float:
        """||W − Π(W)|| / ||W||: how far W still is from the sparse set (claim SLR-C8's proxy)."""
        outside = norms(torch._foreach_sub(weights, self.project(weights))).norm()
        return float(outside / norms(weights).norm())

    @torch.no_grad()
    def finalize(self, model: nn.Module) -> dict[str, float]:
        weights = [w.detach() for w in self.parameters(model)]
        before = self.mass_outside_support(weights)
        hard_prune(model, self.plan, self.options.projection)
        return {"mass_outside_support_before_hardprune": before}

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "Z": self.Z, "U": self.U, "leak": self.leak}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.Z, self.U = state["Z"], state["U"]
        self.leak = list(state.get("leak", [0.0] * len(self.plan)))  # absent before the option
        self._refresh_target()
