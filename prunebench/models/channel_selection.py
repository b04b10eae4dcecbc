"""Network slimming's `channel_selection` layer (Liu et al. 2017, official code), as a buffer.

Some BNs cannot be narrowed without changing what other layers see: a pre-activation BN reads the
residual stream, which the skip connection also carries, and a DenseNet BN reads the concatenation,
which later blocks also read. Pruning such a BN's channels therefore does not remove them from the
stream; a `ChannelSelection` right after the BN passes on only the kept channels, and only its consumer
(the next Conv2d or Linear *in module-registration order*) loses the matching input channels. Every
model that uses this layer must register its modules in forward order so that the consumer can be
found that way.

`index` is a non-trainable long buffer (the channels passed, in order). The official code keeps a 0/1
mask `indexes` as an `nn.Parameter`, so it is counted in parameter totals and receives gradients and
weight decay (methods.md §8.5); here it adds no parameters. A narrowed checkpoint's shorter `index`
loads once the model has been narrowed the same way (the recorded structure is replayed first).
"""

from __future__ import annotations

import torch
from torch import nn


class ChannelSelection(nn.Module):
    """Pass on the input channels listed in the ``index`` buffer (all of them until pruned)."""

    index: torch.Tensor

    def __init__(self, num_channels: int):
        super().__init__()
        if num_channels < 1:
            raise ValueError(f"a channel selection needs at least one channel, got {num_channels}")
        self.register_buffer("index", torch.arange(num_channels, dtype=torch.long))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.index_select(1, self.index)

    def extra_repr(self) -> str:
        return f"passes={self.index.numel()}"


class PreActivationHead(nn.Module):
    """Base of the pre-activation networks (DenseNet-40, ResNet-164): their last feature map goes
    through BN → selection → ReLU → global average pool → Linear. Call `add_head` after registering
    everything else, so the final BN, its selection and the classifier come last in forward order."""

    def add_head(self, channels: int, num_classes: int) -> None:
        self.bn = nn.BatchNorm2d(channels)
        self.select = ChannelSelection(channels)
        self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.avgpool(self.relu(self.select(self.bn(x)))), 1))
