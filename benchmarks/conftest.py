"""Shared fixtures of the benchmark suites: the real Fashion-MNIST tensors, the model, two threads.

Every suite times prunebench and the reference side inside the same test, alternating round by
round, so load from other processes on the (2-core) machine hits both sides alike; the ratios of
medians are what the suites report.
"""
from __future__ import annotations

import statistics

import pytest
import torch
from torch import nn

from prunebench.data import DataSplits, load_dataset
from prunebench.models import build_model

THREADS = 2
BATCH = 128
IMAGES = 2048  # 16 batches of 128 per measured epoch
MODEL = "resnet18_cifar"
WIDTH = 0.25
SUBSET_SEED = 0


@pytest.fixture(autouse=True)
def _two_threads():
    torch.set_num_threads(THREADS)


@pytest.fixture(scope="session")
def fashion() -> DataSplits:
    """Fashion-MNIST as prunebench loads it (the Debian idx files, in memory as uint8)."""
    return load_dataset("fashion_mnist", download=False)


@pytest.fixture(scope="session")
def subset_index(fashion: DataSplits) -> torch.Tensor:
    """The training images both sides of a benchmark use: what `TensorSource.subset` picks for seed 0."""
    return torch.randperm(len(fashion.train), generator=torch.Generator().manual_seed(SUBSET_SEED))[:IMAGES]


def make_model() -> nn.Module:
    """The benchmarked network: the SLR code's CIFAR ResNet-18 at width 0.25, 1 input channel."""
    torch.manual_seed(0)
    return build_model(MODEL, in_channels=1, num_classes=10, width=WIDTH)


def median(values: list[float]) -> float:
    return statistics.median(values)
