"""Pruning whole groups (filters, or single weights) chosen by a criterion: the part L1 one-shot,
GReg-1/2, OBD and random share. The pruned set is fixed at setup (GReg-2 re-picks it later), and
`finalize` removes it: filters physically (the run's model becomes the narrow one), weights by zeroing.

One-shot pruning (Li et al. 2017) is this method with no training epochs: select, remove, and let a
child `finetune` run retrain. Because selection is deterministic given the parent weights (and the
seed for `random`), every arm started from the same parent prunes the same groups; the fingerprint
of the pruned set is recorded so tables can show it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from prunebench.methods.base import EpochContext, Method, register
from prunebench.structured import (
    CRITERIA,
    PrunableLayer,
    PrunedSet,
    SelectionInputs,
    fingerprint,
    remove_filters,
    resolve_layers,
    select_pruned,
    weight_masks,
)


@register("oneshot")
class GroupPruning(Method):
    prunes = "filters"
    final = "pruned"
    @dataclass(frozen=True)
    class Options:
        ratios: str = ""  # the paper's notation: "[0,0.5,0.5,0.5,0]" (ResNet stages) or "[1-15:0.7]" (VGG convs)
        skip_layers: str = ""  # residual blocks kept whole, "[1.0,2.3]" (ResNet-34 pruned-B)
        granularity: str = "filter"  # filter | weight
        criterion: str = "l1"  # l1 | obd | random
        criterion_seed: int = 0  # random criterion: one seed per run index, shared by both arms
        hessian_batches: int = 16  # OBD: minibatches in the empirical-Fisher diag(H) estimate

        def __post_init__(self) -> None:
            if not self.ratios:
                raise ValueError("a group-pruning method needs `ratios`, e.g. '[0,0.5,0.5,0.5,0]' or '[1-15:0.7]'")
            CRITERIA.get(self.criterion)

    def __init__(self, options: Options, plan: dict[str, float]):
        super().__init__(options, plan)
        self.layers: list[PrunableLayer] = []
        self.pruned: PrunedSet = {}
        self.input_shape: tuple[int, ...] = ()
        self.kept: dict[str, list[int]] | None = None

    def setup(self, model: nn.Module, context: EpochContext) -> None:
        options = self.options
        self.layers = resolve_layers(model, options.ratios, options.granularity, options.skip_layers)
        first = next(iter(context.training_batches(1)))[0] if context.training_batches else None
        self.input_shape = tuple(first.shape[1:]) if first is not None else ()
        inputs = SelectionInputs(
            options.granularity,
            options.criterion_seed,
            (lambda: context.training_batches(options.hessian_batches)) if context.training_batches else None,
        )
        self.pruned = select_pruned(model, self.layers, options.criterion, inputs)

    def finalize(self, model: nn.Module) -> dict[str, float]:
        if self.options.granularity == "filter":
            device = next(model.parameters()).device
            self.kept = remove_filters(model, self.pruned, torch.zeros((1, *self.input_shape), device=device))
            return {}
        modules = dict(model.named_modules())
        with torch.no_grad():
            for name, mask in weight_masks(model, self.pruned).items():
                modules[name].weight.mul_(mask)
        return {}

    def structure(self) -> dict[str, list[int]] | None:
        return self.kept

    def summary(self) -> dict[str, float]:
        return {
            "pruned_groups": float(sum(len(v) for v in self.pruned.values())),
            "pruned_layers": float(len(self.pruned)),
            # 48 bits of the pruned-set hash: equal values mean the arms pruned the same groups
            "pruned_set_id": float(int(fingerprint(self.pruned), 16)),
        }

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "layers": self.layers, "pruned": self.pruned, "input_shape": self.input_shape}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.layers, self.pruned, self.input_shape = state["layers"], state["pruned"], state["input_shape"]
