"""Optimizers that are part of a method's algorithm (not the trainer's generic SGD/Adam)."""
from prunebench.optimizers.grda import GRDA

__all__ = ["GRDA"]
