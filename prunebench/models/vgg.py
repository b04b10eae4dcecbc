"""VGG-16/19 with batch norm for CIFAR-sized inputs: conv3×3 + BN + ReLU, and a *single* Linear
classifier on the pooled 512-d feature instead of ImageNet VGG's three fully connected layers.

VGG-16 follows kuangliu/pytorch-cifar (convs with bias), as the SLR code does. VGG-19 follows
EigenDamage as GReg's code has it (the network GReg prunes): no max-pool after the last four convs, the
2×2 map (at 32×32) average-pooled, convs without bias, Kaiming-normal (fan-in) init of every conv and of
the classifier, zero biases; on CIFAR-100 it has 20,081,188 parameters (GReg's "20.0812M").
``vgg19_ns_cifar`` is network slimming's VGG-19 (Liu et al. 2017, official PyTorch code): the same layers
with NS's init (`slimming_init`).

Max-pools use ``ceil_mode=True`` and the features end in ``AdaptiveAvgPool2d(1)``, so 28×28 and 16×16 inputs
work. At 32×32 the ceil-mode pools equal the official floor-mode ones (every map size is even) and the
adaptive pool equals the official final pool (a 1×1 no-op for VGG-16, AvgPool2d(2) over the 2×2 map for the
VGG-19s).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from prunebench.models.common import scaled, slimming_init
from prunebench.models.registry import MODELS

VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")
# EigenDamage's / GReg's and network slimming's cfg: no pool after the last four convs, so the map stays 2×2 at
# 32×32 and is average-pooled
VGG19 = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512)


def conv_stack(
    cfg: tuple[int | str, ...], in_channels: int, width: float, block: Callable[[int, int], list[nn.Module]]
) -> tuple[nn.Sequential, int]:
    """The feature stack of a VGG config: `block(in, out)` for each width, a ceil-mode 2×2 max-pool for
    each "M". Returns the stack and its output channels."""
    layers: list[nn.Module] = []
    channels = in_channels
    for item in cfg:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
        else:
            out = scaled(int(item), width)
            layers += block(channels, out)
            channels = out
    return nn.Sequential(*layers), channels


class VGG(nn.Module):
    """Convs and pools in ``features``, then global average pool and ``classifier``."""

    def __init__(
        self, cfg: tuple[int | str, ...], *, in_channels: int, num_classes: int, width: float, conv_bias: bool = True
    ):
        super().__init__()
        self.features, channels = conv_stack(cfg, in_channels, width, lambda c, out: [
            nn.Conv2d(c, out, 3, padding=1, bias=conv_bias), nn.BatchNorm2d(out), nn.ReLU(inplace=True)
        ])
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


@MODELS.register("vgg16_bn_cifar")
def vgg16_bn_cifar(*, in_channels: int, num_classes: int, width: float = 1.0) -> VGG:
    return VGG(VGG16, in_channels=in_channels, num_classes=num_classes, width=width)


@MODELS.register("vgg19_bn_cifar")
def vgg19_bn_cifar(*, in_channels: int, num_classes: int, width: float = 1.0) -> VGG:
    """GReg's VGG-19: `init.kaiming_normal` (fan-in, ReLU gain) on every conv and on the classifier, zero
    classifier bias, BN γ = 1, β = 0."""
    model = VGG(VGG19, in_channels=in_channels, num_classes=num_classes, width=width, conv_bias=False)
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
    nn.init.zeros_(model.classifier.bias)
    return model


@MODELS.register("vgg19_ns_cifar")
def vgg19_ns_cifar(*, in_channels: int, num_classes: int, width: float = 1.0) -> VGG:
    """Network slimming's VGG-19: bias-free convs, then the official AvgPool2d(2) over the 2×2 map at
    32×32, which is what AdaptiveAvgPool2d(1) computes there (and it also handles 28×28 inputs)."""
    model = VGG(VGG19, in_channels=in_channels, num_classes=num_classes, width=width, conv_bias=False)
    slimming_init(model)
    nn.init.normal_(model.classifier.weight, 0.0, 0.01)
    nn.init.zeros_(model.classifier.bias)
    return model
