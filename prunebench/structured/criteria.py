"""Which groups to prune: scoring criteria and the selection of the pruned set.

A group is a filter (output channel of a conv) or, for unstructured pruning, a single weight. The
pruned set is a map layer name -> sorted indices of its pruned groups (flat indices for weights); it
is computed once and handed to every arm that must prune the same groups.

* `l1`: Li et al. (2017), the L1 norm of each filter (|w| for a weight), lowest per layer pruned.
* `random`: uniform per layer, from a dedicated seeded generator (the official code's unseeded numpy
  draw cannot be repeated; methods.md §7.2).
* `obd`: LeCun et al. (1990) saliency ½·h_ii·w_i² summed over the group, h from a diagonal-Hessian
  estimate, ranked *globally* over every layer in scope with at least one filter kept per layer
  (GReg Appendix D, methods.md §6).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from prunebench.registry import Registry
from prunebench.structured.layers import PrunableLayer

PrunedSet = dict[str, torch.Tensor]  # layer name -> sorted int64 indices of pruned groups


@dataclass(frozen=True)
class SelectionInputs:
    """What a criterion may look at besides the weights."""

    granularity: str = "filter"
    seed: int = 0  # random criterion
    batches: Callable[[], Iterable[tuple[torch.Tensor, torch.Tensor]]] | None = None  # OBD's Hessian estimate


def group_scores(weight: torch.Tensor, granularity: str, per_weight: torch.Tensor | None = None) -> torch.Tensor:
    """Sum of `per_weight` (default |w|) over each group: one score per filter, or per weight."""
    values = weight.detach().abs() if per_weight is None else per_weight
    return values.flatten(1).sum(1) if granularity == "filter" else values.flatten()


def lowest(scores: torch.Tensor, count: int) -> torch.Tensor:
    """Indices of the `count` lowest scores (ties to the lower index), sorted."""
    order = torch.sort(scores, stable=True).indices
    return order[:count].sort().values


def _modules(model: nn.Module) -> dict[str, nn.Module]:
    return dict(model.named_modules())


def select_l1(model: nn.Module, layers: list[PrunableLayer], inputs: SelectionInputs) -> PrunedSet:
    modules = _modules(model)
    return {
        layer.name: lowest(group_scores(modules[layer.name].weight, inputs.granularity), layer.n_pruned)
        for layer in layers
    }


def select_random(model: nn.Module, layers: list[PrunableLayer], inputs: SelectionInputs) -> PrunedSet:
    generator = torch.Generator().manual_seed(inputs.seed)
    return {
        layer.name: torch.randperm(layer.groups, generator=generator)[: layer.n_pruned].sort().values
        for layer in layers
    }


def fisher_diagonal(
    model: nn.Module, names: list[str], batches: Iterable[tuple[torch.Tensor, torch.Tensor]]
) -> dict[str, torch.Tensor]:
    """Empirical-Fisher estimate of diag(H): the mean over minibatches of the squared minibatch gradient
    of the cross-entropy, for the weights of `names` (the model's weights are not changed)."""
    modules = _modules(model)
    weights = [modules[name].weight for name in names]
    sums = [torch.zeros_like(w) for w in weights]
    count = 0
    was_training = model.training
    model.eval()
    try:
        for x, y in batches:
            grads = torch.autograd.grad(F.cross_entropy(model(x), y), weights)
            torch._foreach_add_(sums, torch._foreach_mul(grads, grads))
            count += 1
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("the OBD criterion needs at least one batch to estimate the Hessian diagonal")
    return {name: s / count for name, s in zip(names, sums, strict=True)}


def select_obd(model: nn.Module, layers: list[PrunableLayer], inputs: SelectionInputs) -> PrunedSet:
    """Global OBD ranking: prune round(r·N) of the N groups in scope (r = the layers' common ratio)."""
    ratios = {layer.ratio for layer in layers}
    if len(ratios) != 1:
        raise ValueError(f"the OBD criterion ranks globally and takes one ratio for every layer, got {sorted(ratios)}")
    if inputs.batches is None:
        raise ValueError("the OBD criterion needs training batches for its Hessian estimate")
    modules = _modules(model)
    hessian = fisher_diagonal(model, [layer.name for layer in layers], inputs.batches())
    scores = [
        group_scores(modules[layer.name].weight, inputs.granularity, 0.5 * hessian[layer.name] * modules[layer.name].weight.detach() ** 2)
        for layer in layers
    ]
    budget = round(ratios.pop() * sum(layer.groups for layer in layers))
    # each layer's best group is kept: rank only the others, then take the globally lowest
    candidates = torch.cat([
        torch.stack([s, torch.full_like(s, i), torch.arange(len(s), dtype=s.dtype, device=s.device)], 1)[torch.argsort(s, stable=True)[:-1]]
        for i, s in enumerate(scores)
    ])
    chosen = candidates[torch.sort(candidates[:, 0], stable=True).indices[:budget]]
    return {
        layer.name: chosen[chosen[:, 1] == i, 2].long().sort().values
        for i, layer in enumerate(layers)
    }


CRITERIA: Registry[Callable[[nn.Module, list[PrunableLayer], SelectionInputs], PrunedSet]] = Registry("criterion")
CRITERIA.register("l1")(select_l1)
CRITERIA.register("random")(select_random)
CRITERIA.register("obd")(select_obd)


def select_pruned(model: nn.Module, layers: list[PrunableLayer], criterion: str, inputs: SelectionInputs) -> PrunedSet:
    return CRITERIA.get(criterion)(model, layers, inputs)


def fingerprint(pruned: PrunedSet) -> str:
    """A short hash of the pruned indices: equal fingerprints mean two arms pruned the same groups."""
    digest = hashlib.sha256()
    for name in sorted(pruned):
        digest.update(name.encode())
        digest.update(pruned[name].cpu().numpy().tobytes())  # indices live on the weights' device
    return digest.hexdigest()[:12]


def overlap(a: PrunedSet, b: PrunedSet) -> float:
    """Fraction of a's pruned groups that b prunes too (the official code's 'common ratio')."""
    total = sum(len(v) for v in a.values())
    common = sum(len(set(a[name].tolist()) & set(b.get(name, torch.empty(0)).tolist())) for name in a)
    return common / total if total else 1.0
