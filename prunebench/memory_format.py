"""Which memory format a model trains in: NHWC (channels_last) or NCHW. Operational only — the numbers agree
up to floating-point rounding, so the choice is never part of a run id.

NHWC convolutions are faster on CPU (oneDNN), but PyTorch's NHWC batch-norm kernel vectorises over channels
and is several times slower than the NCHW one when a layer has very few of them. Measured training steps on
this project's 2-core CPU (batch 128, Fashion-MNIST 28×28; NCHW vs NHWC, ms):

  - ResNet-18 (CIFAR, 1/4 width, narrowest BN 16 channels): 110 vs 75; VGG-16-BN 1/4: 146 vs 115
  - ResNet-50 (CIFAR, 1/8 width, narrowest 8): 111 vs 89; ResNet-56 1/2 width (narrowest 8): 296 vs 311
  - ResNet-56 1/4 width (narrowest 4): 182 vs 276; PreResNet-164 1/4 (narrowest 4, batch 64): 321 vs 693;
    DenseNet-40 1/4 (narrowest 4, batch 64): 276 vs 422

So `auto` picks NHWC unless some batch-norm layer has fewer than `MIN_NHWC_CHANNELS` channels. The rule reads
only the model's shape, so a run and its resumption (and a pruned model's fine-tuning, whose narrower layers
may tip it) always train in the same format.
"""
from __future__ import annotations

import torch
from torch import nn

MIN_NHWC_CHANNELS = 8


def narrowest_batch_norm(model: nn.Module) -> int | None:
    widths = [m.num_features for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    return min(widths) if widths else None


def memory_format_for(model: nn.Module, channels_last: bool | None) -> torch.memory_format:
    """`channels_last` True/False forces the format; None applies the measured rule above."""
    if channels_last is None:
        narrowest = narrowest_batch_norm(model)
        channels_last = narrowest is None or narrowest >= MIN_NHWC_CHANNELS
    return torch.channels_last if channels_last else torch.contiguous_format
