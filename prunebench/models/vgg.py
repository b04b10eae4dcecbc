"""VGG-16 with batch norm for CIFAR-sized inputs, as in the common CIFAR implementations
(kuangliu/pytorch-cifar): conv3×3 (with bias) + BN + ReLU, and a *single* Linear classifier on the
pooled 512-d feature instead of ImageNet VGG's three fully connected layers.

Max-pools use ``ceil_mode=True`` and are followed by ``AdaptiveAvgPool2d(1)``, so 28×28 and 16×16 inputs
work; at 32×32 both are no-ops compared with the usual floor-mode network (the map is already 1×1).
"""

from __future__ import annotations

import torch
from torch import nn

from prunebench.models.common import scaled
from prunebench.models.registry import MODELS

VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


class VGG(nn.Module):
    """Convs and pools in ``features``, then global average pool and ``classifier``."""

    def __init__(self, cfg: tuple[int | str, ...], *, in_channels: int, num_classes: int, width: float):
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for item in cfg:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
            else:
                out = scaled(int(item), width)
                layers += [nn.Conv2d(channels, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
                channels = out
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


@MODELS.register("vgg16_bn_cifar")
def vgg16_bn_cifar(*, in_channels: int, num_classes: int, width: float = 1.0) -> VGG:
    return VGG(VGG16, in_channels=in_channels, num_classes=num_classes, width=width)
