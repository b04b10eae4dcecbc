"""torchvision's MobileNetV2 (parameter names kept), with a new stem for other input channels and,
with ``cifar_stem=True``, a stride-1 stem for 32×32 inputs. ``weights`` loads torchvision's pretrained
ImageNet weights (full width, 3 channels, 1000 classes only).

Width is torchvision's ``width_mult`` rule, not `common.scaled`: channels are rounded to multiples of 8
(so never below 8) and the last 1×1 conv keeps 1280 channels below width 1, as in the paper.
"""

from __future__ import annotations

from torch import nn
from torchvision.models import MobileNet_V2_Weights, MobileNetV2, mobilenet_v2

from prunebench.models.common import pretrained_state
from prunebench.models.registry import MODELS


@MODELS.register("mobilenetv2")
def mobilenetv2(
    *, in_channels: int, num_classes: int, width: float = 1.0, cifar_stem: bool = False, weights: str | None = None
) -> MobileNetV2:
    if weights is not None and (width != 1.0 or in_channels != 3 or num_classes != 1000 or cifar_stem):
        raise ValueError("pretrained MobileNetV2 weights need width 1, 3 input channels, 1000 classes, no cifar_stem")
    model = mobilenet_v2(width_mult=width, num_classes=num_classes)
    if weights is not None:
        model.load_state_dict(pretrained_state(MobileNet_V2_Weights, weights))
    if in_channels != 3 or cifar_stem:
        stem = model.features[0][0]
        model.features[0][0] = nn.Conv2d(
            in_channels, stem.out_channels, 3, stride=1 if cifar_stem else 2, padding=1, bias=False
        )
        nn.init.kaiming_normal_(model.features[0][0].weight, mode="fan_out")
    return model
