"""What every model family shares: width scaling (a 1/4- or 1/8-width network is the same network
thinner), network slimming's init, and loading torchvision's pretrained weights from the local hub cache."""

from __future__ import annotations

import math
import os

import torch
from torch import nn
from torchvision.models._api import WeightsEnum


def scaled(channels: int, width: float) -> int:
    """``channels`` times the width multiplier, rounded, never below one channel."""
    return max(1, int(round(channels * width)))


def slimming_init(model: nn.Module) -> None:
    """Network slimming's init (official code, every model): conv weights N(0, sqrt(2/n)) with
    n = k·k·out_channels, conv biases 0; BN γ = 0.5 (the paper's starting scaling factor), β = 0."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            fan_out = module.kernel_size[0] * module.kernel_size[1] * module.out_channels
            nn.init.normal_(module.weight, 0.0, math.sqrt(2.0 / fan_out))
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.constant_(module.weight, 0.5)
            nn.init.zeros_(module.bias)


class PretrainedWeightsMissing(FileNotFoundError):
    """A torchvision weights file is neither in the torch hub cache nor downloadable; the message says where it goes."""


def pretrained_state(weights_enum: type[WeightsEnum], name: str) -> dict[str, torch.Tensor]:
    try:
        weights = weights_enum[name]
    except KeyError:
        known = ", ".join(w.name for w in weights_enum)
        raise ValueError(f"unknown {weights_enum.__name__} {name!r}; known: {known}") from None
    try:
        return weights.get_state_dict(progress=False, check_hash=True)
    except Exception as exc:
        file = weights.url.rsplit("/", 1)[-1]
        raise PretrainedWeightsMissing(
            f"could not load {weights_enum.__name__}.{name}: put {file} at "
            f"{os.path.join(torch.hub.get_dir(), 'checkpoints', file)} ($TORCH_HOME/hub/checkpoints/{file})"
        ) from exc
