"""Growing regularization, GReg-1 and GReg-2 (Wang et al., ICLR 2021, Algorithm 1; methods.md §4–5).

A penalty (λ_j/2)·‖w_j‖² per group j is added to the loss as its gradient λ_j·w_j, on top of the
optimizer's weight decay. Every K_u iterations (iteration 0 included):

* GReg-1: λ_j += δλ for the pruned groups S_p (chosen by the criterion at setup); kept groups hold
  `kept_lambda` (0 as in the official code; the literal reading of Algorithm 1 line 10 gives −wd).
* GReg-2: first a *picking* phase, λ_j += δλ_pick for every group, until λ exceeds τ'; then S_p is picked
  by the L1 norms of the current weights, λ_j += δλ for j ∈ S_p and λ_j = `recover_lambda` (assigned,
  paper: −wd) for the kept groups.

A layer is finished when its λ on S_p exceeds τ (or, official-code option, when the smoothed magnitude
ratio mean|kept| / mean|pruned| reaches `mag_ratio_limit`). When every layer is finished, λ is frozen
and training goes on for K_s iterations (stabilisation); then the method stops the run, and `finalize`
removes S_p. "Exceeds" compares with a relative tolerance of 1e-9, so accumulated rounding in k·δλ
cannot move a phase change by one update.

λ is held exactly, as update counts per layer, and the per-group λ is rebuilt from them when it
changes; everything (phase, counts, S_p, iteration) is in the checkpointed state.
"""
from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch
from torch import nn

from prunebench.methods.base import EpochContext, register
from prunebench.methods.group_pruning import GroupPruning
from prunebench.structured import PrunableLayer, SelectionInputs, overlap, select_pruned
from prunebench.structured.criteria import group_scores

PICK, GROW, STABILIZE = "pick", "grow", "stabilize"


def exceeds(value: float, ceiling: float) -> bool:
    return value > ceiling * (1 + 1e-9)


def group_means(weights: list[torch.Tensor], split: list[tuple[torch.Tensor, torch.Tensor]],
                granularity: str) -> list[tuple[float, float]]:
    """(mean|w| of kept groups, mean|w| of pruned groups) of each layer, group magnitude = mean |w| (official code),
    from each layer's (kept, pruned) group indices on its weight's device (sorted: the same elements in the same
    order as a boolean mask picks, so the same means), read to the host together: one synchronisation per λ update,
    not several per layer."""
    pairs = []
    for weight, (kept, pruned) in zip(weights, split, strict=True):
        magnitude = group_scores(weight, granularity) / (weight[0].numel() if granularity == "filter" else 1)
        pairs.append(torch.stack([magnitude.index_select(0, kept).mean(), magnitude.index_select(0, pruned).mean()]))
    return [(kept, pruned) for kept, pruned in torch.stack(pairs).tolist()] if pairs else []


@torch.no_grad()
def add_penalties(weights: list[torch.Tensor], lams: list[torch.Tensor]) -> None:
    """grad += λ·w for every layer, as one `_foreach` launch (a fixed cost a step, however deep the network)."""
    torch._foreach_addcmul_([weight.grad for weight in weights], lams, weights)


def normalized_std(weight: torch.Tensor, granularity: str) -> float:
    """std/mean of the groups' L1 norms (GReg Fig. 1, row 1)."""
    norms = group_scores(weight, granularity)
    return float(norms.std() / norms.mean())


@register("greg1")
class GReg1(GroupPruning):
    picking = False

    @dataclass(frozen=True)
    class Options(GroupPruning.Options):
        delta_lambda: float = 1e-4  # δλ on the pruned groups: Table 8's GReg-1 value; GReg-2's growth uses it as the code does
        ceiling: float = 1.0  # τ
        update_interval: int = 10  # K_u (CIFAR 10, ImageNet 5)
        stabilize_iterations: int = 5000  # K_s (paper: CIFAR 5k, ImageNet 40k; README CIFAR scripts 10k)
        kept_lambda: float = 0.0  # GReg-1 kept groups (code 0; Algorithm 1 read literally: −wd)
        mag_ratio_limit: float = 0.0  # official-code exit at mean|kept|/mean|pruned| >= limit (1000); 0 = paper
        log_every: int = 10  # λ updates between per-layer log rows
        snapshot_every: int = 0  # iterations between logged normalised filter-norm snapshots (Fig. 1/2); 0 = none
        snapshot_layers: str = ""  # regex (full match) of the layers a snapshot logs: the ones a figure draws; "" = all

        def __post_init__(self) -> None:
            super().__post_init__()
            if self.update_interval < 1 or self.stabilize_iterations < 0 or self.delta_lambda <= 0:
                raise ValueError("GReg needs update_interval >= 1, stabilize_iterations >= 0 and delta_lambda > 0")
            if self.mag_ratio_limit and self.granularity == "weight":
                raise ValueError("the magnitude-ratio exit is defined for filters (the official code disables it for weights)")
            try:
                re.compile(self.snapshot_layers)
            except re.error as error:
                raise ValueError(f"snapshot_layers {self.snapshot_layers!r} is not a regular expression: {error}") from None

    def __init__(self, options: Options, plan: dict[str, float]):
        super().__init__(options, plan)
        self.phase = GROW
        self.iteration = 0  # iterations completed
        self.pick_updates = 0  # GReg-2 picking-phase λ updates (all groups)
        self.grow_updates: dict[str, int] = {}  # per layer: λ updates on S_p after picking
        self.finished: dict[str, str] = {}  # layer -> exit that fired ("ceiling" | "mag_ratio")
        self.ema: dict[str, float] = {}
        self.pick_iteration = 0
        self.stabilize_start = 0
        self.initial_pruned: dict[str, torch.Tensor] = {}
        self._penalties: tuple[list[torch.Tensor], list[torch.Tensor]] | None = None  # (weights, λs) while λ is unchanged
        self._splits: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}  # group_split's, per pruned set

    # -- λ ------------------------------------------------------------------------------------------
    def lambda_pruned(self, name: str) -> float:
        return self.grow_updates.get(name, 0) * self.options.delta_lambda

    def lambda_kept(self) -> float:
        return self.options.kept_lambda

    def pruned_mask(self, layer: PrunableLayer) -> torch.Tensor:
        mask = torch.zeros(layer.groups, dtype=torch.bool)
        mask[self.pruned[layer.name]] = True
        return mask

    def group_split(self, layer: PrunableLayer, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """The layer's kept and pruned group indices on `device`, sorted; made once per pruned set (it changes only
        when GReg-2's picking ends)."""
        pruned = self.pruned[layer.name]
        cached = self._splits.get(layer.name)
        if cached is None or cached[0] is not pruned:
            mask = self.pruned_mask(layer)
            cached = (pruned, *(torch.arange(layer.groups)[m].to(device) for m in (~mask, mask)))
            self._splits[layer.name] = cached
        return cached[1], cached[2]

    def penalties(self, model: nn.Module) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """The weights of the layers in scope, and the λ of each one's groups shaped like it (`_foreach` ops take
        no broadcasting)."""
        modules = dict(model.named_modules())
        out = []
        for layer in self.layers:
            weight = modules[layer.name].weight
            shape = (-1,) + (1,) * (weight.dim() - 1) if self.options.granularity == "filter" else weight.shape
            if self.phase == PICK:
                lam = torch.full((layer.groups,), self.lambda_pruned(layer.name))
            else:
                lam = torch.where(self.pruned_mask(layer), self.lambda_pruned(layer.name), self.lambda_kept())
            out.append((weight, lam.to(weight.device, weight.dtype).reshape(shape).expand_as(weight).contiguous()))
        return [weight for weight, _ in out], [lam for _, lam in out]

    # -- hooks --------------------------------------------------------------------------------------
    def setup(self, model: nn.Module, context: EpochContext) -> None:
        super().setup(model, context)
        self.initial_pruned = dict(self.pruned)
        self.phase = PICK if self.picking else GROW
        self.grow_updates = {layer.name: 0 for layer in self.layers}

    def after_backward(self, model: nn.Module) -> None:
        if self.options.snapshot_every and self.iteration % self.options.snapshot_every == 0:
            self.snapshot(model)
        if self.phase != STABILIZE and self.iteration % self.interval() == 0:
            self.update(model)
        if self._penalties is None:
            self._penalties = self.penalties(model)
        add_penalties(*self._penalties)

    def after_step(self, model: nn.Module) -> None:
        self.iteration += 1

    def interval(self) -> int:
        """Iterations between λ updates in the current phase (K_u)."""
        return self.options.update_interval

    def should_stop(self) -> bool:
        return self.phase == STABILIZE and self.iteration >= self.stabilize_start + self.options.stabilize_iterations

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """One λ update (Algorithm 1 lines 6–11) and the exit checks."""
        if self.phase == PICK:
            self.update_picking(model)
        else:
            self.update_growing(model)
        self._penalties = None
        if self.phase == GROW and len(self.finished) == len(self.layers):
            self.phase = STABILIZE
            self.stabilize_start = self.iteration + 1

    def update_picking(self, model: nn.Module) -> None:
        raise NotImplementedError  # GReg-1 has no picking phase

    def update_growing(self, model: nn.Module) -> None:
        modules = dict(model.named_modules())
        options = self.options
        for layer in self.layers:
            if layer.name in self.finished:
                continue
            self.grow_updates[layer.name] += 1
            if exceeds(self.lambda_pruned(layer.name), options.ceiling):
                self.finished[layer.name] = "ceiling"
        ratios = {}
        means = group_means([modules[layer.name].weight for layer in self.layers],
                            [self.group_split(layer, modules[layer.name].weight.device) for layer in self.layers],
                            options.granularity)
        for layer, (kept, pruned) in zip(self.layers, means, strict=True):
            raw = kept / max(pruned, 1e-30)
            self.ema[layer.name] = raw if layer.name not in self.ema else 0.9 * self.ema[layer.name] + 0.1 * raw
            ratios[layer.name] = (kept, pruned, raw)
        if options.mag_ratio_limit:
            self.apply_mag_ratio_exit()
        if self.update_count % options.log_every == 0 or len(self.finished) == len(self.layers):
            for layer in self.layers:
                kept, pruned, raw = ratios[layer.name]
                self.log_row(model, layer.name, mean_kept=kept, mean_pruned=pruned, mag_ratio=raw,
                             mag_ratio_ema=self.ema[layer.name], exit=self.finished.get(layer.name, ""))

    def apply_mag_ratio_exit(self) -> None:
        """GReg-1 (official code): every layer stops when *all* have reached the limit together."""
        if all(self.ema[layer.name] >= self.options.mag_ratio_limit for layer in self.layers):
            for layer in self.layers:
                self.finished.setdefault(layer.name, "mag_ratio")

    @property
    def update_count(self) -> int:
        return self.pick_updates + max(self.grow_updates.values(), default=0)

    def log_row(self, model: nn.Module, name: str, **values: Any) -> None:
        weight = dict(model.named_modules())[name].weight
        self.log.append({
            "kind": "lambda_update", "iteration": self.iteration, "phase": self.phase, "layer": name,
            "lambda_pruned": self.lambda_pruned(name), "lambda_kept": self.lambda_kept() if self.phase != PICK else "",
            "normalized_std": normalized_std(weight, self.options.granularity), **values,
        })

    def on_epoch_end(self, model: nn.Module, context: EpochContext) -> dict[str, float]:
        lambdas = [self.lambda_pruned(layer.name) for layer in self.layers]
        return {"greg_lambda_pruned": max(lambdas, default=0.0), "greg_finished_layers": float(len(self.finished))}

    def snapshot(self, model: nn.Module) -> None:
        """Normalised filter L1 norms (divided by the layer's max), one row per filter (GReg Fig. 1/2)."""
        modules = dict(model.named_modules())
        pattern = re.compile(self.options.snapshot_layers or ".*")
        for layer in (layer for layer in self.layers if pattern.fullmatch(layer.name)):
            norms = group_scores(modules[layer.name].weight, self.options.granularity)
            for index, value in enumerate((norms / norms.max()).tolist()):
                self.log.append({"kind": "filter_norms", "iteration": self.iteration, "phase": self.phase,
                                 "layer": layer.name, "filter": index, "norm_over_max": value})

    def summary(self) -> dict[str, float]:
        exits = list(self.finished.values())
        return {
            **super().summary(),
            "reg_iterations": float(self.stabilize_start),
            "stabilize_iterations": float(self.iteration - self.stabilize_start) if self.phase == STABILIZE else 0.0,
            "lambda_pruned_final": max((self.lambda_pruned(layer.name) for layer in self.layers), default=0.0),
            "layers_exit_ceiling": float(exits.count("ceiling")),
            "layers_exit_mag_ratio": float(exits.count("mag_ratio")),
        }

    _STATE = ("phase", "iteration", "pick_updates", "grow_updates", "finished", "ema", "pick_iteration",
              "stabilize_start", "initial_pruned")

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), **{key: getattr(self, key) for key in self._STATE}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        for key in self._STATE:
            setattr(self, key, copy.deepcopy(state[key]))
        self._penalties = None


@register("greg2")
class GReg2(GReg1):
    """GReg-1 preceded by the picking phase: a uniformly growing penalty separates the groups by
    curvature, then the L1 norms of the *current* weights pick S_p (Sec. 3.3, Eq. 9)."""

    picking = True

    @dataclass(frozen=True)
    class Options(GReg1.Options):
        pick_delta_lambda: float = 1e-5  # δλ of the picking phase (Table 8)
        pick_ceiling: float = 0.01  # τ'
        # K_u of the picking phase; None: update_interval (the paper's one K_u). A reduced scale sets it to keep
        # the paper's δλ' and τ' within its iterations
        pick_update_interval: int | None = None
        recover_lambda: float | None = None  # λ of kept groups after picking: paper −wd, official code −1e-4

        def __post_init__(self) -> None:
            super().__post_init__()
            if self.recover_lambda is None:
                raise ValueError(
                    "greg2 needs recover_lambda: the paper's −weight decay (−5e-4 CIFAR, −1e-4 ImageNet), "
                    "or the official code's −1e-4"
                )
            if self.pick_update_interval is not None and self.pick_update_interval < 1:
                raise ValueError("greg2 needs pick_update_interval >= 1 (or None: update_interval)")
            if self.criterion != "l1":
                raise ValueError("greg2 picks its pruned groups by L1 norm after the picking phase; criterion must be 'l1'")

    def lambda_pruned(self, name: str) -> float:
        return self.pick_updates * self.options.pick_delta_lambda + super().lambda_pruned(name)

    def interval(self) -> int:
        picking = self.phase == PICK and self.options.pick_update_interval is not None
        return self.options.pick_update_interval if picking else super().interval()

    def lambda_kept(self) -> float:
        return self.options.recover_lambda

    def update_picking(self, model: nn.Module) -> None:
        """Algorithm 1 lines 7–10: once λ exceeds τ', pick S_p and, in the same update, start growing."""
        if exceeds(self.pick_updates * self.options.pick_delta_lambda, self.options.pick_ceiling):
            self.pruned = select_pruned(model, self.layers, "l1", SelectionInputs(self.options.granularity))
            self.pick_iteration = self.iteration
            self.phase = GROW
            self.update_growing(model)
            return
        self.pick_updates += 1
        if self.pick_updates % self.options.log_every == 0 or self.pick_updates == 1:
            for layer in self.layers:
                self.log_row(model, layer.name)

    def apply_mag_ratio_exit(self) -> None:
        """GReg-2 (official code): each layer stops on its own ratio."""
        for layer in self.layers:
            if self.ema[layer.name] >= self.options.mag_ratio_limit:
                self.finished.setdefault(layer.name, "mag_ratio")

    def summary(self) -> dict[str, float]:
        return {
            **super().summary(),
            "pick_iteration": float(self.pick_iteration),
            "overlap_with_initial_l1": overlap(self.initial_pruned, self.pruned),
            "pick_std_monotone_fraction": self.pick_std_monotone_fraction(),
        }

    def pick_std_monotone_fraction(self, threshold: float = 0.9) -> float:
        """Fraction of layers whose normalised filter-norm std rises with λ during picking (Spearman >
        `threshold`; claims.md GREG-C6). NaN when fewer than three picking updates were logged."""
        rows = pd.DataFrame([r for r in self.log if r.get("kind") == "lambda_update" and r["phase"] == PICK])
        if rows.empty or rows["lambda_pruned"].nunique() < 3:
            return math.nan
        rho = [g["lambda_pruned"].rank().corr(g["normalized_std"].rank()) for _, g in rows.groupby("layer")]
        return float(sum(r > threshold for r in rho) / len(rho))
