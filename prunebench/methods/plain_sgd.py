"""Plain SGD, gRDA's comparison (methods.md §11): no momentum, no weight decay, enforced.

The same lr schedule, initialisation (same seed) and epochs as the gRDA run it is compared with;
numerically it equals gRDA with c = 0.
"""
from __future__ import annotations

import torch
from torch import nn

from prunebench.config import OptimizerConfig
from prunebench.methods.base import Method, register
from prunebench.methods.grda import plain_optimizer_config


@register("sgd")
class PlainSGD(Method):
    def build_optimizer(self, model: nn.Module, config: OptimizerConfig) -> torch.optim.Optimizer:
        plain_optimizer_config(config, "sgd", self.name)
        return torch.optim.SGD(model.parameters(), lr=config.lr)
