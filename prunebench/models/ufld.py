"""Ultra-Fast-Lane-Detection (Qin et al., ECCV 2020), ResNet-18 backbone, row-anchor classification head, as
UFLD's `parsingNet` with use_aux=False (its TuSimple setting): backbone features -> 1x1 conv to 8 channels ->
flatten -> Linear(8·h·w, 2048) -> ReLU -> Linear(2048, (griding + 1)·anchors·lanes), viewed as
(N, griding + 1, anchors, lanes). Module names match UFLD's (`model.*`, `pool`, `cls.*`), so its released
TuSimple checkpoint (`tusimple_18.pth`) loads with ``weights=<path>``.

``width`` scales the backbone and the 2048 hidden units; ``input_size`` (height, width) sets the flatten size
(UFLD: 288x800 -> 8·9·25 = 1800).
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

from prunebench.data.root import default_data_root
from prunebench.lanes.task import ANCHORS, LANES
from prunebench.models.common import PretrainedWeightsMissing, scaled
from prunebench.models.imagenet_resnet import resnet18_imagenet
from prunebench.models.registry import MODELS

POOL_CHANNELS = 8
HIDDEN = 2048


class UFLD(nn.Module):
    def __init__(self, *, in_channels: int, classes: int, width: float, input_size: tuple[int, int]):
        super().__init__()
        self.model = resnet18_imagenet(in_channels=in_channels, num_classes=1, width=width)
        self.model.fc = nn.Identity()  # the backbone ends at layer4, as UFLD's `resnet` wrapper
        self.cls_dim = (classes, ANCHORS, LANES)
        h, w = (math.ceil(side / 32) for side in input_size)  # five stride-2 stages, each ceil(x / 2)
        self.pool = nn.Conv2d(scaled(512, width), POOL_CHANNELS, 1)
        hidden = scaled(HIDDEN, width)
        self.cls = nn.Sequential(nn.Linear(POOL_CHANNELS * h * w, hidden), nn.ReLU(), nn.Linear(hidden, math.prod(self.cls_dim)))
        for layer in (self.cls[0], self.cls[2]):  # UFLD's initialize_weights for Linear
            nn.init.normal_(layer.weight, 0.0, 0.01)
            nn.init.zeros_(layer.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        m = self.model
        x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
        return m.layer4(m.layer3(m.layer2(m.layer1(x))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cls(self.pool(self.features(x)).flatten(1)).view(-1, *self.cls_dim)


def load_ufld_checkpoint(model: UFLD, path: str) -> None:
    """UFLD's released checkpoints hold {'model': state_dict}, keys possibly prefixed 'module.' (DataParallel).
    A relative `path` is looked up in <data root>/tusimple/ ($PRUNEBENCH_DATA, beside the data it was trained on)."""
    file = Path(path).expanduser()
    if not file.is_absolute():
        file = default_data_root() / "tusimple" / file
    if not file.is_file():
        raise PretrainedWeightsMissing(
            f"UFLD weights {file} not found: download tusimple_18.pth from the Ultra-Fast-Lane-Detection README "
            "(https://github.com/cfzd/Ultra-Fast-Lane-Detection) and put it there (or pass an absolute path as the "
            "`weights` model option)"
        )
    state = torch.load(file, map_location="cpu", weights_only=False)
    state = state.get("model", state)
    model.load_state_dict({k.removeprefix("module."): v for k, v in state.items()})


@MODELS.register("ufld_resnet18")
def ufld_resnet18(
    *, in_channels: int, num_classes: int, width: float = 1.0, input_size: tuple[int, int] = (288, 800),
    weights: str | None = None,
) -> UFLD:
    """`num_classes` = griding cells + 1 (101 for TuSimple); `weights`: path of a released UFLD checkpoint."""
    model = UFLD(in_channels=in_channels, classes=num_classes, width=width, input_size=tuple(input_size))
    if weights is not None:
        load_ufld_checkpoint(model, weights)
    return model
