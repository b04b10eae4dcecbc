"""ADMM pruning (Zhang et al., ECCV 2018), the SLR paper's baseline.

Every `interval_epochs` epochs of the W-subproblem:  Z ← Π_S(W + U),  U ← U + W − Z.
Z starts at Π_S(W⁰) and U at 0, as in the SLR reference code's ADMM branch; ρ is fixed (the SLR
comparison's setting). With `multiplier_autograd_leak` and `projection="percentile"` the updates equal that
branch's (its gradient through U grows ×(1 + m) after m updates). See docs/methods/slr_admm.md for the differences from the official code.
"""
from __future__ import annotations

import torch
from torch import nn

from prunebench.methods.base import EpochContext, register
from prunebench.methods.lagrangian import AugmentedLagrangian, norms


@register("admm")
class ADMM(AugmentedLagrangian):
    @torch.no_grad()
    def on_epoch_end(self, model: nn.Module, context: EpochContext) -> dict[str, float]:
        if not self.due(context.epoch):
            return {}
        weights = [w.detach() for w in self.parameters(model)]
        z_new = self.project(torch._foreach_add(weights, self.U))
        residual = torch._foreach_sub(weights, z_new)
        row = {
            "epoch": context.epoch,
            "update": len(self.log) + 1,
            "primal_residual": float(norms(residual).norm()),  # ||W − Z^{k+1}||
            "dual_residual": float(norms(torch._foreach_sub(z_new, self.Z)).norm()),  # ||Z^{k+1} − Z^k||
            "mass_outside_support": self.mass_outside_support(weights),
        }
        torch._foreach_add_(self.U, residual)
        self.add_leak(torch.ones(1))  # U ← U + W − Z: dU/dW = 1 in the reference code's graph
        self.Z = z_new
        self._refresh_target()
        row["u_norm"] = float(norms(self.U).norm())
        self.log.append(row)
        return {"primal_residual": row["primal_residual"]}
