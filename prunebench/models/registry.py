"""The model registry: every network is built by name through `build_model`, with the same core arguments."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from torch import nn

from prunebench.registry import Registry

ModelFactory = Callable[..., nn.Module]

MODELS: Registry[ModelFactory] = Registry("model")
_CORE_ARGUMENTS = ("in_channels", "num_classes", "width")


def build_model(
    name: str, *, in_channels: int, num_classes: int, width: float = 1.0, **options: Any
) -> nn.Module:
    """Build model ``name`` for ``in_channels``-channel inputs and ``num_classes`` classes.

    ``width`` multiplies every channel count; ``options`` are the family's own keyword options,
    checked here so that a misspelt option fails loudly instead of being ignored.
    """
    factory = MODELS.get(name)
    if not width > 0:  # also rejects NaN
        raise ValueError(f"width must be a positive channel multiplier, got {width!r}")
    if in_channels < 1 or num_classes < 1:
        raise ValueError(f"in_channels and num_classes must be >= 1, got {in_channels} and {num_classes}")
    known = [p for p in inspect.signature(factory).parameters if p not in _CORE_ARGUMENTS]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise TypeError(
            f"model {name!r} got unknown option(s) {', '.join(map(repr, unknown))}; "
            f"its options: {', '.join(known) or 'none'}"
        )
    return factory(in_channels=in_channels, num_classes=num_classes, width=width, **options)
