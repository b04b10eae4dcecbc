"""One-shot magnitude pruning followed by masked training.

At setup every planned weight is projected onto its cardinality set (Π_S: keep the l_n largest
magnitudes); training then keeps the pruned entries at zero: their gradients are masked after
backward and the weights re-masked after each step (Adam's moments and weight decay would otherwise
move them). With 0 epochs this is the one-shot magnitude baseline; started from a hard-pruned SLR or
ADMM model it is the masked retraining of the SLR paper (the projection then changes nothing).
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from prunebench.methods.base import EpochContext, Method, register
from prunebench.sparsity import hard_prune


@register("magnitude")
class MagnitudeMasked(Method):
    prunes = "weights"
    def __init__(self, options: Method.Options, plan: dict[str, float]):
        super().__init__(options, plan)
        self.masks: dict[str, torch.Tensor] = {}

    def setup(self, model: nn.Module, context: EpochContext) -> None:
        self.masks = hard_prune(model, self.plan)

    def after_backward(self, model: nn.Module) -> None:
        if self.masks:
            torch._foreach_mul_([p.grad for p in self.parameters(model)], list(self.masks.values()))

    @torch.no_grad()
    def after_step(self, model: nn.Module) -> None:
        if self.masks:
            torch._foreach_mul_(self.parameters(model), list(self.masks.values()))

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "masks": self.masks}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.masks = state["masks"]
