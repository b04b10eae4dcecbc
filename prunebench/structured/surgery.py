"""Removing pruned groups: physically for filters, by masks for weights.

Filter removal goes through Torch-Pruning's dependency graph: removing a conv's output filters also
removes the matching BN channels (weight, bias, running statistics) and the matching input channels of
every consumer (the next conv, or the classifier after the last VGG conv), which hand-written surgery
gets wrong easily. The result is a narrow model whose outputs equal the wide model's whenever the
removed filters' BN outputs were already zero.

Channels of a BN that other layers also read (a pre-activation BN on the residual stream, a BN on a
DenseNet concatenation) cannot be removed: the BN keeps its width and the `ChannelSelection` after it
stops passing them, so only its consumer, the next conv or linear layer, loses input channels
(`narrow_selection`, network slimming's channel_selection mechanism).

A `Structure` records what was removed, in the order the removals happened: per step, conv name -> kept
filter indices, or selection name -> kept BN channels; applying it to a freshly built model of the same
architecture rebuilds the narrow shape, so a narrow checkpoint can be loaded by any later run
(fine-tuning is a child run).
"""
from __future__ import annotations

import torch
import torch_pruning as tp
from torch import nn

from prunebench.models.channel_selection import ChannelSelection
from prunebench.structured.criteria import PrunedSet

Structure = list[dict[str, list[int]]]  # removal steps: conv -> kept filters, or selection -> kept channels


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


def consumer_of(model: nn.Module, selection: str) -> tuple[str, nn.Conv2d | nn.Linear]:
    """The layer that reads a selection's output: the next conv or linear in registration order (the
    contract of every model that uses ChannelSelection)."""
    named = list(model.named_modules())
    start = next(i for i, (name, _) in enumerate(named) if name == selection)
    for name, module in named[start + 1:]:
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            return name, module
    raise ValueError(f"no conv or linear layer is registered after channel selection {selection!r}")


def narrow_selection(model: nn.Module, selection: str, kept: list[int]) -> list[int]:
    """Let `selection` pass only the BN channels `kept` (a subset of what it passes now) and drop the
    matching input channels of its consumer. Returns the channels it now passes."""
    module = dict(model.named_modules())[selection]
    if not isinstance(module, ChannelSelection):
        raise TypeError(f"{selection!r} is a {type(module).__name__}, not a ChannelSelection")
    current = module.index.tolist()
    keep = set(kept)
    positions = [i for i, channel in enumerate(current) if channel in keep]
    if not positions:
        raise ValueError(f"narrowing {selection!r} to {sorted(kept)} would pass no channel")
    _, consumer = consumer_of(model, selection)
    index = torch.tensor(positions, dtype=torch.long, device=consumer.weight.device)
    consumer.weight = nn.Parameter(consumer.weight.detach().index_select(1, index).clone())
    if isinstance(consumer, nn.Conv2d):
        consumer.in_channels = len(positions)
    else:
        consumer.in_features = len(positions)
    module.index = module.index[index.to(module.index.device)]
    return module.index.tolist()


def apply_structure(model: nn.Module, structure: Structure, example: torch.Tensor) -> nn.Module:
    """Narrow a freshly built model the way `structure` records, so a narrow state dict loads into it.
    Within a step, filters are removed before selections narrow (the order `remove_channels` uses)."""
    for step in structure:
        modules = dict(model.named_modules())
        pruned = {
            name: torch.tensor(sorted(set(range(modules[name].out_channels)) - set(kept)), dtype=torch.long)
            for name, kept in step.items() if isinstance(modules[name], nn.Conv2d)
        }
        if pruned:
            remove_filters(model, pruned, example)
        for name, kept in step.items():
            if isinstance(modules[name], ChannelSelection):
                narrow_selection(model, name, kept)
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

