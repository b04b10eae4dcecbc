"""Data sets, registered by name: `load_dataset("fashion_mnist")` and friends."""
from prunebench.data.base import (
    Augment,
    DatasetInfo,
    DatasetNotFoundError,
    DataSplits,
    LoaderSource,
    TensorSource,
)
from prunebench.data.registry import DATASETS, dataset_loader, load_dataset
from prunebench.data.root import default_data_root

__all__ = [
    "Augment",
    "DataSplits",
    "DatasetInfo",
    "DatasetNotFoundError",
    "LoaderSource",
    "TensorSource",
    "DATASETS",
    "dataset_loader",
    "default_data_root",
    "load_dataset",
]
