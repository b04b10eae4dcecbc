"""Data sets by name: `load_dataset("cifar10")` imports the loader the name is registered with and runs it."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from prunebench.data.base import DataSplits
from prunebench.registry import Registry, import_entry


class DatasetLoader(Protocol):
    """Builds both splits; `root` is None when the caller gave none (a loader may then search system places)."""

    def __call__(self, root: Path | None, augment: bool, download: bool) -> DataSplits: ...


# name -> "module:loader", imported when a run loads it: nothing registers itself by being imported, and the
# registry imports no data-set module (so none imports it back)
DATASETS: Registry[str] = Registry("dataset")
DATASETS.register("cifar10")("prunebench.data.cifar:load_cifar10")
DATASETS.register("cifar100")("prunebench.data.cifar:load_cifar100")
DATASETS.register("cifar100_cifar10stats")("prunebench.data.cifar:load_cifar100_with_cifar10_stats")
DATASETS.register("fashion_mnist")("prunebench.data.fashion_mnist:load_fashion_mnist")
DATASETS.register("cifar10_jpeg")("prunebench.data.image_folders:load_cifar10_jpeg")
DATASETS.register("cifar10_jpeg_100class")("prunebench.data.image_folders:load_cifar10_jpeg_100class")
DATASETS.register("tiny_imagenet200_subset100")("prunebench.data.image_folders:load_tiny_imagenet_subset")
DATASETS.register("tiny_imagenet200_subset100_224_1000class")("prunebench.data.image_folders:load_tiny_imagenet_as_imagenet")
DATASETS.register("imagenet")("prunebench.data.imagenet:load_imagenet")
DATASETS.register("synthetic")("prunebench.data.synthetic:load_synthetic")
DATASETS.register("tusimple")("prunebench.data.tusimple:load_tusimple")
DATASETS.register("tusimple_sample10_upscaled")("prunebench.data.tusimple:load_tusimple_sample")
DATASETS.register("tusimple_generated")("prunebench.data.tusimple_generated:tusimple_generated")
DATASETS.register("tusimple_generated_smoke")("prunebench.data.tusimple_generated:tusimple_generated_smoke")


def dataset_loader(name: str) -> DatasetLoader:
    """The loader of data set `name`, imported now; raises UnknownNameError for a name not registered."""
    return import_entry(DATASETS.get(name))


def load_dataset(
    name: str, *, root: str | Path | None = None, augment: bool = True, download: bool = True
) -> DataSplits:
    """Both splits of data set `name`; raises UnknownNameError, DatasetNotFoundError, or ValueError (corrupt files)."""
    return dataset_loader(name)(None if root is None else Path(root).expanduser(), augment, download)
