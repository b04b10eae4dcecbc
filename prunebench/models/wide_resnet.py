"""Wide ResNet-28-10 (Zagoruyko & Komodakis 2016) as in dnn-mode-connectivity's `models/wide_resnet.py`,
the network of the gRDA paper's CIFAR runs: pre-activation blocks BN-ReLU-conv3×3-(dropout)-BN-ReLU-conv3×3
with bias, the stride on the block's *second* conv, 1×1 conv (with bias) shortcuts where the shape
changes, a final BN(momentum 0.9)-ReLU, global average pool and a linear classifier. Dropout 0, as the
gRDA runs. At width 1: 36,489,290 parameters for 10 classes, 36,546,980 for 100 (the published counts).
Pooling is adaptive so 28×28 and 16×16 inputs work (at 32×32 it is the original 8×8 average pool).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from prunebench.models.common import scaled
from prunebench.models.registry import MODELS


class WideBasic(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int, dropout: float):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, 3, padding=1)
        self.dropout = nn.Dropout(dropout)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.dropout(self.conv1(F.relu(self.bn1(x))))
        out = self.conv2(F.relu(self.bn2(out)))
        return out + self.shortcut(x)


class WideResNet(nn.Module):
    def __init__(self, depth: int, widen: int, *, in_channels: int, num_classes: int, width: float, dropout: float):
        super().__init__()
        if (depth - 4) % 6:
            raise ValueError(f"wide ResNet depth must be 6n+4, got {depth}")
        n = (depth - 4) // 6
        stages = [scaled(c, width) for c in (16, 16 * widen, 32 * widen, 64 * widen)]
        self.conv1 = nn.Conv2d(in_channels, stages[0], 3, padding=1)
        planes = stages[0]
        for i, (out, stride) in enumerate(zip(stages[1:], (1, 2, 2), strict=True), start=1):
            blocks = []
            for s in [stride] + [1] * (n - 1):
                blocks.append(WideBasic(planes, out, s, dropout))
                planes = out
            setattr(self, f"layer{i}", nn.Sequential(*blocks))
        self.bn1 = nn.BatchNorm2d(planes, momentum=0.9)
        self.linear = nn.Linear(planes, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layer3(self.layer2(self.layer1(self.conv1(x))))
        out = F.adaptive_avg_pool2d(F.relu(self.bn1(out)), 1)
        return self.linear(torch.flatten(out, 1))


@MODELS.register("wrn28_10")
def wrn28_10(*, in_channels: int, num_classes: int, width: float = 1.0, dropout: float = 0.0) -> WideResNet:
    return WideResNet(28, 10, in_channels=in_channels, num_classes=num_classes, width=width, dropout=dropout)
