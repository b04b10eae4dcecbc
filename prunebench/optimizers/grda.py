"""gRDA, generalized regularized dual averaging (Chao et al., NeurIPS 2020), methods.md §10.

Paper:  w_{n+1} = S_{g(n,γ)}( w_0 − γ Σ_{k=0}^{n} ∇f(w_k; Z_{k+1}) ),   g(n, γ) = c·γ^{1/2}·(n·γ)^μ,
with S_θ(v) = sign(v)·max(|v| − θ, 0). Per parameter tensor, as the authors' `grda_pytorch.py`:

    k ← k + 1;   a ← a − lr_k·grad;   T ← T + c·lr_k^{μ+1/2}·(k^μ − (k−1)^μ);   w ← S_T(a)

The incremental threshold is what handles lr schedules (the closed form assumes a constant γ); at a
constant lr it equals c·lr^{1/2}·(k·lr)^μ = g(k, lr). No momentum, no weight decay; zeroed weights keep
accumulating gradients and can come back. Differences from the official code are options (defaults:
the paper / the current official code where they agree) and are listed in docs/methods/grda.md:

- `threshold_form`: "incremental" (official code, PR #10) or "closed_form" (c·lr_k^{1/2}·(k·lr_k)^μ with the
  current lr; what older copies do under a schedule).
- `accumulator_init`: "initial" (a_0 = w_0, the paper and the current code) or "zero" (a_0 = 0: w_0 is
  forgotten; an ablation of that bug, not the legacy code, which drew a_0 ~ U(−0.1, 0.1)).
- `counter`: "tensor" (k and T per tensor, created at the tensor's first step: the official code) or
  "group" (one k and T per param group, advanced at every `step()`: a tensor first stepped late still
  gets the group's threshold). Identical whenever every tensor has a gradient at every step.
k counts gradients taken (the code's index; the paper's w_{n+1} uses g(n, γ) after n+1 gradients).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import torch

from prunebench.proximal import soft_threshold, soft_threshold_all

CHOICES = {
    "threshold_form": ("incremental", "closed_form"),
    "accumulator_init": ("initial", "zero"),
    "counter": ("tensor", "group"),
}


def threshold_increment(c: float, mu: float, lr: float, k: int) -> float:
    """T_k − T_{k−1} = c·lr^{μ+1/2}·(k^μ − (k−1)^μ), the official code's accumulation step."""
    return c * lr ** (mu + 0.5) * (k**mu - (k - 1) ** mu)


def closed_form_threshold(c: float, mu: float, lr: float, k: int) -> float:
    """g(k, lr) = c·lr^{1/2}·(k·lr)^μ."""
    return c * math.sqrt(lr) * (k * lr) ** mu


class GRDA(torch.optim.Optimizer):
    """`c` has no default: the official class defaults to c = 0, which silently gives plain SGD."""

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        *,
        lr: float,
        c: float,
        mu: float,
        threshold_form: str = "incremental",
        accumulator_init: str = "initial",
        counter: str = "tensor",
        foreach: bool | None = None,
    ):
        if not (lr > 0 and math.isfinite(lr)):
            raise ValueError(f"gRDA needs a positive learning rate, got {lr}")
        if not (c >= 0 and math.isfinite(c)):
            raise ValueError(f"gRDA needs c >= 0 (c = 0 is plain SGD), got {c}")
        if not (mu > 0 and math.isfinite(mu)):
            raise ValueError(f"gRDA needs mu > 0, got {mu}")
        for name, value in (("threshold_form", threshold_form), ("accumulator_init", accumulator_init), ("counter", counter)):
            if value not in CHOICES[name]:
                raise ValueError(f"gRDA option {name}={value!r}; choose one of {CHOICES[name]}")
        defaults = dict(lr=lr, c=c, mu=mu, threshold_form=threshold_form, accumulator_init=accumulator_init, counter=counter,
                        group_step=0, group_threshold=0.0)
        super().__init__(params, defaults)
        self.foreach = foreach

    @staticmethod
    def advance(group: dict[str, Any], holder: dict[str, Any], key_k: str, key_t: str) -> None:
        """One more gradient: k ← k + 1 and T_k, held in `holder` (a tensor's state or the group)."""
        k = holder[key_k] + 1
        lr, c, mu = group["lr"], group["c"], group["mu"]
        if group["threshold_form"] == "incremental":
            holder[key_t] += threshold_increment(c, mu, lr, k)
        else:
            holder[key_t] = closed_form_threshold(c, mu, lr, k)
        holder[key_k] = k

    @torch.no_grad()
    def step(self, closure=None):  # noqa: ANN001 (torch's signature)
        """One gRDA step of every parameter with a gradient: the scalar bookkeeping per tensor in Python, then the
        tensor work either as `torch._foreach_*` ops over the tensors that share a threshold (a few kernel launches a
        step instead of several per tensor: hundreds on a WRN-28-10) or one tensor at a time; the same arithmetic.
        `foreach` (None: when the parameters are on a GPU, as torch.optim decides) picks which."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            self.advance(group, group, "group_step", "group_threshold")
            by_threshold: dict[float, tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]] = {}
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["initial"] = p.detach().clone()
                    start = p if group["accumulator_init"] == "initial" else torch.zeros_like(p)
                    state["accumulator"] = start.detach().clone(memory_format=torch.preserve_format)
                    state["step"], state["threshold"] = 0, 0.0
                self.advance(group, state, "step", "threshold")
                t = state["threshold"] if group["counter"] == "tensor" else group["group_threshold"]
                weights, accumulators, grads = by_threshold.setdefault(t, ([], [], []))
                weights.append(p)
                accumulators.append(state["accumulator"])
                grads.append(p.grad)
            foreach = self.foreach if self.foreach is not None else all(
                p.device.type == "cuda" for p in group["params"])
            for t, (weights, accumulators, grads) in by_threshold.items():
                if foreach:
                    torch._foreach_add_(accumulators, grads, alpha=-group["lr"])
                    torch._foreach_copy_(weights, soft_threshold_all(accumulators, t))
                else:
                    for w, a, g in zip(weights, accumulators, grads, strict=True):
                        a.add_(g, alpha=-group["lr"])
                        w.copy_(soft_threshold(a, t))
        return loss

    def current_threshold(self, group_index: int = 0) -> float:
        """The threshold the last step of param group `group_index` applied (0 before any step)."""
        group = self.param_groups[group_index]
        if group["counter"] == "group":
            return group["group_threshold"]
        states = [self.state[p] for p in group["params"] if self.state.get(p)]
        return states[0]["threshold"] if states else 0.0
