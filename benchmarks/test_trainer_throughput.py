"""Training throughput (images/s): prunebench's Trainer.train_epoch vs the papers' DataLoader loop.

prunebench side: the real `Trainer.train_epoch` (Dense method, SGD, batch 128) over an in-memory
`TensorSource` whose batches are gathered, pad-cropped, flipped and normalised with vectorised tensor
ops, in the memory format `prunebench.memory_format` picks by default (NHWC for this model).

Reference side, written the way the papers' training scripts load data (kuangliu/pytorch-cifar, which
the SLR code builds on): `torchvision.datasets.FashionMNIST` (the same Debian idx files, decompressed
into a temporary folder) with per-sample PIL transforms RandomCrop(28, padding=2), RandomHorizontalFlip,
ToTensor, Normalize, behind a `DataLoader(batch_size=128, shuffle=True, num_workers=2)`; NCHW
(contiguous) model; loop zero_grad / forward / CE / backward / step / loss.item().

Both sides train the same initial ResNet-18 (width 0.25) on the same 2048 training images (16 batches)
per round. A third, compute-only loop times the same steps on 16 batches augmented and formatted once
beforehand: the reference's time over it (`ceiling_vs_reference`) is the most any data pipeline could
gain with this model in this memory format, so it says whether the 3x target is reachable at all. num_workers=2 is what those scripts pass; on this 2-core machine the two workers compete
with the two compute threads, which is part of what is measured. The reference loader keeps its
workers between rounds (persistent_workers=True): the fork and start-up a real 469-batch epoch
amortises would otherwise weigh 30x more in a 16-batch epoch, so this choice favours the reference.
"""
from __future__ import annotations

import copy
import gzip
import shutil
import time
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset
from torchvision import transforms
from torchvision.datasets import FashionMNIST

from benchmarks.common import BATCH, IMAGES, MODEL, SUBSET_SEED, WIDTH, make_model, median
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.data import DataSplits
from prunebench.data.fashion_mnist import DEBIAN_DIR, INFO, SPLITS
from prunebench.methods import METHODS
from prunebench.train import Trainer

ROUNDS = 4  # measured rounds per side, after one warm-up round each
OPTIMIZER = OptimizerConfig(name="sgd", lr=0.01, momentum=0.9, weight_decay=5e-4)
SANITY_FLOOR = 1.0  # prunebench must at least not be slower than the reference
TARGET = 3.0  # the design goal, reported, not asserted


@pytest.fixture(scope="module")
def torchvision_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A torchvision FashionMNIST root holding the Debian files, decompressed as torchvision expects them."""
    root = tmp_path_factory.mktemp("torchvision")
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in (name for names in SPLITS.values() for name in names):
        with gzip.open(DEBIAN_DIR / f"{name}.gz", "rb") as source, open(raw / name, "wb") as target:
            shutil.copyfileobj(source, target)
    return root


def reference_loader(root: Path, index: torch.Tensor) -> DataLoader:
    transform = transforms.Compose(
        [
            transforms.RandomCrop(28, padding=2),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize(INFO.mean, INFO.std),
        ]
    )
    dataset = FashionMNIST(str(root), train=True, transform=transform, download=False)
    return DataLoader(
        Subset(dataset, index.tolist()), batch_size=BATCH, shuffle=True, num_workers=2, persistent_workers=True
    )


def reference_epoch(model: torch.nn.Module, optimizer: torch.optim.Optimizer, loader: DataLoader) -> float:
    """One epoch as the papers' `train(epoch)` runs it; returns the mean loss."""
    model.train()
    total = 0.0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


def compute_epoch(model: torch.nn.Module, optimizer: torch.optim.Optimizer, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
    """The training steps of one epoch with no data work at all: the floor under any loader."""
    model.train()
    for inputs, targets in batches:
        optimizer.zero_grad(set_to_none=False)
        F.cross_entropy(model(inputs), targets).backward()
        optimizer.step()


def sgd(model: torch.nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=OPTIMIZER.lr, momentum=OPTIMIZER.momentum, weight_decay=OPTIMIZER.weight_decay)


def test_trainer_throughput(benchmark, fashion: DataSplits, subset_index: torch.Tensor, torchvision_root: Path, tmp_path: Path):
    channels_last = Operational().channels_last
    initial = make_model()

    # prunebench: the product's loop over the same 2048 images
    train = fashion.train.subset(IMAGES, torch.Generator().manual_seed(SUBSET_SEED))
    assert torch.equal(train.images, fashion.train.images[subset_index])
    splits = DataSplits(fashion.info, train, fashion.test, fashion.source)
    config = RunConfig(dataset="fashion_mnist", model=MODEL, width=WIDTH, batch_size=BATCH, optimizer=OPTIMIZER)
    dense = METHODS.get("dense").from_dict({}, {})
    trainer = Trainer(
        copy.deepcopy(initial), splits, dense, config, tmp_path / "checkpoint.pt", progress=False, channels_last=channels_last
    )

    # reference: the same images through torchvision's dataset class and a DataLoader
    loader = reference_loader(torchvision_root, subset_index)
    assert torch.equal(loader.dataset.dataset.data[subset_index].unsqueeze(1), train.images)
    ref_model = copy.deepcopy(initial)
    ref_optimizer = sgd(ref_model)

    # compute only: the product's model and memory format, batches prepared once
    floor_model = copy.deepcopy(initial).to(memory_format=trainer.memory_format)
    floor_optimizer = sgd(floor_model)
    prepared = [(x.contiguous(memory_format=trainer.memory_format), y) for x, y in train.batches(BATCH, torch.Generator().manual_seed(0))]

    ours: list[float] = []
    reference: list[float] = []
    floor: list[float] = []

    def timed_reference() -> None:  # pedantic's setup: runs before every prunebench round, untimed by it
        began = time.perf_counter()
        reference_epoch(ref_model, ref_optimizer, loader)
        reference.append(time.perf_counter() - began)
        began = time.perf_counter()
        compute_epoch(floor_model, floor_optimizer, prepared)
        floor.append(time.perf_counter() - began)

    def timed_ours() -> None:
        began = time.perf_counter()
        trainer.train_epoch(1)
        ours.append(time.perf_counter() - began)

    # warm-up of both sides (oneDNN primitive caches, allocator, worker start-up), not counted
    timed_reference()
    timed_ours()
    for times in (ours, reference, floor):
        times.clear()

    benchmark.pedantic(timed_ours, setup=timed_reference, rounds=ROUNDS)
    loader = None  # drops the last reference: the persistent workers shut down

    ours_ips, ref_ips = IMAGES / median(ours), IMAGES / median(reference)
    ratio = ref_ips and ours_ips / ref_ips
    floor_ips = IMAGES / median(floor)
    ceiling = floor_ips / ref_ips
    benchmark.extra_info.update(
        {
            "images_per_round": IMAGES,
            "channels_last": trainer.memory_format == torch.channels_last,
            "prunebench_images_per_s": round(ours_ips, 1),
            "reference_images_per_s": round(ref_ips, 1),
            "prunebench_epoch_s": [round(t, 3) for t in ours],
            "reference_epoch_s": [round(t, 3) for t in reference],
            "ratio_vs_reference": round(ratio, 3),
            "compute_only_images_per_s": round(floor_ips, 1),
            "ceiling_vs_reference": round(ceiling, 3),
            "target_ratio": TARGET,
        }
    )
    print(
        f"\ntrainer throughput: prunebench {ours_ips:.0f} img/s, reference DataLoader loop {ref_ips:.0f} img/s, "
        f"ratio {ratio:.2f}x (target >= {TARGET}x); compute only {floor_ips:.0f} img/s, the ceiling of any "
        f"data pipeline with this model: {ceiling:.2f}x"
    )
    assert ratio > SANITY_FLOOR, f"prunebench's loop is only {ratio:.2f}x the reference's throughput"
