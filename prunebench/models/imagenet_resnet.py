"""torchvision's ImageNet ResNet-18/34/50. At width 1 with 3 input channels the model *is* torchvision's
(same class, keys and shapes), so its pretrained weights load; other widths scale the stem and stages.

``weights`` names a torchvision weights enum member (e.g. "IMAGENET1K_V1"); the file is read from the
torch hub cache, ``$TORCH_HOME/hub/checkpoints/``, since runs have no network.
"""

from __future__ import annotations

from torch import nn
from torchvision.models import ResNet18_Weights, ResNet34_Weights, ResNet50_Weights
from torchvision.models._api import WeightsEnum
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

from prunebench.models.common import pretrained_state, scaled
from prunebench.models.registry import MODELS


class ScaledResNet(ResNet):
    """torchvision's ResNet with the stem and stage widths times ``width`` and ``in_channels`` inputs."""

    def __init__(
        self,
        block: type[BasicBlock | Bottleneck],
        layers: list[int],
        *,
        in_channels: int,
        num_classes: int,
        width: float,
    ):
        self.width = width  # read by _make_layer while ResNet.__init__ builds the stages
        super().__init__(block, layers, num_classes=num_classes)
        stem = scaled(64, width)
        self.conv1 = nn.Conv2d(in_channels, stem, kernel_size=7, stride=2, padding=3, bias=False)
        nn.init.kaiming_normal_(self.conv1.weight, mode="fan_out", nonlinearity="relu")
        self.bn1 = nn.BatchNorm2d(stem)
        self.fc = nn.Linear(scaled(512, width) * block.expansion, num_classes)

    def _make_layer(
        self,
        block: type[BasicBlock | Bottleneck],
        planes: int,
        blocks: int,
        stride: int = 1,
        dilate: bool = False,
    ) -> nn.Sequential:
        if "layer1" not in self._modules:  # first stage: its input is the stem, which ResNet sets to 64
            self.inplanes = scaled(self.inplanes, self.width)
        return super()._make_layer(block, scaled(planes, self.width), blocks, stride, dilate)


def _resnet(
    block: type[BasicBlock | Bottleneck],
    layers: list[int],
    weights_enum: type[WeightsEnum],
    *,
    in_channels: int,
    num_classes: int,
    width: float,
    weights: str | None,
) -> ResNet:
    if weights is not None and (width != 1 or in_channels != 3 or num_classes != 1000):
        raise ValueError("pretrained weights need width=1, in_channels=3 and num_classes=1000")
    if width == 1 and in_channels == 3:
        model = ResNet(block, layers, num_classes=num_classes)
    else:
        model = ScaledResNet(block, layers, in_channels=in_channels, num_classes=num_classes, width=width)
    if weights is not None:
        model.load_state_dict(pretrained_state(weights_enum, weights))
    return model


@MODELS.register("resnet18_imagenet")
def resnet18_imagenet(
    *, in_channels: int, num_classes: int, width: float = 1.0, weights: str | None = None
) -> ResNet:
    return _resnet(BasicBlock, [2, 2, 2, 2], ResNet18_Weights, in_channels=in_channels, num_classes=num_classes, width=width, weights=weights)


@MODELS.register("resnet34_imagenet")
def resnet34_imagenet(
    *, in_channels: int, num_classes: int, width: float = 1.0, weights: str | None = None
) -> ResNet:
    return _resnet(BasicBlock, [3, 4, 6, 3], ResNet34_Weights, in_channels=in_channels, num_classes=num_classes, width=width, weights=weights)


@MODELS.register("resnet50_imagenet")
def resnet50_imagenet(
    *, in_channels: int, num_classes: int, width: float = 1.0, weights: str | None = None
) -> ResNet:
    return _resnet(Bottleneck, [3, 4, 6, 3], ResNet50_Weights, in_channels=in_channels, num_classes=num_classes, width=width, weights=weights)
