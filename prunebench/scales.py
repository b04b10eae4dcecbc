"""The scales, declared once: how a paper-scale cell is shrunk for a laptop or a test.

- paper: the published settings (GPUs; CIFAR-10/ImageNet on disk).
- quick: minutes per table on a 2-core CPU, on offline copies of the papers' own data (`make data`): CIFAR-10 as
  JPEG for CIFAR-10 configs and, under a 100-way head, for CIFAR-100 configs (no CIFAR-100 copy exists offline);
  a 100-images-per-class Tiny-ImageNet-200 subset at 64×64 for ImageNet configs; narrower models, shorter budgets,
  3 seeds.
- smoke: seconds, synthetic data, tiny models; what the tests run.
A scale never changes the method or its hyperparameters, only data, width, budgets, images, seeds, batch and the
dense-baseline recipe. What a table does differently at a scale is data beside the table — a mapping from scale
names to values that `Scale.pick` resolves, a reduced scale falling back to the entry `REDUCED` — and a method
hyperparameter a budget forces off the paper's value is an `Override`, printed and recorded with the table. A table
whose runs would measure nothing at a scale declares `NotRun(why)` there instead of running.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from prunebench.config import OptimizerConfig
from prunebench.registry import Registry

T = TypeVar("T")
REDUCED = "reduced"  # a table's entry for every scale that shrinks the paper and has no entry of its own
PRETRAINED_OPTION = "weights"  # the model option naming published pretrained weights
_REQUIRED: Any = object()


@dataclass(frozen=True)
class NotRun:
    """A table's entry for a scale at which it runs nothing, with the reason the report and the command print."""

    why: str


class NotRunAtScale(Exception):
    """`Scale.pick` found the table's `NotRun`: the script records the reason instead of running."""

    def __init__(self, scale: str, why: str):
        super().__init__(f"not run at {scale} scale: {why}")
        self.scale, self.why = scale, why


@dataclass(frozen=True)
class Scale:
    name: str
    dataset: str | tuple[tuple[str, str], ...] | None  # one set for all, (paper's set, ours) pairs, None: the paper's
    width: float
    max_epochs: int | None  # None: the paper's epochs
    train_subset: int | None
    seeds: tuple[int, ...]
    batch_size: int | None  # None: the paper's batch size
    eval_every: int  # epochs between trial hard-prune evaluations (0: only the final one)
    description: str
    baseline_optimizer: OptimizerConfig | None = None  # a dense baseline trained here; None: the table's recipe
    falls_back_to: tuple[str, ...] = ()  # where `pick` looks for a table's value this scale does not name
    # model -> its own width where `width` would cut a thin network too far (ResNet-56 or DenseNet-40 at 1/4 width
    # keep 4 channels in their first stage)
    widths: tuple[tuple[str, float], ...] = ()

    @property
    def reduced(self) -> bool:
        return self.name != "paper"

    def width_for(self, model: str) -> float:
        """The width this scale trains `model` at: its own entry in `widths`, else the scale's `width`."""
        return dict(self.widths).get(model, self.width)

    def epochs(self, paper_epochs: int) -> int:
        return paper_epochs if self.max_epochs is None else min(paper_epochs, self.max_epochs)

    def dataset_for(self, paper_dataset: str) -> str:
        if self.dataset is None or isinstance(self.dataset, str):
            return self.dataset or paper_dataset
        found = dict(self.dataset).get(paper_dataset)
        if found is None:
            raise LookupError(f"scale {self.name!r} declares no data set in place of {paper_dataset!r} (it declares "
                              f"{', '.join(f'{a} -> {b}' for a, b in self.dataset)})")
        return found

    @property
    def substitutes(self) -> list[str]:
        """The data sets this scale trains on in place of the papers'."""
        if self.dataset is None:
            return []
        return [self.dataset] if isinstance(self.dataset, str) else list(dict.fromkeys(b for _, b in self.dataset))

    def images(self, paper_images: int | None = None) -> int | None:
        """Training images per epoch (None: the whole split)."""
        return self.train_subset or paper_images

    def batch(self, paper_batch: int) -> int:
        return self.batch_size or paper_batch

    def model_options(self, paper_options: Mapping[str, Any] | tuple[tuple[str, Any], ...]) -> dict[str, Any]:
        """The paper's model options, without its pretrained weights where the scale changes data or width
        (they would not fit the model)."""
        options = dict(paper_options)
        if self.reduced:
            options.pop(PRETRAINED_OPTION, None)
        return options

    def baseline_recipe(self, paper_optimizer: OptimizerConfig) -> OptimizerConfig:
        return self.baseline_optimizer or paper_optimizer

    def pick(self, by_scale: Mapping[str, T | NotRun], default: T = _REQUIRED, what: str = "a value") -> T:
        """A table's value for this scale, declared as data: its own entry, else its fallbacks' (`REDUCED` for
        every reduced scale), else `default`; a scale the table has no value for is named, not a KeyError, and one
        it declares `NotRun` raises `NotRunAtScale`."""
        for key in (self.name, *self.falls_back_to):
            if key in by_scale:
                if isinstance(by_scale[key], NotRun):
                    raise NotRunAtScale(self.name, by_scale[key].why)
                return by_scale[key]
        if default is _REQUIRED:
            raise LookupError(f"no {what} is declared for scale {self.name!r} (looked up "
                              f"{', '.join(repr(k) for k in (self.name, *self.falls_back_to))}; declared for "
                              f"{', '.join(repr(k) for k in by_scale) or 'none'})")
        return default


@dataclass(frozen=True)
class Override:
    """A method hyperparameter that a scale's budget forces off the paper's value, with the reason: declared beside
    the table, printed before its runs and written into its metadata."""

    method: str
    option: str
    paper: str
    scaled: str
    why: str

    @property
    def change(self) -> str:
        return f"{self.method} {self.option}: {self.scaled} (paper: {self.paper})"

    def __str__(self) -> str:
        return f"{self.change}; {self.why}"


@dataclass(frozen=True)
class BaseRecipe:
    """How a reduced scale trains the dense base a table prunes, where the scale's fast baseline would leave it far
    from the converged network the paper prunes: a table declares one per scale as data (`Scale.pick`). Every seed of
    the table starts from this one base, as the papers start from one pretrained model; the committed copy in
    `baselines/` (`prunebench.shipped_bases`) spares a fresh clone its training."""

    optimizer: OptimizerConfig
    epochs: int
    images: int | None = None  # training images per epoch; None: the whole training split
    precision: str = "float32"  # the base only: the runs that start from it train in their own precision


# Fast dense baselines trained here at reduced scales (the papers start from their own; not what they compare).
REDUCED_BASELINE = OptimizerConfig("sgd", lr=0.05, momentum=0.9, weight_decay=5e-4, schedule="cosine")

SCALES: Registry[Scale] = Registry("scale")
SCALES.register("paper")(
    Scale(name="paper", dataset=None, width=1.0, max_epochs=None, train_subset=None, seeds=(0, 1, 2),
          batch_size=None, eval_every=1, description="published settings, full data, full width")
)
QUICK_DATA = (  # the paper's data set -> its offline copy (../shared/data, unpacked by `make data`)
    ("cifar10", "cifar10_jpeg"),
    ("cifar100", "cifar10_jpeg_100class"),  # CIFAR-10 images under a 100-way head: the network is the paper's
    ("cifar100_cifar10stats", "cifar10_jpeg_100class"),
    ("imagenet", "tiny_imagenet200_subset100"),  # 64x64, 200 classes, 100 training images per class
)
SCALES.register("quick")(
    Scale(name="quick", dataset=QUICK_DATA, width=0.25, max_epochs=4, train_subset=12000, seeds=(0, 1, 2),
          batch_size=128, eval_every=0,
          description="the papers' data as offline copies (CIFAR-10 JPEG for CIFAR-10, and under a 100-way head for CIFAR-100; "
          "Tiny-ImageNet-200 subset at 64x64 for ImageNet), 1/4 width (ResNet-18 1/2), <= 4 epochs on 12k training images, "
          "3 seeds, shipped converged bases where a table declares one",
          baseline_optimizer=REDUCED_BASELINE, falls_back_to=(REDUCED,),
          # a converged 1/2-width ResNet-18 base trains in under an hour here (1/4 width stays short of it)
          widths=(("resnet18_cifar", 0.5),))
)
SCALES.register("smoke")(
    Scale(name="smoke", dataset="synthetic", width=0.125, max_epochs=2, train_subset=256, seeds=(0,), batch_size=64,
          eval_every=1, description="synthetic 16x16 data, 1/8 width, 2 epochs; for tests",
          baseline_optimizer=REDUCED_BASELINE, falls_back_to=(REDUCED,))
)
