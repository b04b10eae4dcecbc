"""Small real image sets stored one JPEG per image, held in memory as uint8 like CIFAR: decoded once into a cache
file beside the images (`.prunebench-uint8-<key>.pt`), so later loads take a second.

- `cifar10_jpeg`: the offline CIFAR-10 copy, `cifar10-jpeg/{train,test}/<class>/*.jpg` (all 60,000 images, the
  original split, re-encoded as JPEG at quality 75: pixels differ from the original by the JPEG loss; the name
  says so in every row). Classes in torchvision's order (alphabetical), images in file-name order.
- `tiny_imagenet200_subset100`: Tiny-ImageNet-200 (64×64, 200 classes) in its standard layout, the first 100
  training images of every class (`<wnid>_0` … `<wnid>_99`) and the whole labelled validation set. It reads the
  offline subset and a full copy from the original zip alike, and takes the same images from both.
- `tiny_imagenet200_subset100_224_1000class`: the same images through the ImageNet loader (see its docstring).
Where the folder is missing, the error says how to get it (`make data` unpacks the offline copies).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from prunebench.data.base import Augment, DatasetInfo, DatasetNotFoundError, DataSplits, in_memory_splits
from prunebench.data.cifar import CIFAR10_INFO
from prunebench.data.imagenet import image_folder_splits
from prunebench.data.root import default_data_root

Split = tuple[torch.Tensor, torch.Tensor]
Rows = list[tuple[Path, int]]  # (image file, label)

CIFAR10_JPEG_INFO = DatasetInfo(
    name="cifar10_jpeg", in_channels=3, num_classes=10, image_size=32, mean=CIFAR10_INFO.mean, std=CIFAR10_INFO.std
)
# `make paper-check`'s CIFAR-100 stand-in: the CIFAR-10 copy under a 100-way head (its labels use 10 of the 100
# classes): a CIFAR-100 config's network, size and cost, with no meaning in its accuracy
CIFAR10_JPEG_100CLASS_INFO = replace(CIFAR10_JPEG_INFO, name="cifar10_jpeg_100class", num_classes=100, label_classes=10)
TINY_IMAGENET_INFO = DatasetInfo(
    name="tiny_imagenet200_subset100", in_channels=3, num_classes=200, image_size=64,
    mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),  # ImageNet's
)
TRAIN_PER_CLASS = 100
TINY_AS_IMAGENET = "tiny_imagenet200_subset100_224_1000class"


def decode(files: Sequence[Path], size: int) -> torch.Tensor:
    """N×3×size×size uint8 images (greyscale files become RGB)."""
    out = np.empty((len(files), size, size, 3), dtype=np.uint8)
    for i, path in enumerate(files):
        with Image.open(path) as image:
            if image.size != (size, size):
                raise ValueError(f"{path} is {image.size[0]}×{image.size[1]}, expected {size}×{size}")
            out[i] = np.asarray(image.convert("RGB"))
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()


def decoded(folder: Path, train: Rows, test: Rows, size: int) -> tuple[Split, Split]:
    """Both splits' (images, labels) from their (file, label) rows: read from the cache file beside the images
    when it holds this very file list (its name carries a hash of the list), else decoded and cached."""
    from prunebench.checkpoint import CheckpointError, load_checkpoint, save_atomic

    path = folder / f".prunebench-uint8-{rows_key(train + test)}.pt"
    if path.exists():
        try:
            stored = load_checkpoint(path)
            return stored["train"], stored["test"]
        except CheckpointError:
            path.unlink(missing_ok=True)  # a damaged cache is rebuilt
    splits = [(decode([f for f, _ in rows], size), torch.tensor([y for _, y in rows])) for rows in (train, test)]
    try:
        save_atomic({"train": splits[0], "test": splits[1]}, path)
    except OSError:
        pass  # a read-only data folder: decode again next time
    return splits[0], splits[1]


def rows_key(rows: Rows) -> str:
    """A short hash of a file list: names what is built from exactly these files (a cache, a view)."""
    return hashlib.sha256("\n".join(str(f) for f, _ in rows).encode()).hexdigest()[:12]


def missing(name: str, folder: Path, layout: str) -> DatasetNotFoundError:
    return DatasetNotFoundError(
        f"{name} not found: {folder} does not exist or lacks its images.\nExpected layout: {layout}.\n"
        "Get it: `make data` (or `python -m prunebench.data.archives`) unpacks the offline copies from "
        "../shared/data into the data root; the data root is the `root` argument, else $PRUNEBENCH_DATA, else "
        "~/.cache/prunebench/data. Without ../shared/data, datasets/README.md names each copy's public source."
    )


def load_cifar10_jpeg(root: Path | None, augment: bool, download: bool) -> DataSplits:
    return _cifar10_jpeg(CIFAR10_JPEG_INFO, root, augment)


def load_cifar10_jpeg_100class(root: Path | None, augment: bool, download: bool) -> DataSplits:
    return _cifar10_jpeg(CIFAR10_JPEG_100CLASS_INFO, root, augment)


def _cifar10_jpeg(info: DatasetInfo, root: Path | None, augment: bool) -> DataSplits:
    folder = (root or default_data_root()) / "cifar10-jpeg"
    classes = sorted(p.name for p in (folder / "train").iterdir() if p.is_dir()) if (folder / "train").is_dir() else []
    if len(classes) != 10 or not (folder / "test").is_dir():
        raise missing(info.name, folder, f"{folder}/{{train,test}}/<class>/*.jpg, 10 class folders")
    train, test = (
        [(f, label) for label, c in enumerate(classes) for f in sorted((folder / split / c).glob("*.jpg"))]
        for split in ("train", "test")
    )
    train, test = decoded(folder, train, test, 32)
    return in_memory_splits(info, train, test, augment=Augment(pad=4, flip=True) if augment else None,
                            source=str(folder))


def tiny_imagenet_rows(root: Path | None) -> tuple[Path, list[str], Rows, Rows]:
    """The Tiny-ImageNet folder, its sorted wnids, and the (file, label) rows of the first `TRAIN_PER_CLASS`
    training images per class and of the whole labelled validation set."""
    folder = (root or default_data_root()) / "tiny-imagenet-200"
    annotations = folder / "val" / "val_annotations.txt"
    if not (folder / "wnids.txt").exists() or not annotations.exists():
        raise missing("tiny_imagenet200_subset100", folder,
                      f"{folder}/{{wnids.txt, train/<wnid>/images/<wnid>_<i>.JPEG, val/images/val_<i>.JPEG, "
                      "val/val_annotations.txt}} (the Tiny-ImageNet-200 zip's layout)")
    wnids = sorted(folder.joinpath("wnids.txt").read_text().split())
    index = {w: i for i, w in enumerate(wnids)}
    train = [(folder / "train" / w / "images" / f"{w}_{i}.JPEG", index[w]) for w in wnids for i in range(TRAIN_PER_CLASS)]
    absent = [str(f) for f, _ in train if not f.exists()]
    if absent:
        raise DatasetNotFoundError(f"tiny_imagenet200_subset100: {len(absent)} of the first {TRAIN_PER_CLASS} training "
                                   f"images per class are missing, e.g. {absent[0]}")
    val = []
    for line in annotations.read_text().splitlines():
        if line.strip():
            name, wnid, *_ = line.split("\t")
            val.append((folder / "val" / "images" / name, index[wnid]))
    return folder, wnids, train, val


def load_tiny_imagenet_subset(root: Path | None, augment: bool, download: bool) -> DataSplits:
    folder, _, train, val = tiny_imagenet_rows(root)
    train_split, test_split = decoded(folder, train, val, 64)
    return in_memory_splits(TINY_IMAGENET_INFO, train_split, test_split,
                            augment=Augment(pad=8, flip=True) if augment else None, source=str(folder))


def load_tiny_imagenet_as_imagenet(root: Path | None, augment: bool, download: bool) -> DataSplits:
    """`make paper-check`'s ImageNet stand-in: the same Tiny-ImageNet images read by the ImageNet loader (an
    ImageFolder tree of links, 64×64 JPEGs upscaled by its 224×224 crops) under a 1000-way head, so an ImageNet
    config's network, input size, cost and data path are the paper's; its accuracy means nothing."""
    folder, wnids, train, val = tiny_imagenet_rows(root)
    return image_folder_splits(image_folder_view(folder, wnids, train, val), TINY_AS_IMAGENET, augment,
                               num_classes=1000)


def image_folder_view(folder: Path, classes: list[str], train: Rows, val: Rows) -> Path:
    """An ImageFolder tree ({train,val}/<class>/<file> as symbolic links) of the rows, made once beside the images
    (or in the temp folder when that is read-only); built under a temporary name and renamed, so a reader never
    sees half of one."""
    for parent in (folder, Path(tempfile.gettempdir())):
        view = parent / f".prunebench-imagefolder-{rows_key(train + val)}"
        if view.is_dir():
            return view
        building = parent / f"{view.name}.tmp-{os.getpid()}"
        try:
            for split, rows in (("train", train), ("val", val)):
                for c in classes:
                    (building / split / c).mkdir(parents=True, exist_ok=True)
                for path, label in rows:
                    (building / split / classes[label] / path.name).symlink_to(path.resolve())
            building.rename(view)
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
            if view.is_dir():  # another process finished it first
                return view
            continue
        return view
    raise OSError(f"could not write an ImageFolder view of {folder} there or in {tempfile.gettempdir()}")
