"""What every data set provides: its shape facts and batch iterators for train and test.

Small sets live in memory as uint8 tensors; a batch is gathered, augmented and normalised with
vectorised tensor ops (no per-sample Python), which is what makes the trainer fast on a CPU.
Large sets (ImageNet) stream through a torch DataLoader behind the same interface.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler, SequentialSampler, Subset


class DatasetNotFoundError(FileNotFoundError):
    """A data set is not on disk; the message says every place looked and how to get it."""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    in_channels: int
    num_classes: int
    image_size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    task: str = "classification"  # a name in prunebench.tasks.TASKS: the loss and evaluation it is trained with
    label_classes: int | None = None  # classes the labels use, where fewer than the head's (a stand-in's data)

    @property
    def chance_classes(self) -> int:
        return self.label_classes or self.num_classes


Shard = tuple[int, int]  # (rank, world size): a data-parallel process's part of every batch


def shard_slice(count: int, shard: Shard | None) -> slice:
    """The contiguous part of a `count`-sample batch that process `rank` of `world` trains on."""
    if shard is None:
        return slice(None)
    rank, world = shard
    return slice(rank * count // world, (rank + 1) * count // world)


class BatchSource(Protocol):
    """An epoch's worth of (images, labels) batches; the order depends only on `generator`. With `shard`, each
    batch is cut to that process's part (the same global batches on every process)."""

    def batches(self, batch_size: int, generator: torch.Generator | None = None,
                shard: Shard | None = None) -> Iterable[tuple[torch.Tensor, torch.Tensor]]: ...

    def num_batches(self, batch_size: int) -> int: ...

    def __len__(self) -> int: ...

    def fixed_subset(self, count: int, seed: int = 0) -> BatchSource:
        """A fixed, unshuffled, unaugmented subset of `count` samples (for exact loss evaluation)."""
        ...

    def to(self, device: str | torch.device) -> BatchSource:
        """The split held on `device` where it fits in memory there (batches then come from it), else itself."""
        ...


@dataclass
class DataSplits:
    info: DatasetInfo
    train: BatchSource
    test: BatchSource
    source: str  # where the data was read from, for provenance


@dataclass(frozen=True)
class Augment:
    """Random pad-and-crop (`pad` pixels, zero padding) and horizontal flip, per sample."""

    pad: int = 4
    flip: bool = True


def pad_crop_flip(x: torch.Tensor, augment: Augment, generator: torch.Generator | None) -> torch.Tensor:
    """Vectorised per-sample random crop after zero padding, then random horizontal flip, on x's device. The
    random draws come from the (CPU) generator either way, so a batch is the same wherever it is augmented."""
    n, _, h, w = x.shape
    on = {"device": x.device}
    if augment.pad:
        p = augment.pad
        padded = torch.nn.functional.pad(x, (p, p, p, p))
        dy = torch.randint(0, 2 * p + 1, (n,), generator=generator).to(**on)
        dx = torch.randint(0, 2 * p + 1, (n,), generator=generator).to(**on)
        rows = (dy[:, None] + torch.arange(h, **on))[:, None, :, None]  # n,1,h,1
        cols = (dx[:, None] + torch.arange(w, **on))[:, None, None, :]  # n,1,1,w
        batch = torch.arange(n, **on)[:, None, None, None]
        chans = torch.arange(x.shape[1], **on)[None, :, None, None]
        x = padded[batch, chans, rows, cols]
    if augment.flip:
        flip = (torch.rand(n, generator=generator) < 0.5).to(**on)
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
    return x


class TensorSource:
    """An in-memory split: uint8 NCHW images and int64 labels, batched without a DataLoader."""

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        info: DatasetInfo,
        *,
        shuffle: bool,
        augment: Augment | None = None,
    ):
        if images.dtype != torch.uint8 or images.ndim != 4:
            raise ValueError(f"images must be uint8 NCHW, got {images.dtype} {tuple(images.shape)}")
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images = images
        self.labels = labels.long()
        self.shuffle = shuffle
        self.augment = augment
        self._mean = torch.tensor(info.mean).view(1, -1, 1, 1) * 255.0
        self._std = torch.tensor(info.std).view(1, -1, 1, 1) * 255.0

    def __len__(self) -> int:
        return len(self.labels)

    def num_batches(self, batch_size: int) -> int:
        return -(-len(self) // batch_size)

    def subset(self, count: int, generator: torch.Generator | None = None) -> TensorSource:
        """A fixed random subset of `count` samples (the whole split if count >= len)."""
        if count >= len(self):
            return self
        return self._take(torch.randperm(len(self), generator=generator)[:count])

    def fixed_subset(self, count: int, seed: int = 0) -> TensorSource:
        """A fixed, unshuffled, unaugmented subset of `count` samples (for exact loss evaluation)."""
        generator = torch.Generator().manual_seed(seed)
        clone = self._take(torch.randperm(len(self), generator=generator)[:count])
        clone.shuffle, clone.augment = False, None
        return clone

    def to(self, device: str | torch.device) -> TensorSource:
        clone = self._take(slice(None))
        clone.images, clone.labels = self.images.to(device), self.labels.to(device)
        clone._mean, clone._std = self._mean.to(device), self._std.to(device)
        return clone

    def _take(self, index: torch.Tensor | slice) -> TensorSource:
        clone = object.__new__(TensorSource)
        clone.__dict__.update(self.__dict__)
        index = index if isinstance(index, slice) else index.to(self.images.device)
        clone.images, clone.labels = self.images[index], self.labels[index]
        return clone

    def batches(self, batch_size: int, generator: torch.Generator | None = None,
                shard: Shard | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = torch.randperm(len(self), generator=generator) if self.shuffle else torch.arange(len(self))
        order = order.to(self.images.device)
        for start in range(0, len(self), batch_size):
            index = order[start : start + batch_size]
            x = self.images[index].float()
            if self.augment is not None:  # drawn for the whole batch, so every shard sees the same random numbers
                x = pad_crop_flip(x, self.augment, generator)
            part = shard_slice(len(index), shard)
            yield ((x - self._mean) / self._std)[part], self.labels[index][part]


def in_memory_splits(
    info: DatasetInfo,
    train: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    *,
    augment: Augment | None,
    source: str,
) -> DataSplits:
    """The usual pairing for a small set: a shuffled (optionally augmented) train split, a fixed test split."""
    return DataSplits(
        info=info,
        train=TensorSource(*train, info, shuffle=True, augment=augment),
        test=TensorSource(*test, info, shuffle=False),
        source=source,
    )


class _Transformed(Dataset):
    """(sample, label) pairs with `transform` applied to the sample, so one sample list serves two transforms."""

    def __init__(self, samples: Dataset, transform: Callable[[Any], torch.Tensor]):
        self.samples = samples
        self.transform = transform

    def __len__(self) -> int:
        return len(self.samples)  # type: ignore[arg-type]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        sample, label = self.samples[index]
        return self.transform(sample), label


class LoaderSource:
    """A split too large for memory, streamed through a DataLoader that decodes and augments in worker processes.

    `samples` yields raw (sample, label) pairs, e.g. an ImageFolder without a transform; `transform` makes a
    sample a normalised CHW tensor, and `eval_transform` is the deterministic one that `fixed_subset` uses.
    As for TensorSource, the shuffle order comes from the generator given to `batches`; the workers' random
    augmentation is seeded from it as well (with num_workers=0 it uses torch's global generator).
    """

    def __init__(
        self,
        samples: Dataset,
        transform: Callable[[Any], torch.Tensor],
        *,
        shuffle: bool,
        eval_transform: Callable[[Any], torch.Tensor] | None = None,
        num_workers: int | None = None,
    ):
        self.samples = samples
        self.transform = transform
        self.eval_transform = transform if eval_transform is None else eval_transform
        self.shuffle = shuffle
        self.num_workers = min(4, os.cpu_count() or 1) if num_workers is None else num_workers

    def __len__(self) -> int:
        return len(self.samples)  # type: ignore[arg-type]

    def num_batches(self, batch_size: int) -> int:
        return -(-len(self) // batch_size)

    def batches(self, batch_size: int, generator: torch.Generator | None = None,
                shard: Shard | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """With `shard`, only this process's part of each batch is decoded."""
        dataset = _Transformed(self.samples, self.transform)
        sampler = RandomSampler(dataset, generator=generator) if self.shuffle else SequentialSampler(dataset)
        order = list(sampler)
        parts = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        loader = DataLoader(
            dataset,
            batch_sampler=[part[shard_slice(len(part), shard)] for part in parts],
            num_workers=self.num_workers,
            persistent_workers=False,
            generator=generator,
        )
        return ((images, labels) for images, labels in loader)  # the loader yields lists

    def to(self, device: str | torch.device) -> LoaderSource:
        return self  # streamed from disk: each batch is moved as it comes

    def fixed_subset(self, count: int, seed: int = 0) -> LoaderSource:
        """A fixed, unshuffled subset of `count` samples under the eval transform (for exact loss evaluation)."""
        generator = torch.Generator().manual_seed(seed)
        index = torch.randperm(len(self), generator=generator)[:count].tolist()
        return LoaderSource(Subset(self.samples, index), self.eval_transform, shuffle=False, num_workers=self.num_workers)
