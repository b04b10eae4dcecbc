"""Iterative magnitude pruning with weight rewinding (the lottery-ticket procedure of Frankle & Carbin, 2019, with
the rewinding of Frankle et al., 2020): a method of none of the four papers, here so that a new method can be run
in their protocols.

The run's epoch budget E is cut into `rounds` + 1 segments of L = E // (rounds + 1) epochs. At the end of segments
1 … `rounds`, the planned weights are ranked by magnitude as one vector (global, across layers) and the smallest
are removed, so that after round i a fraction (1 − s)^(i / rounds) of them remains, s being the plan's overall
sparsity; the surviving weights are then rewound to their values at the end of epoch `rewind_epoch` of this run
(0: the weights it started from, e.g. a trained dense model). The remaining epochs train the final sparse network
from the rewind point. Only weights are rewound: the optimizer's state and the lr schedule run on (the lottery-ticket
code restarts both each round).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from prunebench.methods.base import EpochContext, register
from prunebench.methods.magnitude import MagnitudeMasked
from prunebench.sparsity import global_magnitude_plan, hard_prune


@register("imp")
class IterativeMagnitude(MagnitudeMasked):
    @dataclass(frozen=True)
    class Options:
        rounds: int = 3
        rewind_epoch: int = 0

    def __init__(self, options: Any, plan: dict[str, float]):
        if options.rounds < 1 or options.rewind_epoch < 0:
            raise ValueError(f"imp needs rounds >= 1 and rewind_epoch >= 0, got {options}")
        super().__init__(options, plan)
        self.target = plan  # the per-layer ratios the cell asks for; their weighted mean is the global sparsity
        self.segment = 0  # epochs per round, set at setup from the run's budget
        self.rounds_done = 0
        self.rewind: list[torch.Tensor] = []

    def sparsity(self, model: nn.Module) -> float:
        sizes = [p.numel() for p in self.parameters(model)]
        return sum(r * n for r, n in zip(self.target.values(), sizes, strict=True)) / sum(sizes)

    def setup(self, model: nn.Module, context: EpochContext) -> None:
        if not self.target:
            raise ValueError("imp needs a prune target: a prune set and ratio in the run's config")
        epochs = context.epochs or 0
        self.segment = epochs // (self.options.rounds + 1)
        if self.segment < 1 or self.options.rewind_epoch >= self.segment:
            raise ValueError(f"imp with {self.options.rounds} rounds needs at least {self.options.rounds + 1} epochs and "
                             f"rewind_epoch below the round length; got {epochs} epochs, rewind_epoch "
                             f"{self.options.rewind_epoch}")
        if self.options.rewind_epoch == 0:
            self.keep_rewind_point(model)

    @torch.no_grad()
    def keep_rewind_point(self, model: nn.Module) -> None:
        self.rewind = [p.detach().clone() for p in self.parameters(model)]

    @torch.no_grad()
    def on_epoch_end(self, model: nn.Module, context: EpochContext) -> dict[str, float]:
        if context.epoch == self.options.rewind_epoch:
            self.keep_rewind_point(model)
        if context.epoch % self.segment or self.rounds_done == self.options.rounds:
            return {}
        self.rounds_done += 1
        remaining = (1.0 - self.sparsity(model)) ** (self.rounds_done / self.options.rounds)
        self.plan = global_magnitude_plan(model, list(self.target), 1.0 - remaining)
        self.masks = hard_prune(model, self.plan)
        for param, start, mask in zip(self.parameters(model), self.rewind, self.masks.values(), strict=True):
            param.copy_(start * mask)
        row = {"round": float(self.rounds_done), "epoch": float(context.epoch), "imp_sparsity": 1.0 - remaining}
        self.log.append(row)
        return {"imp_sparsity": row["imp_sparsity"]}

    def summary(self) -> dict[str, float]:
        return {"imp_rounds": float(self.rounds_done)}

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "plan": self.plan, "segment": self.segment, "rounds_done": self.rounds_done,
                "rewind": self.rewind}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.plan, self.segment, self.rounds_done, self.rewind = (
            state["plan"], state["segment"], state["rounds_done"], state["rewind"])
