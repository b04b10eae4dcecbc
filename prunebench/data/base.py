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
from torch.utils.data import DataLoader, Dataset, Subset


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

    eval_batch: int  # the batch an evaluation reads it in (streamed 224x224 images: fewer, for shared memory)

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


def draw_crop_flip(batch_sizes: Iterable[int], augment: Augment, generator: torch.Generator | None) -> torch.Tensor:
    """A (3, n) int64 tensor of crop offsets (dy, dx) and flips (0/1) for every sample of an epoch, drawn on the CPU
    batch by batch in the order a per-batch draw takes them (the numbers do not depend on where they are used), so an
    epoch's draws reach a device in one copy instead of three blocking copies a batch."""
    parts = []
    for n in batch_sizes:
        none = torch.zeros(n, dtype=torch.long)
        span = 2 * augment.pad + 1
        dy = torch.randint(0, span, (n,), generator=generator) if augment.pad else none
        dx = torch.randint(0, span, (n,), generator=generator) if augment.pad else none
        flip = (torch.rand(n, generator=generator) < 0.5).long() if augment.flip else none
        parts.append(torch.stack([dy, dx, flip]))
    return torch.cat(parts, dim=1) if parts else torch.zeros(3, 0, dtype=torch.long)


def pad_crop_flip(x: torch.Tensor, augment: Augment, draws: torch.Tensor) -> torch.Tensor:
    """Vectorised per-sample crop after zero padding, then horizontal flip, on x's device; `draws` is the batch's
    columns of `draw_crop_flip`, on the same device."""
    n, _, h, w = x.shape
    on = {"device": x.device}
    if augment.pad:
        p = augment.pad
        padded = torch.nn.functional.pad(x, (p, p, p, p))
        rows = (draws[0][:, None] + torch.arange(h, **on))[:, None, :, None]  # n,1,h,1
        cols = (draws[1][:, None] + torch.arange(w, **on))[:, None, None, :]  # n,1,1,w
        batch = torch.arange(n, **on)[:, None, None, None]
        chans = torch.arange(x.shape[1], **on)[None, :, None, None]
        x = padded[batch, chans, rows, cols]
    if augment.flip:
        x = torch.where(draws[2].bool()[:, None, None, None], x.flip(3), x)
    return x


def upload(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """`tensor` on `device` in one asynchronous copy from pinned memory (a pageable copy blocks the host)."""
    if device.type == "cpu":
        return tensor
    if device.type == "cuda":
        tensor = tensor.pin_memory()
    return tensor.to(device, non_blocking=True)


class TensorSource:
    """An in-memory split: uint8 NCHW images and int64 labels, batched without a DataLoader."""

    eval_batch = 1000  # the batch an evaluation reads it in

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
        """Every random number of the epoch is drawn on the CPU before its first batch (for the whole batch, so every
        shard sees the same ones) and reaches the images' device in one copy."""
        order = torch.randperm(len(self), generator=generator) if self.shuffle else torch.arange(len(self))
        plan = order[None]
        if self.augment is not None:
            sizes = [min(batch_size, len(self) - start) for start in range(0, len(self), batch_size)]
            plan = torch.cat([plan, draw_crop_flip(sizes, self.augment, generator)])
        plan = upload(plan, self.images.device)
        for start in range(0, len(self), batch_size):
            index = plan[0, start : start + batch_size]
            x = self.images[index].float()
            if self.augment is not None:
                x = pad_crop_flip(x, self.augment, plan[1:, start : start + batch_size])
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


class _Seeded(Dataset):
    """(sample, label) pairs with `transform` applied to the sample, fed (index, seed) keys: torch's generator is
    seeded from the epoch's seed and the index before each sample's transform, so a sample's random crop and flip
    depend on neither the worker that decodes it, nor the number of workers, nor whether they persist between epochs
    (nor on an interruption: the epoch's seed comes from the run's checkpointed generator)."""

    def __init__(self, samples: Dataset, transform: Callable[[Any], torch.Tensor]):
        self.samples = samples
        self.transform = transform

    def __len__(self) -> int:
        return len(self.samples)  # type: ignore[arg-type]

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, int]:
        index, seed = key
        sample, label = self.samples[index]
        torch.manual_seed((seed * 1_000_003 + index) % 2**63)
        return self.transform(sample), label


class _EpochOrder:
    """The batch sampler of a loader kept for every epoch: the batches of (index, seed) keys set before each."""

    def __init__(self) -> None:
        self.parts: list[list[tuple[int, int]]] = []

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        return iter(self.parts)

    def __len__(self) -> int:
        return len(self.parts)


def loader_workers() -> int:
    """Decoding processes: every core this process may use but one (the trainer's), at most 16;
    $PRUNEBENCH_LOADER_WORKERS overrides."""
    override = os.environ.get("PRUNEBENCH_LOADER_WORKERS")
    if override:
        return int(override)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(16, cores - 1))


STREAMED_EVAL_BATCH = 250  # ~150 MB of 224x224 images a batch; two in flight per worker sit in shared memory


class LoaderSource:
    """A split too large for memory, streamed through a DataLoader that decodes and augments in worker processes.

    `samples` yields raw (sample, label) pairs, e.g. an ImageFolder without a transform; `transform` makes a
    sample a normalised CHW tensor, and `eval_transform` is the deterministic one that `fixed_subset` uses.
    As for TensorSource, the shuffle order comes from the generator given to `batches`, and so does each epoch's
    augmentation seed (`_Seeded`). The workers persist between epochs (a fresh pool each epoch re-imports and
    re-forks), and batches come in page-locked memory where there is a GPU, for an asynchronous copy.
    """

    eval_batch = STREAMED_EVAL_BATCH

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
        self.num_workers = loader_workers() if num_workers is None else num_workers
        self._order = _EpochOrder()
        self._loader: DataLoader | None = None

    def __len__(self) -> int:
        return len(self.samples)  # type: ignore[arg-type]

    def num_batches(self, batch_size: int) -> int:
        return -(-len(self) // batch_size)

    def batches(self, batch_size: int, generator: torch.Generator | None = None,
                shard: Shard | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """With `shard`, only this process's part of each batch is decoded."""
        order = torch.randperm(len(self), generator=generator) if self.shuffle else torch.arange(len(self))
        # one 64-bit draw, as a DataLoader takes its workers' base seed: the generator's stream is what it was
        seed = int(torch.empty((), dtype=torch.int64).random_(generator=generator)) if generator is not None else 0
        keys = [(index, seed) for index in order.tolist()]
        parts = [keys[i : i + batch_size] for i in range(0, len(keys), batch_size)]
        self._order.parts = [part[shard_slice(len(part), shard)] for part in parts]
        if self._loader is None:
            self._loader = DataLoader(
                _Seeded(self.samples, self.transform), batch_sampler=self._order, num_workers=self.num_workers,
                persistent_workers=self.num_workers > 0, pin_memory=torch.cuda.is_available(),
                generator=torch.Generator(),  # its base seed is unused (`_Seeded`): never the global generator
            )
        return ((images, labels) for images, labels in self._loader)  # the loader yields lists

    def to(self, device: str | torch.device) -> LoaderSource:
        return self  # streamed from disk: each batch is moved as it comes

    def fixed_subset(self, count: int, seed: int = 0) -> LoaderSource:
        """A fixed, unshuffled subset of `count` samples under the eval transform (for exact loss evaluation)."""
        generator = torch.Generator().manual_seed(seed)
        index = torch.randperm(len(self), generator=generator)[:count].tolist()
        return LoaderSource(Subset(self.samples, index), self.eval_transform, shuffle=False, num_workers=self.num_workers)

    def __getstate__(self) -> dict[str, Any]:  # a worker pool does not travel (a launcher pickles the splits' owner)
        return {**self.__dict__, "_loader": None}
