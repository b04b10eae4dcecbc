"""Removing pruned groups: physically for filters, by masks for weights.

Filter removal goes through Torch-Pruning's dependency graph: removing a conv's output filters also
removes the matching BN channels (weight, bias, running statistics) and the matching input channels of
every consumer (the next conv, or the classifier after the last VGG conv), which hand-written surgery
gets wrong easily. The result is a narrow model whose outputs equal the wide model's whenever the
removed filters' BN outputs were already zero.

A `Structure` records what was removed, layer name -> kept filter indices, in the order the removals
happened; applying it to a freshly built model of the same architecture rebuilds the narrow shape, so a
narrow checkpoint can be loaded by any later run (fine-tuning is a child run).
"""
from __future__ import annotations

import torch
import torch_pruning as tp
from torch import nn

from prunebench.structured.criteria import PrunedSet

Structure = list[dict[str, list[int]]]  # removal steps: layer name -> kept output-filter indices


def remove_filters(model: nn.Module, pruned: PrunedSet, example: torch.Tensor) -> dict[str, list[int]]:
    """Physically remove `pruned` output filters (and everything that depends on them), in place.

    Returns the step to record in a `Structure`: layer name -> kept indices (in the original numbering).
    """
    modules = dict(model.named_modules())
    kept = {
        name: sorted(set(range(modules[name].out_channels)) - set(indices.tolist()))
        for name, indices in pruned.items()
    }
    with torch.enable_grad():  # the dependency graph is traced through autograd
        graph = tp.DependencyGraph().build_dependency(
            model, example_inputs=example[:1].to(next(model.parameters()).device), verbose=False
        )
    for name, indices in pruned.items():
        if len(indices) == 0:
            continue
        group = graph.get_pruning_group(modules[name], tp.prune_conv_out_channels, idxs=indices.tolist())
        if not graph.check_pruning_group(group):
            raise ValueError(f"removing filters {indices.tolist()} of {name} would empty a layer")
        group.prune()
    return kept


def apply_structure(model: nn.Module, structure: Structure, example: torch.Tensor) -> nn.Module:
    """Narrow a freshly built model the way `structure` records, so a narrow state dict loads into it."""
    for step in structure:
        modules = dict(model.named_modules())
        pruned = {
            name: torch.tensor(sorted(set(range(modules[name].out_channels)) - set(kept)), dtype=torch.long)
            for name, kept in step.items()
        }
        remove_filters(model, pruned, example)
    return model


def weight_masks(model: nn.Module, pruned: PrunedSet) -> dict[str, torch.Tensor]:
    """Unstructured removal: layer name -> 0/1 mask of its weight with the pruned flat indices at 0."""
    modules = dict(model.named_modules())
    masks = {}
    for name, indices in pruned.items():
        weight = modules[name].weight
        mask = torch.ones(weight.numel(), dtype=weight.dtype, device=weight.device)
        mask[indices.to(weight.device)] = 0
        masks[name] = mask.view_as(weight)
    return masks

