"""Data loading: small files in the real on-disk formats, the vectorised augmentation, and the real Debian set."""
from __future__ import annotations

import gzip
import hashlib
import pickle
import struct
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.datasets import CIFAR10, CIFAR100

from prunebench.data import (
    DATASETS,
    Augment,
    DatasetInfo,
    DatasetNotFoundError,
    TensorSource,
    dataset_loader,
    default_data_root,
    load_dataset,
)
from prunebench.data.base import draw_crop_flip, pad_crop_flip
from prunebench.data.fashion_mnist import DEBIAN_DIR
from prunebench.registry import UnknownNameError

pytestmark = pytest.mark.unit

FASHION_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """An idx file: big-endian magic (0x08 = uint8, then the number of dims), the dims, then the raw bytes."""
    magic = 0x0800 + array.ndim if magic is None else magic
    return struct.pack(f">{1 + array.ndim}I", magic, *array.shape) + array.astype(np.uint8).tobytes()


def write_fashion(folder: Path, *, gzipped: bool, sizes: tuple[int, int] = (6, 4)) -> dict[str, np.ndarray]:
    """The four Fashion-MNIST idx files with random content; returns what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    written = {}
    for (split, (images_name, labels_name)), count in zip(FASHION_FILES.items(), sizes, strict=True):
        arrays = {
            images_name: rng.integers(0, 256, (count, 28, 28), dtype=np.uint8),
            labels_name: rng.integers(0, 10, count, dtype=np.uint8),
        }
        for name, array in arrays.items():
            data = idx_bytes(array)
            (folder / (f"{name}.gz" if gzipped else name)).write_bytes(gzip.compress(data) if gzipped else data)
        written[f"{split}_images"], written[f"{split}_labels"] = arrays.values()
    return written


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="fashion_mnist"):
        load_dataset("mnist-typo")
    assert {"fashion_mnist", "cifar10", "cifar100", "imagenet", "synthetic"} <= set(DATASETS.names())


def test_default_data_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PRUNEBENCH_DATA", str(tmp_path))
    assert default_data_root() == tmp_path
    monkeypatch.delenv("PRUNEBENCH_DATA")
    assert default_data_root() == Path.home() / ".cache" / "prunebench" / "data"


# ---- Fashion-MNIST --------------------------------------------------------------------------------------


@pytest.mark.parametrize("gzipped", [True, False], ids=["gzip", "raw"])
def test_fashion_mnist_reads_idx_files_exactly(tmp_path, gzipped):
    written = write_fashion(tmp_path / "fashion-mnist", gzipped=gzipped)
    splits = load_dataset("fashion_mnist", root=tmp_path, download=False)
    assert splits.source == str(tmp_path / "fashion-mnist")
    assert (splits.info.in_channels, splits.info.num_classes, splits.info.image_size) == (1, 10, 28)
    for split in ("train", "test"):
        source = getattr(splits, split)
        assert source.images.shape == (len(written[f"{split}_images"]), 1, 28, 28)
        assert np.array_equal(source.images[:, 0].numpy(), written[f"{split}_images"])
        assert np.array_equal(source.labels.numpy(), written[f"{split}_labels"])
    assert splits.train.shuffle and splits.train.augment == Augment(pad=2, flip=True)
    assert not splits.test.shuffle and splits.test.augment is None
    assert load_dataset("fashion_mnist", root=tmp_path, augment=False, download=False).train.augment is None


def test_fashion_mnist_reads_torchvision_layout(tmp_path):
    raw = tmp_path / "fashion-mnist" / "FashionMNIST" / "raw"
    written = write_fashion(raw, gzipped=False)
    splits = load_dataset("fashion_mnist", root=tmp_path, download=False)
    assert splits.source == str(raw)
    assert np.array_equal(splits.test.labels.numpy(), written["test_labels"])


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncate", "train-images-idx3-ubyte: truncated"),
        ("truncate_gzip", "train-images-idx3-ubyte.gz: damaged gzip data"),
        ("magic", "train-images-idx3-ubyte: bad idx magic number 2049, expected 2051"),
        ("count", "has 6 images but .*train-labels-idx1-ubyte has 5 labels"),
    ],
)
def test_fashion_mnist_corrupt_files_say_which_and_what(tmp_path, damage, message):
    folder = tmp_path / "fashion-mnist"
    written = write_fashion(folder, gzipped=damage == "truncate_gzip")
    images = written["train_images"]
    if damage == "truncate":
        (folder / "train-images-idx3-ubyte").write_bytes(idx_bytes(images)[:-100])
    elif damage == "truncate_gzip":
        (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images))[:-20])
    elif damage == "magic":
        (folder / "train-images-idx3-ubyte").write_bytes(idx_bytes(images, magic=2049))
    else:
        (folder / "train-labels-idx1-ubyte").write_bytes(idx_bytes(written["train_labels"][:5]))
    with pytest.raises(ValueError, match=message) as error:
        load_dataset("fashion_mnist", root=tmp_path, download=False)
    assert "\n" not in str(error.value)


def test_fashion_mnist_missing_says_where_it_looked_and_how_to_get_it(tmp_path):
    with pytest.raises(DatasetNotFoundError) as error:
        load_dataset("fashion_mnist", root=tmp_path, download=False)
    message = str(error.value)
    assert str(tmp_path / "fashion-mnist") in message
    assert str(tmp_path / "fashion-mnist" / "FashionMNIST" / "raw") in message
    for advice in ("apt-get install dataset-fashion-mnist", "$PRUNEBENCH_DATA", "download=True", "download=False"):
        assert advice in message


@pytest.mark.skipif(not DEBIAN_DIR.is_dir(), reason=f"{DEBIAN_DIR} absent: apt-get install dataset-fashion-mnist")
def test_real_debian_fashion_mnist(monkeypatch, tmp_path):
    monkeypatch.setenv("PRUNEBENCH_DATA", str(tmp_path))  # nothing there, so the Debian copy must be used
    splits = load_dataset("fashion_mnist", download=False)
    assert splits.source == str(DEBIAN_DIR)
    assert (len(splits.train), len(splits.test)) == (60000, 10000)
    for source in (splits.train, splits.test):
        assert source.images.shape[1:] == (1, 28, 28)
        assert source.labels.min() == 0 and source.labels.max() == 9
        assert torch.bincount(source.labels).tolist() == [len(source) // 10] * 10


# ---- CIFAR ----------------------------------------------------------------------------------------------


def write_cifar(root: Path, dataset_class: type[CIFAR10], per_file: int = 3) -> dict[str, torch.Tensor]:
    """Pickled batches in torchvision's layout, with the keys the official archives use; returns NCHW tensors."""
    folder = root / dataset_class.base_folder
    folder.mkdir(parents=True)
    is_100 = dataset_class is CIFAR100
    num_classes = 100 if is_100 else 10
    rng = np.random.default_rng(0)
    written: dict[str, list] = {"train_images": [], "train_labels": [], "test_images": [], "test_labels": []}
    for split, files in (("train", dataset_class.train_list), ("test", dataset_class.test_list)):
        for name, _ in files:
            data = rng.integers(0, 256, (per_file, 3 * 32 * 32), dtype=np.uint8)  # R, G, B planes per row
            labels = rng.integers(0, num_classes, per_file).tolist()
            entry = {"batch_label": name, "data": data, "filenames": [f"{name}_{i}.png" for i in range(per_file)]}
            entry.update({"fine_labels": labels, "coarse_labels": [label // 5 for label in labels]} if is_100 else {"labels": labels})
            (folder / name).write_bytes(pickle.dumps(entry))
            written[f"{split}_images"].append(torch.from_numpy(data.reshape(-1, 3, 32, 32)))
            written[f"{split}_labels"].extend(labels)
    names = [f"class_{i}" for i in range(num_classes)]
    meta = {"fine_label_names": names, "coarse_label_names": names[:20]} if is_100 else {"label_names": names}
    (folder / dataset_class.meta["filename"]).write_bytes(pickle.dumps(meta))
    return {
        key: torch.cat(value) if key.endswith("images") else torch.tensor(value) for key, value in written.items()
    }


def register_md5_sums(monkeypatch, dataset_class: type[CIFAR10], folder: Path) -> None:
    """Give torchvision's integrity check our files' real md5 sums (why: see prunebench/data/cifar.py)."""

    def md5(name: str) -> str:
        return hashlib.md5((folder / name).read_bytes()).hexdigest()

    monkeypatch.setattr(dataset_class, "train_list", [[name, md5(name)] for name, _ in dataset_class.train_list])
    monkeypatch.setattr(dataset_class, "test_list", [[name, md5(name)] for name, _ in dataset_class.test_list])
    monkeypatch.setattr(dataset_class, "meta", {**dataset_class.meta, "md5": md5(dataset_class.meta["filename"])})


@pytest.mark.parametrize(
    ("name", "dataset_class"), [("cifar10", CIFAR10), ("cifar100", CIFAR100), ("cifar100_cifar10stats", CIFAR100)]
)
def test_cifar_reads_torchvision_pickles(monkeypatch, tmp_path, name, dataset_class):
    written = write_cifar(tmp_path, dataset_class)
    folder = tmp_path / dataset_class.base_folder
    with pytest.raises(DatasetNotFoundError, match="md5"):  # the official sums do not match our files
        load_dataset(name, root=tmp_path, download=False)
    register_md5_sums(monkeypatch, dataset_class, folder)
    monkeypatch.setenv("PRUNEBENCH_DATA", str(tmp_path))  # the default root, this time
    splits = load_dataset(name, download=False)
    assert splits.source == str(folder)
    assert splits.info.num_classes == (100 if dataset_class is CIFAR100 else 10)
    for split in ("train", "test"):
        source = getattr(splits, split)
        assert source.images.dtype == torch.uint8 and source.images.is_contiguous()
        assert torch.equal(source.images, written[f"{split}_images"])
        assert torch.equal(source.labels, written[f"{split}_labels"])
    assert len(splits.train) == 3 * len(dataset_class.train_list)
    assert splits.train.augment == Augment(pad=4, flip=True)
    # network slimming's code normalises CIFAR-100 with CIFAR-10's statistics; the plain name uses CIFAR-100's own
    cifar10_stats = ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))
    assert ((splits.info.mean, splits.info.std) == cifar10_stats) == (name != "cifar100")


def test_cifar_missing_explains_layout_and_download(tmp_path):
    with pytest.raises(DatasetNotFoundError) as error:
        load_dataset("cifar10", root=tmp_path, download=False)
    message = str(error.value)
    assert str(tmp_path / "cifar-10-batches-py") in message
    assert "data_batch_5" in message and "download=True" in message


# ---- ImageNet (ImageFolder) -----------------------------------------------------------------------------


def write_image_folder(root: Path) -> None:
    """train/ and val/ with 2 classes x 3 images of 40 px, mixing PNG and JPEG."""
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        for wnid in ("n01440764", "n01443537"):
            (root / split / wnid).mkdir(parents=True)
            for i in range(3):
                image = Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8))
                image.save(root / split / wnid / f"{i}.{'png' if i % 2 else 'JPEG'}")


def test_imagenet_streams_batches_from_an_image_folder(tmp_path):
    write_image_folder(tmp_path / "imagenet")
    splits = dataset_loader("imagenet")(tmp_path, True, False, image_size=32)
    assert splits.source == str(tmp_path / "imagenet")
    assert (splits.info.num_classes, splits.info.image_size, splits.info.in_channels) == (2, 32, 3)
    assert (len(splits.train), splits.train.num_batches(4)) == (6, 2)
    shapes = [(tuple(x.shape), tuple(y.shape)) for x, y in splits.train.batches(4, torch.Generator().manual_seed(0))]
    assert shapes == [((4, 3, 32, 32), (4,)), ((2, 3, 32, 32), (2,))]
    val_labels = torch.cat([y for _, y in splits.test.batches(4)])
    assert val_labels.tolist() == [0, 0, 0, 1, 1, 1]  # unshuffled, classes in sorted folder order

    def train_order(seed: int) -> list[int]:
        return torch.cat([y for _, y in splits.train.batches(3, torch.Generator().manual_seed(seed))]).tolist()

    assert train_order(1) == train_order(1)
    subset = splits.train.fixed_subset(4, seed=0)
    first, second = (torch.cat([x for x, _ in subset.batches(4)]) for _ in range(2))
    assert first.shape == (4, 3, 32, 32) and torch.equal(first, second)  # eval transform: deterministic


def test_imagenet_default_size_and_root_itself(tmp_path):
    write_image_folder(tmp_path)  # train/ and val/ directly under root
    splits = load_dataset("imagenet", root=tmp_path)
    assert splits.source == str(tmp_path) and splits.info.image_size == 224
    images, _ = next(iter(splits.test.batches(2)))
    assert images.shape == (2, 3, 224, 224)


def test_imagenet_missing_explains_layout(tmp_path):
    with pytest.raises(DatasetNotFoundError) as error:
        load_dataset("imagenet", root=tmp_path)
    message = str(error.value)
    assert str(tmp_path / "imagenet") in message
    assert "<dir>/train/<wnid>/*.JPEG" in message and "image-net.org" in message


# ---- synthetic ------------------------------------------------------------------------------------------


def test_synthetic_is_fast_deterministic_and_learnable():
    start = time.perf_counter()
    splits = load_dataset("synthetic")
    assert time.perf_counter() - start < 1.0
    assert (len(splits.train), len(splits.test)) == (512, 256)
    assert splits.train.images.shape[1:] == (1, 16, 16) and splits.info.num_classes == 10
    again = load_dataset("synthetic")
    assert torch.equal(splits.train.images, again.train.images) and torch.equal(splits.test.labels, again.test.labels)
    # nearest class mean, fitted on train, must classify test well: the classes are separable
    train_x, test_x = splits.train.images.flatten(1).float(), splits.test.images.flatten(1).float()
    means = torch.stack([train_x[splits.train.labels == k].mean(0) for k in range(10)])
    accuracy = (torch.cdist(test_x, means).argmin(1) == splits.test.labels).float().mean()
    assert accuracy > 0.9


# ---- the vectorised augmentation and TensorSource -------------------------------------------------------


def test_pad_crop_keeps_shape_and_takes_a_window_of_the_padded_image():
    x = torch.rand(8, 3, 5, 6)
    augment = Augment(pad=2, flip=False)
    out = pad_crop_flip(x, augment, draw_crop_flip([len(x)], augment, torch.Generator().manual_seed(0)))
    assert out.shape == x.shape
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    offsets = []
    for i in range(len(x)):
        matches = [
            (dy, dx) for dy in range(5) for dx in range(5) if torch.equal(out[i], padded[i, :, dy : dy + 5, dx : dx + 6])
        ]
        assert matches, f"sample {i} is not a crop of its padded image"
        offsets.append(matches[0])
    assert len(set(offsets)) > 1


def test_no_pad_no_flip_is_the_identity():
    x = torch.rand(4, 1, 7, 7)
    augment = Augment(pad=0, flip=False)
    assert torch.equal(pad_crop_flip(x, augment, draw_crop_flip([4], augment, None)), x)


def test_flip_mirrors_exactly():
    image = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).view(1, 1, 2, 3)
    mirrored = torch.tensor([[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]]).view(1, 1, 2, 3)
    augment = Augment(pad=0, flip=True)
    out = pad_crop_flip(image.expand(32, 1, 2, 3), augment, draw_crop_flip([32], augment, torch.Generator().manual_seed(0)))
    flipped = [torch.equal(sample, mirrored[0]) for sample in out]
    kept = [torch.equal(sample, image[0]) for sample in out]
    assert all(f != k for f, k in zip(flipped, kept, strict=True))  # every sample is exactly one of the two
    assert any(flipped) and any(kept)


def make_source(**kwargs) -> TensorSource:
    info = DatasetInfo("toy", in_channels=1, num_classes=3, image_size=8, mean=(0.5,), std=(0.25,))
    images = torch.randint(0, 256, (20, 1, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    return TensorSource(images, torch.arange(20) % 3, info, **kwargs)


def test_same_generator_seed_gives_the_same_batches():
    source = make_source(shuffle=True, augment=Augment(pad=2, flip=True))

    def epoch(seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        return list(source.batches(6, torch.Generator().manual_seed(seed)))

    first, second, other = epoch(7), epoch(7), epoch(8)
    assert len(first) == source.num_batches(6) == 4
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(first, second, strict=True))
    assert not all(torch.equal(a[0], b[0]) for a, b in zip(first, other, strict=True))


def test_a_streamed_epoch_is_the_same_whatever_decodes_it_and_its_workers_persist(tmp_path):
    """ImageNet's loader: a sample's random crop and flip come from the epoch's seed and its index, so the batches
    are the same with no worker, with two, and after the workers persisted through an earlier epoch; consecutive
    epochs differ; the generator's stream is two draws an epoch, as with a plain DataLoader."""
    write_image_folder(tmp_path / "imagenet")

    def epochs(workers: int, count: int) -> list[list[torch.Tensor]]:
        splits = dataset_loader("imagenet")(tmp_path, True, False, image_size=24)
        splits.train.num_workers = workers
        generator = torch.Generator().manual_seed(3)
        return [[x for x, _ in splits.train.batches(4, generator)] for _ in range(count)]

    alone, two = epochs(0, 2), epochs(2, 2)
    assert all(torch.equal(a, b) for e, f in zip(alone, two, strict=True) for a, b in zip(e, f, strict=True))
    assert not torch.equal(torch.cat(alone[0]), torch.cat(alone[1]))
    assert dataset_loader("imagenet")(tmp_path, True, False).train.eval_batch == 250


def test_an_epochs_draws_are_the_numbers_a_batch_by_batch_draw_takes():
    """Drawing the epoch's crops and flips before its first batch changes no number: the batches equal those of
    drawing each batch's offsets and flips as it comes (the order results were made with)."""
    source, augment = make_source(shuffle=True, augment=Augment(pad=2, flip=True)), Augment(pad=2, flip=True)
    generator = torch.Generator().manual_seed(5)
    order = torch.randperm(20, generator=generator)
    expected = []
    for start in range(0, 20, 6):
        index = order[start : start + 6]
        n = len(index)
        dy, dx = (torch.randint(0, 5, (n,), generator=generator) for _ in range(2))
        flip = torch.rand(n, generator=generator) < 0.5
        x = torch.nn.functional.pad(source.images[index].float(), (2, 2, 2, 2))
        x = torch.stack([x[i, :, dy[i] : dy[i] + 8, dx[i] : dx[i] + 8] for i in range(n)])
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
        expected.append(((x - source._mean) / source._std, source.labels[index]))
    got = list(source.batches(6, torch.Generator().manual_seed(5)))
    assert len(got) == len(expected) == 4 and augment == source.augment
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(got, expected, strict=True))


def test_an_epoch_on_the_device_reaches_it_in_one_copy():
    """The fast path (the split held on the device): the order, crops and flips of a whole epoch are one host ->
    device copy, where drawing them batch by batch made three blocking copies a batch."""
    from tests.cuda_standin import cuda_standin, uploads

    with cuda_standin():
        source = make_source(shuffle=True, augment=Augment(pad=2, flip=True)).to("cuda")
        uploads.clear()
        batches = list(source.batches(4, torch.Generator().manual_seed(0)))
        assert len(batches) == 5 and all(x.device.type == "cuda" for x, _ in batches)
        assert sum(uploads.values()) == 1


def test_tensor_fixed_subset_is_fixed_unshuffled_and_unaugmented():
    source = make_source(shuffle=True, augment=Augment(pad=2, flip=True))
    subset = source.fixed_subset(5, seed=3)
    assert len(subset) == 5 and not subset.shuffle and subset.augment is None
    assert torch.equal(subset.labels, source.fixed_subset(5, seed=3).labels)
    x, _ = next(iter(subset.batches(5)))
    assert torch.allclose(x * 0.25 * 255 + 0.5 * 255, subset.images.float(), atol=1e-3)


def test_every_registered_data_set_names_a_loader_that_exists():
    """The registry holds "module:loader" entries (imported when loaded): each one resolves, and paper-check's
    ImageNet stand-in is registered under the name its module gives it."""
    from prunebench.data.image_folders import TINY_AS_IMAGENET

    assert all(callable(dataset_loader(name)) for name in DATASETS.names()) and TINY_AS_IMAGENET in DATASETS
