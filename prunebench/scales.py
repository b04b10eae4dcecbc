"""The three scales, declared once: how a paper-scale cell is shrunk for a laptop or a test.

- paper: the published settings (GPUs; CIFAR-10/ImageNet on disk).
- quick: minutes on a 2-core CPU, on the embedded Fashion-MNIST, narrower models, shorter budgets.
- smoke: seconds, synthetic data, tiny models; what the tests run.
A scale never changes the method or its hyperparameters, only data, width, budgets and seeds.
"""
from __future__ import annotations

from dataclasses import dataclass

from prunebench.registry import Registry


@dataclass(frozen=True)
class Scale:
    name: str
    dataset: str | None  # None: the paper's data set
    width: float
    max_epochs: int | None  # None: the paper's epochs
    train_subset: int | None
    seeds: tuple[int, ...]
    batch_size: int | None  # None: the paper's batch size
    eval_every: int  # epochs between trial hard-prune evaluations (0: only the final one)
    description: str

    def epochs(self, paper_epochs: int) -> int:
        return paper_epochs if self.max_epochs is None else min(paper_epochs, self.max_epochs)

    def dataset_for(self, paper_dataset: str) -> str:
        return self.dataset or paper_dataset


SCALES: Registry[Scale] = Registry("scale")
SCALES.register("paper")(
    Scale("paper", None, 1.0, None, None, (0, 1, 2), None, 1, "published settings, full data, full width")
)
SCALES.register("quick")(
    Scale("quick", "fashion_mnist", 0.25, 4, 12000, (0,), 128, 0,
          "Fashion-MNIST 28x28x1, 1/4 width, <= 4 epochs on 12k training images, 1 seed")
)
SCALES.register("smoke")(
    Scale("smoke", "synthetic", 0.125, 2, 256, (0,), 64, 1, "synthetic 16x16 data, 1/8 width, 2 epochs; for tests")
)
