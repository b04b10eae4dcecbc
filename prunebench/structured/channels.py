"""Channel pruning on BN scaling factors, shared by network slimming and proximal NS: which channels
each BN controls, NS's global threshold, the keep-one guard, and removal.

Every BatchNorm2d takes part (methods.md §8.3). How its channels leave the network depends on what
the BN feeds:

* `producer`: a BN right after a conv (VGG; bn2/bn3 of a pre-activation bottleneck). The conv's
  output filters are removed through Torch-Pruning, with the BN channels and the consumers' inputs.
* `selection`: a BN followed by a ChannelSelection (the block-input BN of a pre-activation ResNet,
  every DenseNet BN, the final BN): the BN keeps its width, the selection stops passing the channels.

Both rely on the models registering modules in forward order (tests check removal leaves outputs
unchanged for every model).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from prunebench.models.channel_selection import ChannelSelection
from prunebench.structured.surgery import narrow_selection, remove_filters

PRODUCER, SELECTION = "producer", "selection"
ChannelSet = dict[str, torch.Tensor]  # BN name -> bool mask over its channels (True = pruned)


@dataclass(frozen=True)
class ScalingLayer:
    """A BN whose scaling factors γ decide which of its channels survive."""

    bn: str
    kind: str  # producer | selection
    target: str  # the conv whose filters go (producer) or the ChannelSelection that narrows (selection)


def scaling_layers(model: nn.Module) -> list[ScalingLayer]:
    """Every BatchNorm2d of `model` with the way its channels are removed, in forward order."""
    named = list(model.named_modules())
    layers = []
    producer: tuple[str, nn.Conv2d] | None = None
    for i, (name, module) in enumerate(named):
        if isinstance(module, nn.Conv2d):
            producer = (name, module)
        if not isinstance(module, nn.BatchNorm2d):
            continue
        following = named[i + 1] if i + 1 < len(named) else None
        if following is not None and isinstance(following[1], ChannelSelection):
            layers.append(ScalingLayer(name, SELECTION, following[0]))
        elif producer is not None and producer[1].out_channels == module.num_features:
            layers.append(ScalingLayer(name, PRODUCER, producer[0]))
        else:
            raise ValueError(f"BN {name!r} follows no conv of its width and feeds no ChannelSelection")
    if not layers:
        raise ValueError("network slimming needs BatchNorm2d layers; the model has none")
    return layers


def scaling_factors(model: nn.Module, layers: list[ScalingLayer]) -> list[nn.Parameter]:
    """The γ (BN weight) of each scaling layer, in the same order."""
    modules = dict(model.named_modules())
    return [modules[layer.bn].weight for layer in layers]


def global_threshold(magnitudes: torch.Tensor, percent: float) -> float:
    """NS's threshold (official code): sort every |γ| of the network, take the value at index
    floor(N·percent); channels with |γ| above it are kept."""
    if not 0.0 <= percent < 1.0:
        raise ValueError(f"the pruning percent must be in [0, 1), got {percent}")
    ordered = magnitudes.flatten().sort().values
    return float(ordered[int(len(ordered) * percent)])


def keep_one_per_layer(pruned: ChannelSet, gammas: dict[str, torch.Tensor]) -> tuple[ChannelSet, list[str]]:
    """A layer never loses every channel (the official codes crash there, methods.md §8.5): keep the
    channel with the largest |γ|. Returns the guarded set and the layers where the guard fired."""
    guarded, fired = {}, []
    for name, mask in pruned.items():
        if bool(mask.all()):
            mask = mask.clone()
            mask[int(gammas[name].detach().abs().argmax())] = False
            fired.append(name)
        guarded[name] = mask
    return guarded, fired


def remove_channels(
    model: nn.Module, layers: list[ScalingLayer], pruned: ChannelSet, example: torch.Tensor
) -> dict[str, list[int]]:
    """Remove the pruned channels in place; returns the Structure step (filters first, then selections,
    the order `apply_structure` replays)."""
    def indices(layer: ScalingLayer) -> torch.Tensor:
        return pruned[layer.bn].nonzero().flatten().cpu()

    filters = {layer.target: indices(layer) for layer in layers if layer.kind == PRODUCER and pruned[layer.bn].any()}
    step = remove_filters(model, filters, example) if filters else {}
    for layer in layers:
        if layer.kind == SELECTION and pruned[layer.bn].any():
            kept = (~pruned[layer.bn]).nonzero().flatten().tolist()
            step[layer.target] = narrow_selection(model, layer.target, kept)
    return step
