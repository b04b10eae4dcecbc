"""The soft-threshold operator, prox of θ‖·‖₁ (gRDA's weights, proximal network slimming's ξ), on one tensor and on a
list of them as `torch._foreach_*` ops: a few kernel launches for all of a network's tensors instead of several per
tensor, with the same elementwise arithmetic (the same numbers)."""
from __future__ import annotations

import torch


def soft_threshold(values: torch.Tensor, threshold: float) -> torch.Tensor:
    """S_θ(v) = sign(v)·max(|v| − θ, 0)."""
    return values.sign() * (values.abs() - threshold).clamp_(min=0)


def soft_threshold_all(values: list[torch.Tensor], threshold: float) -> list[torch.Tensor]:
    """`soft_threshold` of each tensor, as `torch._foreach_*` ops."""
    magnitudes = torch._foreach_abs(values)
    torch._foreach_sub_(magnitudes, threshold)
    torch._foreach_clamp_min_(magnitudes, 0.0)
    torch._foreach_mul_(magnitudes, torch._foreach_sign(values))
    return magnitudes
