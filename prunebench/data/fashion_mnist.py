"""Fashion-MNIST, the default set: read from idx files we parse ourselves, held in memory as uint8.

Parsing the idx format directly (a big-endian struct header, then raw bytes) loads 70,000 images in a
fraction of a second and works from any copy: the Debian package, a hand-made folder, or torchvision's.
"""
from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np
import torch
from torchvision.datasets import FashionMNIST

from prunebench.data.base import Augment, DatasetInfo, DatasetNotFoundError, DataSplits, in_memory_splits
from prunebench.data.root import default_data_root

INFO = DatasetInfo(
    name="fashion_mnist", in_channels=1, num_classes=10, image_size=28, mean=(0.2860,), std=(0.3530,)
)
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")  # from `apt-get install dataset-fashion-mnist`
FOLDER = "fashion-mnist"  # under the data root
TORCHVISION_RAW = Path("FashionMNIST") / "raw"  # where torchvision's FashionMNIST(FOLDER) keeps the files
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049  # 0x0803: uint8 data, 3 dims; 0x0801: uint8 data, 1 dim


def read_idx(path: Path, magic: int) -> np.ndarray:
    """One idx file (gzipped if it ends in .gz) as a uint8 array; any damage is a one-line ValueError."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise ValueError(f"{path}: damaged gzip data ({error})") from None
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated idx header ({len(raw)} bytes, need {header})")
    found, *dims = struct.unpack(f">{1 + ndim}I", raw[:header])
    if found != magic:
        raise ValueError(f"{path}: bad idx magic number {found}, expected {magic}")
    size = math.prod(dims)
    if len(raw) - header != size:
        problem = "truncated" if len(raw) - header < size else "has trailing bytes"
        raise ValueError(f"{path}: {problem}: header dims {tuple(dims)} need {size} bytes of data, found {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()


def _read_split(images_path: Path, labels_path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = read_idx(images_path, IMAGES_MAGIC), read_idx(labels_path, LABELS_MAGIC)
    if images.shape[1:] != (INFO.image_size, INFO.image_size):
        raise ValueError(f"{images_path}: images are {images.shape[1]}x{images.shape[2]}, expected {INFO.image_size}x{INFO.image_size}")
    if len(images) != len(labels):
        raise ValueError(f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels")
    if len(labels) and labels.max() >= INFO.num_classes:
        raise ValueError(f"{labels_path}: label {labels.max()} is outside 0..{INFO.num_classes - 1}")
    return torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels)


def _find_file(folder: Path, name: str) -> Path | None:
    """The uncompressed file if present (faster), else the gzipped one."""
    return next((path for path in (folder / name, folder / f"{name}.gz") if path.is_file()), None)


def _load_folder(folder: Path, augment: bool) -> DataSplits | None:
    """Both splits from `folder`, or None if any of the four files is missing there."""
    paths = {split: [_find_file(folder, name) for name in names] for split, names in SPLITS.items()}
    if any(path is None for pair in paths.values() for path in pair):
        return None
    return in_memory_splits(
        INFO,
        _read_split(*paths["train"]),
        _read_split(*paths["test"]),
        augment=Augment(pad=2, flip=True) if augment else None,
        source=str(folder),
    )


def _not_found(looked: list[Path], folder: Path, download_note: str) -> DatasetNotFoundError:
    files = ", ".join(name for names in SPLITS.values() for name in names)
    places = "\n".join(f"  {place}" for place in looked)
    return DatasetNotFoundError(
        f"Fashion-MNIST not found. Looked for its four idx files ({files}, each optionally .gz) in:\n{places}\n"
        f"{download_note}\n"
        "Get it in one of these ways:\n"
        f"  - apt-get install dataset-fashion-mnist  (Debian/Ubuntu; installs {DEBIAN_DIR}, "
        "searched when no root is given)\n"
        f"  - put the four files in {folder}  (that is <data root>/{FOLDER}; the data root is the `root` "
        "argument, else $PRUNEBENCH_DATA, else ~/.cache/prunebench/data)\n"
        f"  - load with download=True on a machine with internet: torchvision downloads into {folder / TORCHVISION_RAW}"
    )


def load_fashion_mnist(root: Path | None, augment: bool, download: bool) -> DataSplits:
    """Search the Debian package (only when no root is given), then <root>/fashion-mnist, then download."""
    folder = (root or default_data_root()) / FOLDER
    looked = ([DEBIAN_DIR] if root is None else []) + [folder, folder / TORCHVISION_RAW]
    for place in looked:
        if (splits := _load_folder(place, augment)) is not None:
            return splits
    if not download:
        raise _not_found(looked, folder, "Download was not attempted (download=False).")
    try:
        FashionMNIST(str(folder), download=True)
    except Exception as error:  # any failure (no network, bad mirror, disk full) ends in the same advice
        raise _not_found(looked, folder, f"torchvision's download into {folder} failed: {str(error).strip()}") from error
    splits = _load_folder(folder / TORCHVISION_RAW, augment)
    if splits is None:
        raise _not_found(looked, folder, f"torchvision's download into {folder} left no complete set of files.")
    return splits
