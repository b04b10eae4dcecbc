"""A tiny generated data set for tests: no files, builds in milliseconds, and a small model can learn it.

Each of the 10 classes is a fixed random 16x16 template; a sample is its class template plus Gaussian noise,
stored as uint8 like the real sets so it goes through the same TensorSource path.
"""
from __future__ import annotations

from pathlib import Path

import torch

from prunebench.data.base import Augment, DatasetInfo, DataSplits, in_memory_splits

SEED = 0
NUM_CLASSES = 10
IMAGE_SIZE = 16
TRAIN_SIZE, TEST_SIZE = 512, 256
NOISE = 0.2  # per-pixel std, in units of the [0, 1] pixel range


def _draw(count: int, templates: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    labels = torch.randint(0, NUM_CLASSES, (count,), generator=generator)
    noise = NOISE * torch.randn(count, 1, IMAGE_SIZE, IMAGE_SIZE, generator=generator)
    images = ((templates[labels] + noise).clamp(0, 1) * 255).round().to(torch.uint8)
    return images, labels


def load_synthetic(root: Path | None, augment: bool, download: bool) -> DataSplits:
    """`root` and `download` are ignored: the set is generated from a fixed seed."""
    generator = torch.Generator().manual_seed(SEED)
    templates = torch.rand(NUM_CLASSES, 1, IMAGE_SIZE, IMAGE_SIZE, generator=generator)
    train = _draw(TRAIN_SIZE, templates, generator)
    test = _draw(TEST_SIZE, templates, generator)
    pixels = train[0].float() / 255
    info = DatasetInfo(
        name="synthetic",
        in_channels=1,
        num_classes=NUM_CLASSES,
        image_size=IMAGE_SIZE,
        mean=(round(pixels.mean().item(), 4),),
        std=(round(pixels.std().item(), 4),),
    )
    # a one-pixel shift keeps the templates recognisable; a flip would not
    return in_memory_splits(
        info, train, test, augment=Augment(pad=1, flip=False) if augment else None, source=f"synthetic (seed {SEED})"
    )
