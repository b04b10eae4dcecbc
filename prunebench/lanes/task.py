"""Ultra-Fast-Lane-Detection's row-anchor formulation on TuSimple (Qin et al., ECCV 2020; configs/tusimple.py).

A lane is classified, at each of 56 row anchors, into one of 100 column cells or "absent" (class 100). Training:
softmax focal loss (gamma 2) plus the structural similarity loss (weight 1; the shape loss has weight 0 for
TuSimple, the auxiliary segmentation branch is off), as UFLD's TuSimple config. Evaluation: logits -> lane x per
anchor (UFLD's expectation over cells, `generate_tusimple_lines`) -> the official TuSimple accuracy.

Targets travel through the Trainer as one float tensor per image, `TARGET_ROWS x ANCHORS` (see `pack_target`):
the row-anchor classes for the loss and the raw ground-truth lanes for the official metric.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from prunebench.lanes.metric import tusimple_accuracy
from prunebench.tasks import Evaluation

IMAGE_W, IMAGE_H = 1280, 720  # TuSimple frames
ROW_ANCHORS = tuple(range(64, 288, 4))  # UFLD's tusimple_row_anchor, in 288-pixel-high input coordinates
ANCHOR_Y = tuple(a * IMAGE_H // 288 for a in ROW_ANCHORS)  # 160, 170, ..., 710: TuSimple's test h_samples
ANCHORS = len(ROW_ANCHORS)  # 56
GRIDING = 100  # column cells; class GRIDING = no lane at this anchor
LANES = 4
MAX_GT_LANES = 5  # TuSimple labels have at most 5 lanes
TARGET_ROWS = LANES + 1 + MAX_GT_LANES
NO_LANE = -3.0  # padding for missing ground-truth lanes (TuSimple itself uses -2 for absent points)
SIM_LOSS_W = 1.0
FOCAL_GAMMA = 2.0
EVAL_BATCH = 32


def pack_target(classes: np.ndarray, h_samples: Sequence[int], lanes: Sequence[Sequence[float]]) -> torch.Tensor:
    """(ANCHORS, LANES) classes + the label's h_samples and lanes -> one (TARGET_ROWS, ANCHORS) float tensor."""
    if len(h_samples) > ANCHORS:
        raise ValueError(f"at most {ANCHORS} h_samples per label are supported, got {len(h_samples)}")
    if len(lanes) > MAX_GT_LANES:
        raise ValueError(f"at most {MAX_GT_LANES} lanes per label are supported, got {len(lanes)}")
    target = torch.full((TARGET_ROWS, ANCHORS), NO_LANE)
    target[:LANES] = torch.as_tensor(classes, dtype=torch.float32).T
    target[LANES] = -1.0
    target[LANES, : len(h_samples)] = torch.as_tensor(h_samples, dtype=torch.float32)
    for i, lane in enumerate(lanes):
        target[LANES + 1 + i, : len(lane)] = torch.as_tensor(lane, dtype=torch.float32)
    return target


def unpack_ground_truth(target: torch.Tensor) -> tuple[list[list[float]], list[float]]:
    """One image's (gt lanes, h_samples) from its packed target."""
    n = int((target[LANES] >= 0).sum())
    h_samples = target[LANES, :n].tolist()
    lanes = [row[:n].tolist() for row in target[LANES + 1 :] if not bool((row == NO_LANE).all())]
    return lanes, h_samples


def focal_loss(logits: torch.Tensor, classes: torch.Tensor, gamma: float = FOCAL_GAMMA) -> torch.Tensor:
    """UFLD's SoftmaxFocalLoss: NLL of (1 − p)^gamma · log p over the class dimension 1."""
    log_p = F.log_softmax(logits, dim=1)
    return F.nll_loss((1.0 - log_p.exp()).pow(gamma) * log_p, classes)


def similarity_loss(logits: torch.Tensor) -> torch.Tensor:
    """UFLD's ParsingRelationLoss: smooth-L1 between the logits of neighbouring row anchors."""
    diff = logits[:, :, :-1, :] - logits[:, :, 1:, :]
    return F.smooth_l1_loss(diff, torch.zeros_like(diff))


def lanes_from_logits(logits: torch.Tensor) -> list[list[int]]:
    """One image's (GRIDING + 1, ANCHORS, LANES) logits -> LANES lists of x per anchor (-2: absent), as UFLD's
    `generate_tusimple_lines` with relative localisation."""
    out = logits.float()
    best = out.argmax(dim=0)
    prob = out[:-1].softmax(dim=0)
    loc = (prob * torch.arange(GRIDING, dtype=prob.dtype, device=prob.device).view(-1, 1, 1)).sum(dim=0)
    loc = torch.where(best == GRIDING, torch.full_like(loc, GRIDING), loc)
    return [
        [int(round((v + 0.5) * IMAGE_W / (GRIDING - 1))) if v != GRIDING else -2 for v in loc[:, lane].tolist()]
        for lane in range(out.shape[2])
    ]


def at_samples(lane: list[int], h_samples: Sequence[float]) -> list[int]:
    """A predicted lane (one x per anchor row) read at a label's h_samples; -2 where no anchor lies."""
    by_y = dict(zip(ANCHOR_Y, lane, strict=True))
    return [by_y.get(int(y), -2) for y in h_samples]


class TuSimpleLanes:
    @staticmethod
    def chance(classes: int) -> float:
        return math.nan  # lane accuracy has no chance level: a model predicting "no lane" scores the share of absent points

    @staticmethod
    def loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        classes = target[:, :LANES].long().transpose(1, 2)  # N, ANCHORS, LANES
        return focal_loss(output, classes) + SIM_LOSS_W * similarity_loss(output)

    @staticmethod
    @torch.no_grad()
    def evaluate(model: nn.Module, source: Any, device: str = "cpu", memory_format: torch.memory_format = torch.contiguous_format) -> Evaluation:
        """The official TuSimple accuracy (%) of the model's lanes, and the mean training loss."""
        was_training = model.training
        model.eval()
        images, loss, count = [], 0.0, 0
        for x, y in source.batches(EVAL_BATCH):
            out = model(x.to(device, memory_format=memory_format)).cpu()
            loss += float(TuSimpleLanes.loss(out, y)) * len(y)
            count += len(y)
            for logits, target in zip(out, y, strict=True):
                gt, h_samples = unpack_ground_truth(target)
                pred = [at_samples(lane, h_samples) for lane in lanes_from_logits(logits)]
                images.append((pred, gt, h_samples))  # all LANES lanes, empty ones too, as UFLD submits them
        model.train(was_training)
        return Evaluation(100.0 * tusimple_accuracy(images).accuracy, float("nan"), loss / count)
