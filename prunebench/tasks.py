"""What a data set's task supplies to the one Trainer: the training loss and the evaluation.

Classification (cross-entropy, top-1/top-5) is registered in `train.py`; other tasks (TuSimple lane rows in
`prunebench.lanes`) register here by the name their `DatasetInfo.task` gives. `Evaluation.top1` holds the
task's headline accuracy in % (TuSimple: lane accuracy), so runs, rows and hard-prune checks are the same code
for every task.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch import nn

from prunebench.registry import Registry


@dataclass
class Evaluation:
    top1: float  # headline accuracy (%): top-1 for classification, the task's own metric otherwise
    top5: float  # top-5 (%) for classification; NaN where the task has none
    loss: float  # the training loss, averaged over the split


class Task(Protocol):
    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor: ...

    def evaluate(self, model: nn.Module, source: Any, device: str, memory_format: torch.memory_format) -> Evaluation: ...


TASKS: Registry[Task] = Registry("task")
