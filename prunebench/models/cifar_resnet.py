"""CIFAR ResNet-18/50 of the SLR reference code (kuangliu/pytorch-cifar layout), and the blocks and
network skeleton that He et al.'s CIFAR ResNets (`he_resnet`) reuse.

Stem: 3×3 stride-1 conv + BN + ReLU, **then a 3×3 stride-2 max-pool (padding 1)**. kuangliu's original
has no max-pool; the SLR reference code keeps torchvision's, and its accuracies are measured with it, so
it is kept by default (``maxpool=False`` gives plain kuangliu). Pooling before ``fc`` is adaptive, so
16×16 and 28×28 inputs work as well as 32×32.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from prunebench.models.common import scaled
from prunebench.models.registry import MODELS

Shortcut = Callable[[int, int, int], nn.Module]
"""Builds a block's shortcut from (in_channels, out_channels, stride) where the shape changes."""


def projection(in_channels: int, out_channels: int, stride: int) -> nn.Module:
    """Projection shortcut: 1×1 conv + BN (He et al.'s option B)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, stride, bias=False), nn.BatchNorm2d(out_channels)
    )


def _shortcut(make: Shortcut, in_channels: int, out_channels: int, stride: int) -> nn.Module:
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    return make(in_channels, out_channels, stride)


class BasicBlock(nn.Module):
    """Two 3×3 convs; ``conv1`` carries the stride."""

    expansion = 1

    def __init__(self, in_channels: int, planes: int, stride: int, shortcut: Shortcut):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = _shortcut(shortcut, in_channels, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class Bottleneck(nn.Module):
    """1×1 reduce, 3×3 (carries the stride), 1×1 expand by 4."""

    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int, shortcut: Shortcut):
        super().__init__()
        out_channels = planes * self.expansion
        self.conv1 = nn.Conv2d(in_channels, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.shortcut = _shortcut(shortcut, in_channels, out_channels, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return F.relu(self.bn3(self.conv3(out)) + self.shortcut(x))


Block = type[BasicBlock] | type[Bottleneck]


class CifarResNet(nn.Module):
    """3×3 stride-1 stem (``conv1``/``bn1``), stages ``layer1..`` (first at stride 1, the rest at 2),
    global average pool, ``fc``. The stem has as many channels as the first stage."""

    def __init__(
        self,
        block: Block,
        num_blocks: Sequence[int],
        widths: Sequence[int],
        *,
        in_channels: int,
        num_classes: int,
        maxpool: bool,
        shortcut: Shortcut,
    ):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.maxpool = nn.MaxPool2d(3, 2, 1) if maxpool else nn.Identity()
        self.stages = tuple(f"layer{i}" for i in range(1, len(widths) + 1))
        channels = widths[0]
        for stage, (n, planes) in enumerate(zip(num_blocks, widths, strict=True)):
            blocks = []
            for stride in [1 if stage == 0 else 2] + [1] * (n - 1):
                blocks.append(block(channels, planes, stride, shortcut))
                channels = planes * block.expansion
            setattr(self, self.stages[stage], nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        for stage in self.stages:
            x = getattr(self, stage)(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def _slr_resnet(
    block: Block, num_blocks: Sequence[int], in_channels: int, num_classes: int, width: float, maxpool: bool
) -> CifarResNet:
    return CifarResNet(
        block,
        num_blocks,
        [scaled(c, width) for c in (64, 128, 256, 512)],
        in_channels=in_channels,
        num_classes=num_classes,
        maxpool=maxpool,
        shortcut=projection,
    )


@MODELS.register("resnet18_cifar")
def resnet18_cifar(
    *, in_channels: int, num_classes: int, width: float = 1.0, maxpool: bool = True
) -> CifarResNet:
    return _slr_resnet(BasicBlock, (2, 2, 2, 2), in_channels, num_classes, width, maxpool)


@MODELS.register("resnet50_cifar")
def resnet50_cifar(
    *, in_channels: int, num_classes: int, width: float = 1.0, maxpool: bool = True
) -> CifarResNet:
    return _slr_resnet(Bottleneck, (3, 4, 6, 3), in_channels, num_classes, width, maxpool)
