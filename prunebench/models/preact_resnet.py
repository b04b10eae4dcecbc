"""Network slimming's ResNet-164 (Liu et al. 2017, official PyTorch code `models/preresnet.py`): the
pre-activation bottleneck ResNet of He et al. (2016b) for CIFAR.

depth = 9n+2 (n = 18 for 164): three stages of n bottlenecks with 16/32/64 planes, expansion 4, strides
1/2/2. A block's bn1 acts on the residual stream, which the skip connection also carries, so it is
followed by a `ChannelSelection` and pruning narrows only conv1; bn2 and bn3 prune conv1's and conv2's
filters. The projection shortcut (1×1 conv, no BN) reads the block input x, not bn1's output.

The official network ends with AvgPool2d(8), the global average at 32×32; AdaptiveAvgPool2d(1) is the
same there and also works at 28×28. Modules are registered in forward order (bn1, select, conv1, …;
final bn, select, fc): `ChannelSelection` finds its consumer that way. The shortcut is registered last
in each block, as in the official code (same state-dict names).
"""

from __future__ import annotations

import torch
from torch import nn

from prunebench.models.channel_selection import ChannelSelection, PreActivationHead
from prunebench.models.common import scaled, slimming_init
from prunebench.models.registry import MODELS

EXPANSION = 4


class Bottleneck(nn.Module):
    """BN → select → ReLU → conv1×1 → BN → ReLU → conv3×3 (stride) → BN → ReLU → conv1×1, plus x."""

    def __init__(self, inplanes: int, planes: int, stride: int):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.select = ChannelSelection(inplanes)
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, EXPANSION * planes, 1, bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = (
            nn.Sequential(nn.Conv2d(inplanes, EXPANSION * planes, 1, stride=stride, bias=False))
            if stride != 1 or inplanes != EXPANSION * planes
            else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(self.relu(self.select(self.bn1(x))))
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        return out + (x if self.downsample is None else self.downsample(x))


class PreActResNet(PreActivationHead):
    def __init__(self, *, depth: int, planes: tuple[int, ...], stem: int, in_channels: int, num_classes: int):
        super().__init__()
        if depth < 11 or (depth - 2) % 9:
            raise ValueError(f"pre-activation ResNet depth must be 9n+2 with n >= 1 (164 for ResNet-164), got {depth}")
        n = (depth - 2) // 9
        self.conv1 = nn.Conv2d(in_channels, stem, 3, padding=1, bias=False)
        channels = stem
        stages = []
        for width, stride in zip(planes, (1, 2, 2), strict=True):
            blocks = []
            for i in range(n):
                blocks.append(Bottleneck(channels, width, stride if i == 0 else 1))
                channels = EXPANSION * width
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.add_head(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.layer3(self.layer2(self.layer1(self.conv1(x)))))


@MODELS.register("preresnet164_cifar")
def preresnet164_cifar(
    *, in_channels: int, num_classes: int, width: float = 1.0, depth: int = 164
) -> PreActResNet:
    """``width`` scales the 16/32/64 planes and the 16-channel stem; ``depth`` = 9n+2 sets n blocks per
    stage. NS init for convs and BNs; the Linear keeps PyTorch's default, as in the official code."""
    model = PreActResNet(
        depth=depth,
        planes=tuple(scaled(c, width) for c in (16, 32, 64)),
        stem=scaled(16, width),
        in_channels=in_channels,
        num_classes=num_classes,
    )
    slimming_init(model)
    return model
