"""Constants and helpers the benchmark suites share (fixtures are in conftest.py)."""
from __future__ import annotations

import statistics

import torch
from torch import nn

from prunebench.models import build_model

THREADS = 2
BATCH = 128
IMAGES = 2048  # 16 batches of 128 per measured epoch
MODEL = "resnet18_cifar"
WIDTH = 0.25
SUBSET_SEED = 0


def make_model() -> nn.Module:
    """The benchmarked network: the SLR code's CIFAR ResNet-18 at width 0.25, 1 input channel."""
    torch.manual_seed(0)
    return build_model(MODEL, in_channels=1, num_classes=10, width=WIDTH)


def median(values: list[float]) -> float:
    return statistics.median(values)
