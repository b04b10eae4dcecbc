"""Surrogate Lagrangian Relaxation pruning (Gurevin et al., IJCAI 2021), Algorithm 1, eqs. (1)–(11).

One SLR iteration k runs after every `interval_epochs` epochs of SGD on the W-subproblem (2):

  (3)  L(W^k, Z^{k-1}, Λ^k) < L(W^{k-1}, Z^{k-1}, Λ^k) ?   then  (5) s' = α_k s^{k-1} ||W^{k-1}−Z^{k-1}|| / ||W^k−Z^{k-1}||
                                                               (4) Λ ← Λ + s'(W^k − Z^{k-1})
  (7)  Z^k = Π_S(W^k + Λ/ρ)
  (8)  L(W^k, Z^k, Λ) < L(W^k, Z^{k-1}, Λ) ?              then (10) s = α_k s' ||W^{k-1}−Z^{k-1}|| / ||W^k−Z^k||
                                                               (9) Λ ← Λ + s(W^k − Z^k)
  (11) α_k = 1 − 1 / (M · k^(1 − 1/k^r))

with L(W, Z, Λ) = f(W) + Σ_n tr(Λ_nᵀ(W_n − Z_n)) + (ρ/2)||W_n − Z_n||² (g_n = 0 on S).

Reading of the paper used here (written down in docs/methods/slr_admm.md):
- k counts completed iterations. Footnote 1 says that when (8) fails the subproblems are solved
  again from the latest W and Z, so k, W^{k-1} and f(W^{k-1}) advance only when (8) holds; Z is
  always replaced by (7) ("keep Z^k" in both branches of Algorithm 1).
- f in (3) is the cross-entropy on a fixed training subset, so both sides are measured on the same
  data; f(W^{k-1}) is cached when W^{k-1} is stored. In (8) f cancels.
- Step sizes are per layer n, as eqs. (5) and (10) are written.
The official code's deviations (methods.md §2.5, docs/methods/slr_admm.md) are options, all defaulting to
the paper; the preset OFFICIAL_CODE collects them, and with it the updates equal the code's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from prunebench.methods.base import EpochContext, register
from prunebench.methods.lagrangian import AugmentedLagrangian, norms

CHOICES = {
    "step_size_scope": ("per_layer", "global"),
    "condition_loss": ("fixed_subset_eval", "epoch_mean_ce"),
    "k_counting": ("per_iteration", "per_condition"),
    "previous_iterate": ("paper", "official"),
}

OFFICIAL_CODE = {
    "step_size_scope": "global",  # one scalar s, ratios of sums of per-layer norms
    "condition_loss": "epoch_mean_ce",  # this epoch's mean CE vs the previous epoch's (0 before it), in (3) and (8)
    "previous_iterate": "official",  # the code's W_prev / Z_prev bookkeeping (see SLR.Options)
    "k_counting": "per_condition",  # k advances after each taken condition: (10) uses α_{k+1}
    "take_while_k_is_1": True,  # `or k == 1`, tested after (3) raised k: only the first (3) is forced
    "projection": "percentile",  # numpy's interpolated percentile, ties at the threshold kept
    "multiplier_autograd_leak": True,  # U = Λ/ρ built from the live W: gradient ρ(W − Z + U)(1 + Σs/ρ)
}


def alpha(k: int, M: float, r: float) -> float:
    """Eq. (11): α_k = 1 − 1 / (M · k^(1 − 1/k^r))."""
    return 1.0 - 1.0 / (M * k ** (1.0 - 1.0 / k**r))


@dataclass
class ConditionStep:
    """One half of an SLR iteration: the condition's two sides, whether it held and was taken, the step size after
    it, the norms the next step's ratio divides, and the direction it stepped along (W − Z)."""

    alpha: float
    held: bool
    taken: bool
    lhs: float
    rhs: float
    step: torch.Tensor
    numerator: torch.Tensor  # (3): ||W^{k-1} − Z^{k-1}||; (8): ||W^k − Z^k||
    direction: list[torch.Tensor]
    z_change: float = 0.0


@register("slr")
class SLR(AugmentedLagrangian):
    @dataclass(frozen=True)
    class Options(AugmentedLagrangian.Options):
        M: float = 300.0
        r: float = 0.1
        s0: float = 1e-2
        step_size_scope: str = "per_layer"
        condition_loss: str = "fixed_subset_eval"
        k_counting: str = "per_iteration"
        # "paper": W^{k-1}, Z^{k-1} (for the step ratio), f(W^{k-1}) start at W^0, Z^0, f(W^0) and are replaced
        # when (8) holds; (3) and (8) compare against the current Z.
        # "official": the code's W_prev / Z_prev start at 0 (and the previous CE at 0); after every taken
        # multiplier step W_prev becomes the live W (it follows W from then on) and Z_prev the Z of that moment
        # (the current Z after (4), the new Z after (9)); (3), (8) and both steps use Z_prev.
        previous_iterate: str = "paper"
        take_while_k_is_1: bool = False  # a condition tested while k == 1 is taken whatever its outcome

    def __init__(self, options: Any, plan: dict[str, float]):
        super().__init__(options, plan)
        for name, allowed in CHOICES.items():
            if getattr(options, name) not in allowed:
                raise ValueError(f"slr option {name}={getattr(options, name)!r}; choose one of {allowed}")
        if not (options.M > 1 and 0 < options.r < 1 and options.s0 > 0):
            raise ValueError(f"SLR needs M > 1, 0 < r < 1, s0 > 0; got M={options.M}, r={options.r}, s0={options.s0}")
        self.k = 1
        self.s = torch.zeros(0)
        self.w_prev: list[torch.Tensor] = []  # W^{k-1}
        self.z_prev: list[torch.Tensor] = []  # Z^{k-1}
        self.w_prev_is_live = False  # "official": W_prev is the live W once a step was taken
        self.f_prev = float("nan")

    @property
    def official(self) -> bool:
        return self.options.previous_iterate == "official"

    @torch.no_grad()
    def setup(self, model: nn.Module, context: EpochContext) -> None:
        super().setup(model, context)  # Z^0 = Π_S(W^0), Λ^0 = 0
        weights = [w.detach() for w in self.parameters(model)]
        layers = len(weights) if self.options.step_size_scope == "per_layer" else 1
        # float64 like the code's Python float s (a float32 s0 is already 2e-8 off); on the weights' device
        self.s = torch.full((layers,), self.options.s0, dtype=torch.float64, device=weights[0].device)
        if self.official:
            self.w_prev = [torch.zeros_like(w) for w in weights]
            self.z_prev = [torch.zeros_like(w) for w in weights]
            self.f_prev = 0.0
        else:
            self.w_prev = [w.clone() for w in weights]
            self.z_prev = self.Z
            if self.options.condition_loss == "fixed_subset_eval":
                self.f_prev = context.fixed_subset_loss()  # f(W^0), the right side of the first (3)

    # -- the pieces of one iteration -----------------------------------------------------------------
    def lagrangian_terms(self, diff: list[torch.Tensor]) -> float:
        """Σ_n tr(Λ_nᵀ(W_n − Z_n)) + (ρ/2)||W_n − Z_n||² for diff = W − Z, the part of (1) besides f and g,
        with the multipliers as they are now."""
        rho = self.options.rho
        lam_dot = sum(float((u * d).sum()) for u, d in zip(self.U, diff, strict=True)) * rho
        return lam_dot + rho / 2 * float(norms(diff).pow(2).sum())

    def step_ratio(self, numerator: torch.Tensor, denominator: torch.Tensor) -> torch.Tensor:
        """||W^{k-1} − Z^{k-1}|| / ||W^k − Z||, per layer or as a ratio of sums (global scope).

        Where a norm is zero the ratio is undefined; that layer's step size is then left unchanged
        (the code does the same for its global sums) and α is not applied there either.
        """
        if self.options.step_size_scope == "global":
            numerator, denominator = numerator.sum().view(1), denominator.sum().view(1)
        return torch.where((numerator > 0) & (denominator > 0), numerator / denominator, torch.nan)

    def scaled_step(self, a: float, step: torch.Tensor, ratio: torch.Tensor) -> torch.Tensor:
        return torch.where(torch.isnan(ratio), step, a * step * ratio)

    def add_multiplier_step(self, step: torch.Tensor, direction: list[torch.Tensor]) -> None:
        """Λ ← Λ + s·direction, held as U = Λ/ρ."""
        per_layer = step.expand(len(direction)) / self.options.rho
        torch._foreach_add_(self.U, torch._foreach_mul(direction, list(per_layer.unbind())))
        self.add_leak(per_layer)  # the code's Λ = s(W − Z) + Λ, with W the live parameter

    def taken(self, outcome: bool) -> bool:
        return outcome or (self.options.take_while_k_is_1 and self.k == 1)

    def previous(self, weights: list[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """(W^{k-1}, the Z that (3), (8) and the multiplier steps measure against)."""
        w_prev = weights if self.w_prev_is_live else self.w_prev
        return w_prev, (self.z_prev if self.official else self.Z)

    # -- Algorithm 1 ---------------------------------------------------------------------------------
    @torch.no_grad()
    def on_epoch_end(self, model: nn.Module, context: EpochContext) -> dict[str, float]:
        if not self.due(context.epoch):
            return {}
        weights = [w.detach().clone() for w in self.parameters(model)]
        loss = context.fixed_subset_loss() if self.options.condition_loss == "fixed_subset_eval" else context.mean_train_loss
        u_before = [u.clone() for u in self.U]
        first = self.multiplier_update(weights, loss)
        second = self.z_update(weights, loss, first)
        row = self.log_row(context.epoch, loss, weights, u_before, first, second)
        self.log.append(row)
        return {key: row[key] for key in ("cond3", "cond8", "s", "residual_w_minus_z")}

    def multiplier_update(self, weights: list[torch.Tensor], f_now: float) -> ConditionStep:
        """Condition (3) on W^k against Z^{k-1}, and where it is taken the multiplier step (4)-(5)."""
        a = alpha(self.k, self.options.M, self.options.r)
        w_prev, z_old = self.previous(weights)
        diff_old_z = torch._foreach_sub(weights, z_old)  # W^k − Z^{k-1}
        lhs = f_now + self.lagrangian_terms(diff_old_z)
        rhs = self.f_prev + self.lagrangian_terms(torch._foreach_sub(w_prev, z_old))
        held = lhs < rhs
        taken = self.taken(held)
        numerator = norms(torch._foreach_sub(w_prev, self.z_prev))  # ||W^{k-1} − Z^{k-1}||
        step = self.s
        if taken:
            step = self.scaled_step(a, self.s, self.step_ratio(numerator, norms(diff_old_z)))
            self.add_multiplier_step(step, diff_old_z)
            if self.options.k_counting == "per_condition":
                self.k += 1
            if self.official:
                self.w_prev_is_live, self.z_prev = True, self.Z
                w_prev, z_old = self.previous(weights)
                diff_old_z = torch._foreach_sub(weights, z_old)
                numerator = norms(torch._foreach_sub(w_prev, z_old))
        return ConditionStep(a, held, taken, lhs, rhs, step, numerator, diff_old_z)

    def z_update(self, weights: list[torch.Tensor], f_now: float, first: ConditionStep) -> ConditionStep:
        """The Z-subproblem (7), condition (8), and where it is taken the multiplier step (9)-(10)."""
        opt = self.options
        z_new = self.project(torch._foreach_add(weights, self.U))
        f_rhs = self.f_prev if opt.condition_loss == "epoch_mean_ce" else f_now  # f cancels in the paper
        diff_new_z = torch._foreach_sub(weights, z_new)  # W^k − Z^k
        lhs = f_now + self.lagrangian_terms(diff_new_z)
        rhs = f_rhs + self.lagrangian_terms(first.direction)  # with Λ after (4)
        held = lhs < rhs
        taken = self.taken(held)
        residual = norms(diff_new_z)
        a = alpha(self.k, opt.M, opt.r)
        step = first.step
        if taken:
            step = self.scaled_step(a, first.step, self.step_ratio(first.numerator, residual))
            self.add_multiplier_step(step, diff_new_z)
            self.k += 1
            self.w_prev, self.z_prev = weights, z_new
            self.w_prev_is_live = self.official
        if taken or opt.condition_loss == "epoch_mean_ce":
            self.f_prev = f_now  # the code compares consecutive epochs whatever happened
        z_change = float(norms(torch._foreach_sub(z_new, self.Z)).norm())
        self.Z, self.s = z_new, step
        self._refresh_target()
        return ConditionStep(a, held, taken, lhs, rhs, step, residual, diff_new_z, z_change)

    def log_row(self, epoch: int, f_now: float, weights: list[torch.Tensor], u_before: list[torch.Tensor],
                first: ConditionStep, second: ConditionStep) -> dict[str, Any]:
        """One update's row of the method log (Figure 6 and the claims read it)."""
        rho = self.options.rho
        return {
            "epoch": epoch,
            "update": len(self.log) + 1,
            "k": self.k,
            "alpha": first.alpha,
            "alpha_second": second.alpha,
            "cond3": int(first.taken),  # taken (held, or forced by take_while_k_is_1)
            "cond8": int(second.taken),
            "cond3_held": int(first.held),  # the raw test, as the reference code records it
            "cond8_held": int(second.held),
            "lhs3": first.lhs,
            "rhs3": first.rhs,
            "lhs8": second.lhs,
            "rhs8": second.rhs,
            "f": f_now,
            "s_prime": float(first.step.mean()),
            "s": float(second.step.mean()),
            "s_min": float(second.step.min()),
            "s_max": float(second.step.max()),
            "residual_w_minus_z": float(second.numerator.norm()),  # ||W^k − Z^k|| (Figure 6 needs it)
            "z_change": second.z_change,
            "lambda_norm": float(norms(self.U).norm()) * rho,
            "lambda_change": float(norms(torch._foreach_sub(self.U, u_before)).norm()) * rho,
            "mass_outside_support": self.mass_outside_support(weights),
        }

    def summary(self) -> dict[str, float]:
        if not self.log:
            return {}
        cond3 = [row["cond3_held"] for row in self.log]  # the tests as made, not as forced by take_while_k_is_1
        longest = run = 0
        for held in cond3:
            run = 0 if held else run + 1
            longest = max(longest, run)
        return {
            "slr_updates": len(self.log),
            "slr_cond3_held_fraction": sum(cond3) / len(cond3),
            "slr_cond8_held_fraction": sum(row["cond8_held"] for row in self.log) / len(self.log),
            "slr_longest_cond3_violation_run": longest,
            "slr_final_step_size": self.log[-1]["s"],
        }

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "k": self.k,
            "s": self.s,
            "w_prev": self.w_prev,
            "z_prev": self.z_prev,
            "w_prev_is_live": self.w_prev_is_live,
            "f_prev": self.f_prev,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.k, self.s, self.w_prev, self.z_prev = state["k"], state["s"], state["w_prev"], state["z_prev"]
        self.w_prev_is_live, self.f_prev = state["w_prev_is_live"], state["f_prev"]
