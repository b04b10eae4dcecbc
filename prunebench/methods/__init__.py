"""Pruning methods, one module each, registered by name on import."""
from prunebench.methods import admm, dense, magnitude, slr  # noqa: F401  (registration)
from prunebench.methods.base import METHODS, EpochContext, Method

__all__ = ["METHODS", "EpochContext", "Method"]
