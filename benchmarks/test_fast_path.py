"""The GPU fast path vs the standard path: images/s of paper-scale CIFAR ResNet-18 training, in one run.

Both sides are the real `Trainer.train_epoch` on the full-width CIFAR ResNet-18 (3×32×32 inputs, batch 128, SGD
lr 0.1 momentum 0.9 wd 5e-4, pad-4 crop + flip), from the same initial weights, over the same images:
- standard: the data set in host memory, each batch gathered and augmented on the host and copied to the device;
  memory format by `prunebench.memory_format`'s rule; cudnn's autotuner off; float32.
- fast: the data set held on the device and augmented there (`--data-on-device`), channels-last,
  `--cudnn-benchmark` (together: `--fast`); float32, so the numbers are those of the standard path.
- fast + bf16: the same with `--amp bf16` (a different numerical run: part of the run id).
The device is CUDA where there is one, else the CPU (where "on the device" is the host: the gap is then only
channels-last and bf16, and bf16 is slow without AMX). The images are CIFAR-shaped random bytes: throughput
does not depend on the pixels. Rounds alternate between the sides; medians are compared.
"""
from __future__ import annotations

import copy
import time

import torch

from benchmarks.common import median
from prunebench.config import OptimizerConfig, RunConfig
from prunebench.data import DataSplits
from prunebench.data.base import Augment, TensorSource
from prunebench.data.cifar import CIFAR10_INFO
from prunebench.methods import METHODS
from prunebench.models import build_model
from prunebench.train import Trainer

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
BATCH = 128
BATCHES = 40 if DEVICE == "cuda" else 3  # per measured epoch (a full-width ResNet-18 step takes seconds on 2 cores)
ROUNDS = 5 if DEVICE == "cuda" else 2
OPTIMIZER = OptimizerConfig(name="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4)


def cifar_shaped(count: int) -> DataSplits:
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (count, 3, 32, 32), dtype=torch.uint8, generator=generator)
    labels = torch.randint(0, 10, (count,), generator=generator)
    train = TensorSource(images, labels, CIFAR10_INFO, shuffle=True, augment=Augment(pad=4, flip=True))
    return DataSplits(CIFAR10_INFO, train, TensorSource(images[:BATCH], labels[:BATCH], CIFAR10_INFO, shuffle=False),
                      "random bytes")


def trainer(initial: torch.nn.Module, splits: DataSplits, tmp_path, *, fast: bool, precision: str) -> Trainer:
    if fast:
        splits = DataSplits(splits.info, splits.train.to(DEVICE), splits.test.to(DEVICE), splits.source)
    config = RunConfig(dataset="cifar10", model="resnet18_cifar", batch_size=BATCH, optimizer=OPTIMIZER,
                       precision=precision)
    dense = METHODS.get("dense").from_dict({}, {})
    return Trainer(copy.deepcopy(initial), splits, dense, config, tmp_path / f"{fast}-{precision}.pt", device=DEVICE,
                   progress=False, channels_last=True if fast else None)


def test_fast_path_throughput(benchmark, tmp_path):
    torch.manual_seed(0)
    initial = build_model("resnet18_cifar", in_channels=3, num_classes=10, width=1.0)
    splits = cifar_shaped(BATCH * BATCHES)
    sides = {
        "standard": (trainer(initial, splits, tmp_path, fast=False, precision="float32"), False),
        "fast": (trainer(initial, splits, tmp_path, fast=True, precision="float32"), True),
        "fast_bf16": (trainer(initial, splits, tmp_path, fast=True, precision="bf16"), True),
    }
    seconds: dict[str, list[float]] = {name: [] for name in sides}

    def epoch(name: str) -> None:
        train, autotune = sides[name]
        with torch.backends.cudnn.flags(enabled=True, benchmark=autotune, deterministic=False):
            if DEVICE == "cuda":
                torch.cuda.synchronize()
            began = time.perf_counter()
            train.train_epoch(1)
            if DEVICE == "cuda":
                torch.cuda.synchronize()
        seconds[name].append(time.perf_counter() - began)

    def others() -> None:  # pedantic's setup: the other sides, untimed by pytest-benchmark, timed here
        epoch("standard")
        epoch("fast_bf16")

    for name in sides:  # warm-up: allocator, oneDNN/cudnn kernel choice
        epoch(name)
        seconds[name].clear()
    benchmark.pedantic(lambda: epoch("fast"), setup=others, rounds=ROUNDS)

    images = BATCH * BATCHES
    rate = {name: images / median(times) for name, times in seconds.items()}
    ratios = {"fast_vs_standard": rate["fast"] / rate["standard"], "fast_bf16_vs_standard": rate["fast_bf16"] / rate["standard"]}
    benchmark.extra_info.update({"device": DEVICE, "images_per_round": images,
                                 **{f"{name}_images_per_s": round(r, 1) for name, r in rate.items()},
                                 **{name: round(r, 3) for name, r in ratios.items()}})
    print(f"\nfast path on {DEVICE}: standard {rate['standard']:.0f} img/s, fast {rate['fast']:.0f} img/s "
          f"({ratios['fast_vs_standard']:.2f}x), fast + bf16 {rate['fast_bf16']:.0f} img/s "
          f"({ratios['fast_bf16_vs_standard']:.2f}x)")
    assert all(r > 0 for r in rate.values())
