"""Data sets, registered by name: `load_dataset("fashion_mnist")` and friends."""
from prunebench.data.base import (
    Augment,
    DatasetInfo,
    DatasetNotFoundError,
    DataSplits,
    LoaderSource,
    TensorSource,
)
from prunebench.data.registry import DATASETS, default_data_root, load_dataset

__all__ = [
    "Augment",
    "DataSplits",
    "DatasetInfo",
    "DatasetNotFoundError",
    "LoaderSource",
    "TensorSource",
    "DATASETS",
    "default_data_root",
    "load_dataset",
]
