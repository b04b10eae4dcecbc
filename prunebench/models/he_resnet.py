"""He et al. (2016) CIFAR ResNet-56/110: 6n+2 layers, three stages of 16/32/64 channels (n = 9/18).

``shortcut="A"`` (default) is the paper's parameter-free shortcut: subsample by the stride and zero-pad
the new channels, as in akamaster/pytorch_resnet_cifar10, the 0.85M-parameter ResNet-56 that pruning
papers report on. ``shortcut="B"`` is the 1×1 conv + BN projection. Convs get Kaiming-normal init, as in both.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from prunebench.models.cifar_resnet import BasicBlock, CifarResNet, Shortcut, projection
from prunebench.models.common import scaled
from prunebench.models.registry import MODELS


class ZeroPadShortcut(nn.Module):
    """Option A: keep every ``stride``-th pixel and append zero channels up to ``out_channels``."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.stride = stride
        self.extra = out_channels - in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))


SHORTCUTS: dict[str, Shortcut] = {"A": ZeroPadShortcut, "B": projection}


def _he_resnet(n: int, in_channels: int, num_classes: int, width: float, shortcut: str) -> CifarResNet:
    if shortcut not in SHORTCUTS:
        raise ValueError(f"shortcut must be one of {sorted(SHORTCUTS)}, got {shortcut!r}")
    model = CifarResNet(
        BasicBlock,
        (n, n, n),
        [scaled(c, width) for c in (16, 32, 64)],
        in_channels=in_channels,
        num_classes=num_classes,
        maxpool=False,
        shortcut=SHORTCUTS[shortcut],
    )
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight)
    return model


@MODELS.register("resnet56")
def resnet56(*, in_channels: int, num_classes: int, width: float = 1.0, shortcut: str = "A") -> CifarResNet:
    return _he_resnet(9, in_channels, num_classes, width, shortcut)


@MODELS.register("resnet110")
def resnet110(*, in_channels: int, num_classes: int, width: float = 1.0, shortcut: str = "A") -> CifarResNet:
    return _he_resnet(18, in_channels, num_classes, width, shortcut)
