"""Unstructured sparsity: which weights may be pruned, the cardinality projection Π_S, hard pruning
with masks, and the params / FLOPs accounting every result row carries.

Per-layer targets are a `SparsityPlan`: parameter name -> fraction of its entries to zero. Π_S keeps
exactly l_n = numel - round(ratio * numel) entries of largest magnitude (exact top-k). The SLR reference
code's interpolated percentile, which keeps every entry tied at or above the threshold and so can miss
l_n by a few entries, is the projection "percentile" (an option of ADMM and SLR).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch
from torch import nn

from prunebench.registry import Registry

SparsityPlan = dict[str, float]

PRUNE_SETS: Registry[Callable[[nn.Module], list[str]]] = Registry("prune set")


def _conv_weight_names(model: nn.Module) -> list[str]:
    return [f"{name}.weight" for name, module in model.named_modules() if isinstance(module, nn.Conv2d)]


@PRUNE_SETS.register("residual_branch_convs")
def residual_branch_convs(model: nn.Module) -> list[str]:
    """Convs inside residual blocks (`layerN.*`), not the stem and not the shortcut/downsample convs.

    For the CIFAR ResNet-18 these are the 16 residual 3x3 convs of the SLR reference code's YAML.
    """
    return [
        name
        for name in _conv_weight_names(model)
        if name.startswith("layer") and "shortcut" not in name and "downsample" not in name
    ]


@PRUNE_SETS.register("convs_except_stem")
def convs_except_stem(model: nn.Module) -> list[str]:
    """Every conv but the first (VGG, MobileNetV2): the input conv is tiny and kept dense."""
    return _conv_weight_names(model)[1:]


@PRUNE_SETS.register("convs_and_linear")
def convs_and_linear(model: nn.Module) -> list[str]:
    """Every conv and linear weight (Zhang et al.'s ADMM setting)."""
    return [
        f"{name}.weight"
        for name, module in model.named_modules()
        if isinstance(module, (nn.Conv2d, nn.Linear))
    ]


@PRUNE_SETS.register("all_parameters")
def all_parameters(model: nn.Module) -> list[str]:
    """Every parameter, biases and BN γ/β included (gRDA's scope and counting rule)."""
    return [name for name, _ in model.named_parameters()]


def validate_ratio(ratio: float) -> float:
    if not (isinstance(ratio, (int, float)) and 0.0 <= ratio < 1.0 and math.isfinite(ratio)):
        raise ValueError(f"sparsity ratio must be in [0, 1), got {ratio!r}")
    return float(ratio)


def uniform_plan(model: nn.Module, rule: str, ratio: float) -> SparsityPlan:
    """The same ratio on every weight of the prune set `rule`."""
    ratio = validate_ratio(ratio)
    names = PRUNE_SETS.get(rule)(model)
    if not names:
        raise ValueError(f"prune set {rule!r} selects no weight of {type(model).__name__}")
    return {name: ratio for name in names}


def keep_count(numel: int, ratio: float) -> int:
    """l_n: how many entries survive pruning `ratio` of `numel`."""
    return numel - int(round(ratio * numel))


def topk_mask(tensor: torch.Tensor, keep: int) -> torch.Tensor:
    """0/1 mask of the `keep` largest-magnitude entries (among equal magnitudes at the cut, which ones
    survive is whatever torch.topk returns; the count is always exactly `keep`)."""
    flat = tensor.detach().abs().flatten()
    mask = torch.zeros_like(flat)
    if keep > 0:
        mask[torch.topk(flat, keep, sorted=False).indices] = 1.0
    return mask.view_as(tensor)


def percentile_mask(tensor: torch.Tensor, ratio: float) -> torch.Tensor:
    """0/1 mask of the entries whose magnitude is at least the `ratio` quantile of the magnitudes, with
    numpy's default linear interpolation: the SLR reference code's projection (it zeroes |w| < q and keeps
    every entry tied at q)."""
    flat = tensor.detach().abs().flatten()
    ordered = flat.sort().values
    position = ratio * (flat.numel() - 1)
    below = math.floor(position)
    above = min(below + 1, flat.numel() - 1)
    threshold = ordered[below] + (ordered[above] - ordered[below]) * (position - below)
    return (flat >= threshold).to(tensor.dtype).view_as(tensor)


PROJECTIONS: Registry[Callable[[torch.Tensor, float], torch.Tensor]] = Registry("projection")
PROJECTIONS.register("topk")(lambda tensor, ratio: topk_mask(tensor, keep_count(tensor.numel(), ratio)))
PROJECTIONS.register("percentile")(percentile_mask)


def project(tensor: torch.Tensor, ratio: float, projection: str = "topk") -> torch.Tensor:
    """Π_S: Euclidean projection onto {X : card(X) <= l}, i.e. keep the l largest magnitudes ("topk"), or
    the reference code's approximation of it ("percentile")."""
    return tensor * PROJECTIONS.get(projection)(tensor, ratio)


def plan_parameters(model: nn.Module, plan: SparsityPlan) -> list[nn.Parameter]:
    params = dict(model.named_parameters())
    missing = [name for name in plan if name not in params]
    if missing:
        raise ValueError(f"sparsity plan names parameters the model lacks: {missing[:5]}")
    return [params[name] for name in plan]


def global_magnitude_plan(model: nn.Module, names: list[str], sparsity: float) -> SparsityPlan:
    """Per-tensor ratios that together prune the `sparsity` fraction of smallest magnitudes over all of
    `names` ranked as one vector (global magnitude pruning); `hard_prune` with it keeps those entries."""
    sparsity = validate_ratio(sparsity)
    params = dict(model.named_parameters())
    tensors = [params[name].detach().flatten() for name in names]
    keep = torch.zeros(sum(t.numel() for t in tensors))
    flat = torch.cat(tensors).abs()
    keep[torch.topk(flat, keep_count(flat.numel(), sparsity), sorted=False).indices] = 1.0
    kept = keep.split([t.numel() for t in tensors])
    return {name: 1.0 - float(k.sum()) / k.numel() for name, k in zip(names, kept, strict=True)}


@torch.no_grad()
def hard_prune(model: nn.Module, plan: SparsityPlan, projection: str = "topk") -> dict[str, torch.Tensor]:
    """W <- Π_S(W) for every planned weight, in place; returns the 0/1 masks."""
    masks = {}
    mask_of = PROJECTIONS.get(projection)
    for (name, ratio), param in zip(plan.items(), plan_parameters(model, plan), strict=True):
        masks[name] = mask_of(param, ratio)
        param.mul_(masks[name])
    return masks


# ---- accounting -----------------------------------------------------------------------------------

COUNTING_RULES: Registry[Callable[[str], bool]] = Registry("counting rule")
COUNTING_RULES.register("nonbias")(lambda name: not name.endswith("bias"))  # SLR reference code
COUNTING_RULES.register("all")(lambda name: True)  # gRDA: every parameter with a gradient


def count_parameters(model: nn.Module, rule: str = "nonbias") -> tuple[int, int]:
    """(total, non-zero) parameter counts under a counting rule (methods.md §0.2)."""
    include = COUNTING_RULES.get(rule)
    total = nonzero = 0
    for name, param in model.named_parameters():
        if include(name):
            total += param.numel()
            nonzero += int(torch.count_nonzero(param))
    return total, nonzero


def solve_uniform_ratio(model: nn.Module, rule: str, compression: float, counting: str = "nonbias") -> float:
    """The uniform ratio on prune set `rule` whose compression (total / non-zero) is `compression`.

    This is how a published compression rate (e.g. 6.57x) is turned into per-layer ratios when the
    paper does not publish them.
    """
    total, _ = count_parameters(model, counting)
    params = dict(model.named_parameters())
    prunable = sum(params[name].numel() for name in PRUNE_SETS.get(rule)(model))
    pruned = total - total / compression
    if not 0 <= pruned < prunable:
        raise ValueError(
            f"compression {compression}x needs {pruned:.0f} pruned weights but prune set {rule!r} "
            f"holds only {prunable}"
        )
    return pruned / prunable


def multiply_accumulates(model: nn.Module, example: torch.Tensor) -> tuple[int, int]:
    """(dense, non-zero) multiply-accumulates of conv and linear layers for one input.

    Non-zero MACs scale each layer's MACs by its weight density (unstructured sparsity).
    """
    dense = nonzero = 0

    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal dense, nonzero
        weight = module.weight
        per_output = weight.numel() // weight.shape[0]
        macs = output[0].numel() * per_output
        dense += macs
        nonzero += round(macs * int(torch.count_nonzero(weight)) / weight.numel())

    handles = [
        m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(example[:1])
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return dense, nonzero


def layer_sparsity(model: nn.Module, names: Iterable[str]) -> dict[str, float]:
    params = dict(model.named_parameters())
    return {name: 1.0 - int(torch.count_nonzero(params[name])) / params[name].numel() for name in names}
