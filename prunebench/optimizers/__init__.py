"""Optimizers by name: the trainer's generic SGD/Adam (the OPTIMIZERS registry, which a method may
also use with its own parameter groups) and those that are part of a method's algorithm (gRDA)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from prunebench.config import OptimizerConfig
from prunebench.optimizers.grda import GRDA
from prunebench.registry import Registry

# params: parameters or parameter groups (dicts with their own settings)
OPTIMIZERS: Registry[Callable[[Iterable[Any], OptimizerConfig], torch.optim.Optimizer]] = Registry("optimizer")
OPTIMIZERS.register("adam")(lambda params, c: torch.optim.Adam(params, lr=c.lr, weight_decay=c.weight_decay))
OPTIMIZERS.register("sgd")(
    lambda params, c: torch.optim.SGD(
        params, lr=c.lr, momentum=c.momentum, nesterov=c.nesterov, weight_decay=c.weight_decay
    )
)

__all__ = ["GRDA", "OPTIMIZERS"]
