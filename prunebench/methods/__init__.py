"""Pruning methods, one module each, registered by name on import."""
from prunebench.methods import (  # noqa: F401  (registration)
    admm,
    dense,
    finetune,
    grda,
    greg,
    group_pruning,
    imp,
    magnitude,
    magnitude_global,
    plain_sgd,
    proximal_slimming,
    slimming,
    slr,
)
from prunebench.methods.base import METHODS, EpochContext, Method

__all__ = ["METHODS", "EpochContext", "Method"]
