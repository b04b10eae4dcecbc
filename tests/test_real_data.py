"""The offline real-data copies: archives verified and unpacked once into the data root, and the loaders of the
JPEG image sets (on small trees made here, and on the real archives where ../shared/data has them)."""
from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest
import torch
from PIL import Image

from prunebench.data import DatasetNotFoundError, load_dataset
from prunebench.data.archives import SHARED_DATA, ArchiveError, listed, unpack

pytestmark = pytest.mark.unit


def jpeg(path: Path, colour: tuple[int, int, int], size: int, mode: str = "RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, (size, size), colour if mode == "RGB" else colour[0]).save(path, quality=95)


def archive_of(tmp_path: Path, folder: str, files: dict[str, bytes]) -> tuple[Path, str]:
    path = tmp_path / f"{folder}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_archive_is_verified_unpacked_once_and_again_when_it_changes(tmp_path):
    archive, digest = archive_of(tmp_path, "toy", {"a.txt": b"one"})
    root = tmp_path / "root"
    assert unpack(archive, digest, root) == root / "toy"
    assert (root / "toy" / "a.txt").read_bytes() == b"one"
    assert unpack(archive, digest, root) is None  # already there
    archive, digest = archive_of(tmp_path, "toy", {"a.txt": b"two"})
    assert unpack(archive, digest, root) == root / "toy" and (root / "toy" / "a.txt").read_bytes() == b"two"


def test_a_damaged_archive_is_refused_and_nothing_unpacked(tmp_path):
    archive, digest = archive_of(tmp_path, "toy", {"a.txt": b"one"})
    with pytest.raises(ArchiveError, match="damaged copy"):
        unpack(archive, "0" * 64, tmp_path / "root")
    assert not (tmp_path / "root" / "toy").exists()


def test_an_archive_reaching_outside_its_folder_is_refused(tmp_path):
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("toy/../../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises((ArchiveError, tarfile.TarError)):
        unpack(path, hashlib.sha256(path.read_bytes()).hexdigest(), tmp_path / "root")
    assert not (tmp_path / "escaped.txt").exists()


def test_cifar10_jpeg_reads_the_class_folders_and_caches_the_decoded_images(tmp_path):
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    for label, name in enumerate(classes):
        for split, count in (("train", 2), ("test", 1)):
            for i in range(count):
                jpeg(tmp_path / "cifar10-jpeg" / split / name / f"{i:04d}.jpg", (25 * label, 100, 200), 32)
    splits = load_dataset("cifar10_jpeg", root=tmp_path)
    assert splits.info.name == "cifar10_jpeg" and splits.info.num_classes == 10
    assert splits.train.images.shape == (20, 3, 32, 32) and splits.train.images.dtype == torch.uint8
    assert splits.train.labels.tolist() == [i // 2 for i in range(20)]
    assert abs(int(splits.test.images[3, 0].float().mean()) - 75) <= 3  # class 3's red channel, through JPEG
    assert list((tmp_path / "cifar10-jpeg").glob(".prunebench-uint8-*.pt"))
    again = load_dataset("cifar10_jpeg", root=tmp_path)
    assert torch.equal(again.train.images, splits.train.images)


def test_tiny_imagenet_subset_takes_the_first_100_per_class_and_the_labelled_validation_set(tmp_path):
    folder = tmp_path / "tiny-imagenet-200"
    wnids = ["n02", "n01"]
    folder.mkdir()
    (folder / "wnids.txt").write_text("\n".join(wnids) + "\n")
    for w in wnids:
        for i in range(101):  # one more than the subset takes, as in a full copy
            jpeg(folder / "train" / w / "images" / f"{w}_{i}.JPEG", (10, 10, 10), 64, mode="L" if i == 0 else "RGB")
    jpeg(folder / "val" / "images" / "val_0.JPEG", (1, 2, 3), 64)
    jpeg(folder / "val" / "images" / "val_1.JPEG", (1, 2, 3), 64)
    (folder / "val" / "val_annotations.txt").write_text("val_0.JPEG\tn02\t0\t0\t9\t9\nval_1.JPEG\tn01\t0\t0\t9\t9\n")
    splits = load_dataset("tiny_imagenet200_subset100", root=tmp_path)
    assert splits.train.images.shape == (200, 3, 64, 64)  # greyscale files become RGB
    assert splits.train.labels.bincount().tolist() == [100, 100]
    assert splits.test.labels.tolist() == [1, 0]  # classes in sorted wnid order: n01 = 0, n02 = 1


def test_a_missing_image_set_says_how_to_get_it(tmp_path):
    for name in ("cifar10_jpeg", "tiny_imagenet200_subset100"):
        with pytest.raises(DatasetNotFoundError, match="make data"):
            load_dataset(name, root=tmp_path)


@pytest.mark.skipif(not (SHARED_DATA / "SHA256SUMS").exists(), reason="no ../shared/data in this checkout")
def test_the_shared_archives_match_their_checksums_and_unpack(tmp_path):
    sums = listed(SHARED_DATA)
    assert {"cifar10-jpeg.tar.gz", "tiny-imagenet-200-subset.tar.gz"} <= set(sums)
    small = {name: digest for name, digest in sums.items() if name.startswith("tusimple")}
    for name, digest in small.items():
        folder = unpack(SHARED_DATA / name, digest, tmp_path)
        assert folder is not None and (folder / "test_label_0627.json").exists()
