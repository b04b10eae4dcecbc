"""CIFAR-10 and CIFAR-100 in torchvision's on-disk format, held in memory as uint8 NCHW.

torchvision reads the pickled batches and md5-checks every file against the official archive first. We
keep that check: it catches truncated downloads and mixed-up folders. Test fixtures, which write their own
few-image batches, register their files' md5 sums on the torchvision class (pytest's monkeypatch), so
the tests run the same integrity check and loading code instead of a bypass.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import torch
from torchvision.datasets import CIFAR10, CIFAR100

from prunebench.data.base import Augment, DatasetInfo, DatasetNotFoundError, DataSplits, in_memory_splits
from prunebench.data.root import default_data_root

CIFAR10_INFO = DatasetInfo(  # mean/std as in the SLR reference code
    name="cifar10", in_channels=3, num_classes=10, image_size=32,
    mean=(0.4914, 0.4822, 0.4465), std=(0.2023, 0.1994, 0.2010),
)
CIFAR100_INFO = DatasetInfo(
    name="cifar100", in_channels=3, num_classes=100, image_size=32,
    mean=(0.5071, 0.4865, 0.4409), std=(0.2673, 0.2564, 0.2762),
)
# network slimming's official code (and the proximal-NS code built on it) normalises CIFAR-100 with CIFAR-10's
# mean/std; a separate name, so every row says which normalisation it was trained with
CIFAR100_CIFAR10_STATS_INFO = replace(CIFAR100_INFO, name="cifar100_cifar10stats", mean=CIFAR10_INFO.mean, std=CIFAR10_INFO.std)


def _read(dataset_class: type[CIFAR10], root: Path, train: bool, download: bool) -> tuple[torch.Tensor, torch.Tensor]:
    dataset = dataset_class(str(root), train=train, download=download)
    images = torch.from_numpy(dataset.data).permute(0, 3, 1, 2).contiguous()  # N,32,32,3 -> N,3,32,32
    return images, torch.tensor(dataset.targets)


def _load(dataset_class: type[CIFAR10], info: DatasetInfo, root: Path | None, augment: bool, download: bool) -> DataSplits:
    root = root or default_data_root()
    folder = root / dataset_class.base_folder
    try:
        train = _read(dataset_class, root, True, download)
        test = _read(dataset_class, root, False, False)  # the train call downloaded (and checked) everything
    except (RuntimeError, OSError) as error:  # torchvision's "Dataset not found or corrupted", network errors
        files = ", ".join(name for name, _ in dataset_class.train_list + dataset_class.test_list)
        attempt = "download was on but failed" if download else "download=False, so none was attempted"
        raise DatasetNotFoundError(
            f"{info.name} not found or failed torchvision's md5 check in {folder} ({attempt}; "
            f"torchvision said: {str(error).strip()})\n"
            f"Expected torchvision's layout: {folder}/{{{files}, {dataset_class.meta['filename']}}}.\n"
            f"Get it: load with download=True on a machine with internet (torchvision fetches {dataset_class.url} "
            f"and extracts it into {root}), or extract that archive there yourself. The data root is the `root` "
            "argument, else $PRUNEBENCH_DATA, else ~/.cache/prunebench/data."
        ) from error
    return in_memory_splits(
        info, train, test, augment=Augment(pad=4, flip=True) if augment else None, source=str(folder)
    )


def load_cifar10(root: Path | None, augment: bool, download: bool) -> DataSplits:
    return _load(CIFAR10, CIFAR10_INFO, root, augment, download)


def load_cifar100(root: Path | None, augment: bool, download: bool) -> DataSplits:
    return _load(CIFAR100, CIFAR100_INFO, root, augment, download)


def load_cifar100_with_cifar10_stats(root: Path | None, augment: bool, download: bool) -> DataSplits:
    return _load(CIFAR100, CIFAR100_CIFAR10_STATS_INFO, root, augment, download)
