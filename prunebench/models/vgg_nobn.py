"""VGG-16 without batch norm, the mode-connectivity variant (Garipov et al. 2018, `models/vgg.py` of
dnn-mode-connectivity) that the gRDA paper trains on CIFAR-10 and connects with a Bézier curve.

Thirteen conv3×3 layers with bias + ReLU in five blocks, each block followed by a 2×2 max-pool; then
Dropout, Linear(512, 512), ReLU, Dropout, Linear(512, 512), ReLU, Linear(512, classes). Conv weights
~ N(0, 2/(k·k·out_channels)), conv biases zero, linear layers torch's default (as the original).
Pools use ``ceil_mode=True`` so 28×28 and 16×16 inputs also end at 1×1 (identical to floor mode at 32×32).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from prunebench.models.common import scaled
from prunebench.models.registry import MODELS
from prunebench.models.vgg import VGG16, conv_stack


def conv_relu(in_channels: int, out_channels: int) -> list[nn.Module]:
    conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)
    nn.init.normal_(conv.weight, 0.0, math.sqrt(2.0 / (9 * out_channels)))
    nn.init.zeros_(conv.bias)
    return [conv, nn.ReLU(inplace=True)]


class VGGNoBN(nn.Module):
    def __init__(self, cfg: tuple[int | str, ...], *, in_channels: int, num_classes: int, width: float,
                 dropout: float = 0.5):
        super().__init__()
        self.features, channels = conv_stack(cfg, in_channels, width, conv_relu)
        hidden = scaled(512, width)
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(channels, hidden), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


@MODELS.register("vgg16_nobn_cifar")
def vgg16_nobn_cifar(*, in_channels: int, num_classes: int, width: float = 1.0, dropout: float = 0.5) -> VGGNoBN:
    """`dropout` 0.5 as in the paper's network; 0 gives a network whose data-parallel training is deterministic."""
    return VGGNoBN(VGG16, in_channels=in_channels, num_classes=num_classes, width=width, dropout=dropout)
