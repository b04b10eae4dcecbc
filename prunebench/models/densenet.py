"""Network slimming's DenseNet-40 (Liu et al. 2017, official PyTorch code `models/densenet.py`).

Depth 40, growth rate 12, three dense blocks of n = (depth − 4)/3 BasicBlocks (BN-ReLU-conv3×3, no
bottleneck), transitions with compression 1 (BN-ReLU-conv1×1, 2×2 average pool). At width 1 the
concatenation grows 24 → 168 → 312 → 456 channels. Every BN reads a concatenation that later layers
also read, so each is followed by a `ChannelSelection` and pruning narrows only the conv after it.

The stem: the official PyTorch code has 2·growth = 24 channels (1,059,298 parameters on CIFAR-10).
The paper's 1.02M (C10) / 1.06M (C100) fit a 16-channel stem instead (1,019,722 / 1,060,132): the
original DenseNet Torch code had 16 before its BC version switched to 2·growth (liuzhuang13/DenseNet
`densenet.lua`, commits cbb6bff → 0a8891a), and so does the DenseNet paper for non-BC networks.
The default is the paper's 16 (the published counts and FLOPs are its); ``stem_channels=24`` builds the
official code's network.

The official network ends with AvgPool2d(8), the global average at 32×32; AdaptiveAvgPool2d(1) is the
same there and also works at 28×28. Modules are registered in forward order (bn1, select, conv1; final
bn, select, fc): `ChannelSelection` finds its consumer that way.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from prunebench.models.channel_selection import ChannelSelection, PreActivationHead
from prunebench.models.common import scaled, slimming_init
from prunebench.models.registry import MODELS


class BasicBlock(nn.Module):
    """BN → select → ReLU → conv3×3 (``growth`` new channels), appended to the input."""

    def __init__(self, inplanes: int, growth: int):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.select = ChannelSelection(inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(inplanes, growth, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.conv1(self.relu(self.select(self.bn1(x))))], 1)


class Transition(nn.Module):
    """BN → select → ReLU → conv1×1 (same width: compression 1) → 2×2 average pool."""

    def __init__(self, inplanes: int):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.select = ChannelSelection(inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(inplanes, inplanes, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(self.conv1(self.relu(self.select(self.bn1(x)))), 2)


class DenseNet(PreActivationHead):
    def __init__(self, *, depth: int, growth: int, stem: int, in_channels: int, num_classes: int):
        super().__init__()
        if depth < 7 or (depth - 4) % 3:
            raise ValueError(f"DenseNet depth must be 3n+4 with n >= 1 (40 for DenseNet-40), got {depth}")
        n = (depth - 4) // 3
        channels = stem
        self.conv1 = nn.Conv2d(in_channels, channels, 3, padding=1, bias=False)
        stages: list[nn.Module] = []
        for stage in range(3):
            blocks = []
            for _ in range(n):
                blocks.append(BasicBlock(channels, growth))
                channels += growth
            stages.append(nn.Sequential(*blocks))
            if stage < 2:
                stages.append(Transition(channels))
        self.dense1, self.trans1, self.dense2, self.trans2, self.dense3 = stages
        self.add_head(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dense3(self.trans2(self.dense2(self.trans1(self.dense1(self.conv1(x)))))))


@MODELS.register("densenet40_cifar")
def densenet40_cifar(
    *, in_channels: int, num_classes: int, width: float = 1.0, depth: int = 40, stem_channels: int = 16
) -> DenseNet:
    """``width`` scales the growth rate 12 (at least 1); ``depth`` = 3n+4 sets n blocks per stage;
    ``stem_channels`` (at width 1, scaled by width): 16, the paper's network, or 24 = 2·growth, the official
    code's. NS init for convs and BNs; the Linear keeps PyTorch's default, as in the official code."""
    growth = scaled(12, width)
    stem = scaled(stem_channels, width)
    model = DenseNet(depth=depth, growth=growth, stem=stem, in_channels=in_channels, num_classes=num_classes)
    slimming_init(model)
    return model
