"""Data sets by name: `load_dataset("cifar10")` finds the loader and says where data lives by default."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from prunebench.data.base import DataSplits
from prunebench.registry import Registry


class DatasetLoader(Protocol):
    """Builds both splits; `root` is None when the caller gave none (a loader may then search system places)."""

    def __call__(self, root: Path | None, augment: bool, download: bool) -> DataSplits: ...


DATASETS: Registry[DatasetLoader] = Registry("dataset")


def default_data_root() -> Path:
    """`$PRUNEBENCH_DATA` if set, else `~/.cache/prunebench/data`: one place for every set we download."""
    configured = os.environ.get("PRUNEBENCH_DATA")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "prunebench" / "data"


def load_dataset(
    name: str, *, root: str | Path | None = None, augment: bool = True, download: bool = True
) -> DataSplits:
    """Both splits of data set `name`; raises UnknownNameError, DatasetNotFoundError, or ValueError (corrupt files)."""
    loader = DATASETS.get(name)
    return loader(None if root is None else Path(root).expanduser(), augment, download)


# The data-set modules register themselves on import, so they can only be imported once DATASETS exists.
from prunebench.data import (  # noqa: E402, F401
    cifar,
    fashion_mnist,
    image_folders,
    imagenet,
    synthetic,
    tusimple,
    tusimple_generated,
)
