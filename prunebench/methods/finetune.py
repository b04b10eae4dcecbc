"""Fine-tuning a pruned model: plain training that keeps pruned weights pruned.

Physically narrowed models (filter pruning) need nothing more than training. Unstructured pruning
leaves zeros in place; every conv/linear weight that is exactly zero when fine-tuning starts is held
at zero (the mask is re-applied after each step, as the GReg code does with `--wg weight`).
"""
from __future__ import annotations

from typing import Any

from torch import nn

from prunebench.methods.base import EpochContext, register
from prunebench.methods.magnitude import MagnitudeMasked


@register("finetune")
class FineTune(MagnitudeMasked):
    prunes = None  # retrains what its parent pruned
    final = "finetuned"

    def setup(self, model: nn.Module, context: EpochContext) -> None:
        weights = {
            f"{name}.weight": module.weight
            for name, module in model.named_modules()
            if isinstance(module, (nn.Conv2d, nn.Linear))
        }
        zeros = {name: w for name, w in weights.items() if not bool(w.all())}
        self.plan = {name: 1.0 - float(w.count_nonzero()) / w.numel() for name, w in zeros.items()}
        self.masks = {name: (w != 0).to(w.dtype) for name, w in zeros.items()}
        self._parameters = None

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "plan": self.plan}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.plan = state["plan"]
