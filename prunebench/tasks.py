"""What a data set's task supplies to the one Trainer: the training loss and the evaluation.

Every task is declared here by the name a `DatasetInfo.task` gives, as "module:class", imported when a run
trains on it: classification (cross-entropy, top-1/top-5) in `train.py`, TuSimple lane rows in `prunebench.lanes`. `Evaluation.top1` holds the
task's headline accuracy in % (TuSimple: lane accuracy), so runs, rows and hard-prune checks are the same code
for every task.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch import nn

from prunebench.registry import Registry, import_entry


@dataclass
class Evaluation:
    top1: float  # headline accuracy (%): top-1 for classification, the task's own metric otherwise
    top5: float  # top-5 (%) for classification; NaN where the task has none
    loss: float  # the training loss, averaged over the split


class Task(Protocol):
    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor: ...

    def evaluate(self, model: nn.Module, source: Any, device: str, memory_format: torch.memory_format) -> Evaluation: ...

    def chance(self, classes: int) -> float:
        """`Evaluation.top1` (%) of a model that has learnt nothing (NaN where the task has no such level), so a
        claim can tell a comparison of untrained arms from a measurement."""
        ...


TASKS: Registry[str] = Registry("task")
TASKS.register("classification")("prunebench.train:Classification")
TASKS.register("tusimple_lanes")("prunebench.lanes.task:TuSimpleLanes")


def task(name: str) -> Task:
    return import_entry(TASKS.get(name))
