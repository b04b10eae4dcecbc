"""Global magnitude pruning at a given sparsity, then optional masked retraining (methods.md §11).

The comparison for gRDA: the plain-SGD solution is pruned to the sparsity a gRDA run reached, ranking
the magnitudes of every parameter in `scope` as one vector (the same set gRDA counts, by default), and
evaluated with 0 epochs (no retraining) or after masked retraining. The per-tensor ratios this ranking
implies become the method's plan, so the masking is `MagnitudeMasked`'s. A global ranking can empty a
whole small tensor (a BN β, a bias); the count of such tensors is recorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import nn

from prunebench.methods.base import EpochContext, register
from prunebench.methods.magnitude import MagnitudeMasked
from prunebench.sparsity import PRUNE_SETS, global_magnitude_plan, validate_ratio


@register("magnitude_global")
class GlobalMagnitude(MagnitudeMasked):
    @dataclass(frozen=True)
    class Options:
        sparsity: float = 0.0  # fraction of the `scope` entries set to zero
        scope: str = "all_parameters"  # a prune set: all_parameters | convs_and_linear | ...

    def __init__(self, options: Any, plan: dict[str, float]):
        validate_ratio(options.sparsity)
        PRUNE_SETS.get(options.scope)
        super().__init__(options, plan)

    def setup(self, model: nn.Module, context: EpochContext) -> None:
        names = PRUNE_SETS.get(self.options.scope)(model)
        self.plan = global_magnitude_plan(model, names, self.options.sparsity)
        super().setup(model, context)

    def summary(self) -> dict[str, float]:
        return {"magnitude_empty_tensors": float(sum(ratio == 1.0 for ratio in self.plan.values()))}

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "plan": self.plan}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.plan = state["plan"]
