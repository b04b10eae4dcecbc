"""VGG-16/19 with batch norm for CIFAR-sized inputs: conv3×3 + BN + ReLU, and a *single* Linear
classifier on the pooled 512-d feature instead of ImageNet VGG's three fully connected layers.

VGG-16 follows kuangliu/pytorch-cifar (convs with bias), as the SLR code does. VGG-19 follows
EigenDamage, the network GReg prunes: convs without bias, Kaiming-normal init; on CIFAR-100 it has
20,081,188 parameters (GReg's "20.0812M"). ``vgg19_ns_cifar`` is network slimming's VGG-19 (Liu et al.
2017, official PyTorch code): no max-pool after the last four convs, NS's init (`slimming_init`).

Max-pools use ``ceil_mode=True`` and are followed by ``AdaptiveAvgPool2d(1)``, so 28×28 and 16×16 inputs
work; at 32×32 both are no-ops compared with the usual floor-mode network (the map is already 1×1).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from prunebench.models.common import scaled, slimming_init
from prunebench.models.registry import MODELS

VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")
VGG19 = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M")
VGG19_NS = VGG19[:-1]  # network slimming's cfg: the map stays 2×2 at 32×32 and is average-pooled


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
    model = VGG(VGG19, in_channels=in_channels, num_classes=num_classes, width=width, conv_bias=False)
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
    return model


@MODELS.register("vgg19_ns_cifar")
def vgg19_ns_cifar(*, in_channels: int, num_classes: int, width: float = 1.0) -> VGG:
    """Network slimming's VGG-19: bias-free convs, then the official AvgPool2d(2) over the 2×2 map at
    32×32, which is what AdaptiveAvgPool2d(1) computes there (and it also handles 28×28 inputs)."""
    model = VGG(VGG19_NS, in_channels=in_channels, num_classes=num_classes, width=width, conv_bias=False)
    slimming_init(model)
    nn.init.normal_(model.classifier.weight, 0.0, 0.01)
    nn.init.zeros_(model.classifier.bias)
    return model
