"""Shared fixtures of the benchmark suites: the real Fashion-MNIST tensors and two threads.

Every suite times prunebench and the reference side inside the same test, alternating round by
round, so load from other processes on the (2-core) machine hits both sides alike; the ratios of
medians are what the suites report.
"""
from __future__ import annotations

import pytest
import torch

from benchmarks.common import IMAGES, SUBSET_SEED, THREADS
from prunebench.data import DataSplits, load_dataset


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
