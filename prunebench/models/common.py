"""What every model family shares: width scaling (a 1/4- or 1/8-width network is the same network
thinner) and loading torchvision's pretrained weights from the local hub cache."""

from __future__ import annotations

import os

import torch
from torchvision.models._api import WeightsEnum


def scaled(channels: int, width: float) -> int:
    """``channels`` times the width multiplier, rounded, never below one channel."""
    return max(1, int(round(channels * width)))


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
        raise RuntimeError(
            f"could not load {weights_enum.__name__}.{name}: put {file} at "
            f"{os.path.join(torch.hub.get_dir(), 'checkpoints', file)} ($TORCH_HOME/hub/checkpoints/{file})"
        ) from exc
