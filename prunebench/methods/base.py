"""The hooks a pruning method has on the one training loop.

A method is constructed from its options dataclass and the sparsity plan, then sees the model at
fixed points of every step and epoch. Everything it needs to continue exactly after a restart goes
through `state_dict` / `load_state_dict`.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from prunebench.config import OptimizerConfig
from prunebench.registry import Registry
from prunebench.sparsity import SparsityPlan, plan_parameters


@dataclass
class EpochContext:
    """What the trainer knows at an epoch's end that a method may use."""

    epoch: int  # 1-based, the epoch just finished
    mean_train_loss: float  # mean cross-entropy over the epoch's minibatches
    fixed_subset_loss: Callable[[], float]  # cross-entropy on a fixed training subset, W as it is now
    # n -> n training minibatches in a fixed order (criteria that look at data, e.g. OBD); given at setup
    training_batches: Callable[[int], Iterator[tuple[torch.Tensor, torch.Tensor]]] | None = None
    epochs: int | None = None  # the run's epoch budget (a method that spreads its schedule over it); None: unknown


class Method:
    """No-op hooks; subclasses override what they need. `Options` is the hyperparameter dataclass."""

    name: ClassVar[str]
    # what it removes, so a table can run it in the protocol of its cells: "weights" (unstructured), "filters",
    # "scaling_factors"; None for a method that prunes nothing (dense training, retraining)
    prunes: ClassVar[str | None] = None
    # its runs are baselines that tables and sessions share: kept apart, under the baselines folder (`make clean`
    # leaves them)
    trains_baselines: ClassVar[bool] = False
    # whether `--launcher torchrun` may shard its batches over processes: each normalises by its shard's batch
    # statistics (no SyncBatchNorm), which a method that reads batch norm would see as a different network
    data_parallel: ClassVar[bool] = True
    # what `finalize` leaves, the word its run's final numbers carry (prunebench.metric_names): "trained" (nothing
    # changes), "finetuned" (a retraining of its parent), "hardprune" (Π_S on the prune set), "pruned" (filters or
    # channels removed)
    final: ClassVar[str] = "trained"

    @dataclass(frozen=True)
    class Options:
        pass

    def __init__(self, options: Any, plan: SparsityPlan):
        self.options = options
        self.plan = plan
        self.log: list[dict[str, Any]] = []  # one row per multiplier/Z update, for figures
        self._parameters: tuple[int, list[nn.Parameter]] | None = None

    def parameters(self, model: nn.Module) -> list[nn.Parameter]:
        """The planned weights of `model`, in plan order (looked up once per model: a hot path)."""
        if self._parameters is None or self._parameters[0] != id(model):
            self._parameters = (id(model), plan_parameters(model, self.plan))
        return self._parameters[1]

    @classmethod
    def from_dict(cls, options: dict[str, Any], plan: SparsityPlan) -> Method:
        return cls(cls.options_from_dict(options), plan)

    @classmethod
    def options_from_dict(cls, options: dict[str, Any]) -> Any:
        """The method's `Options`, checked: unknown names, non-finite numbers and each option's own range (its
        `__post_init__`) fail here, before any training (the runner checks a run and its parents first)."""
        known = {f.name for f in dataclasses.fields(cls.Options)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(f"method {cls.name!r} has no option(s) {unknown}; options: {sorted(known)}")
        for name, value in options.items():  # NaN passes every `x > 0` check a method makes by failing none
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"method {cls.name!r} option {name}={value} is not a finite number")
        return cls.Options(**options)

    def setup(self, model: nn.Module, context: EpochContext) -> None:
        """Called once before the first epoch (not again on resume); context.epoch is 0."""

    def build_optimizer(self, model: nn.Module, config: OptimizerConfig) -> torch.optim.Optimizer | None:
        """The method's own optimizer when the optimizer is part of the algorithm (gRDA, proximal NS's
        gradient step); None: the trainer builds `config.name` from its OPTIMIZERS registry."""
        return None

    def after_backward(self, model: nn.Module) -> None:
        """Gradient edits (penalty gradients, masks)."""

    def after_step(self, model: nn.Module) -> None:
        """Proximal or projection steps on the weights."""

    def should_stop(self) -> bool:
        """True once the method's own schedule has ended (GReg after stabilisation): training stops
        after the current step, before the epoch budget is spent."""
        return False

    def on_epoch_end(self, model: nn.Module, context: EpochContext) -> dict[str, float]:
        """Multiplier / Z updates; returns scalars to log for this epoch."""
        return {}

    def finalize(self, model: nn.Module) -> dict[str, float]:
        """Turn the trained model into the final one (what `final` names); returns scalars to record."""
        return {}

    def structure(self) -> dict[str, list[int]] | None:
        """Filters `finalize` physically removed (layer -> kept indices), so later runs can rebuild the
        narrow model; None when the architecture is unchanged."""
        return None

    def summary(self) -> dict[str, float]:
        """Scalars summarising the whole run's method log (written as result metrics)."""
        return {}

    NOT_STATE: ClassVar[frozenset[str]] = frozenset({"options", "plan", "log", "_parameters"})

    def to(self, device: torch.device | str) -> Method:
        """Move every tensor the method holds (in attributes, lists, tuples and dicts) to `device`: after
        `load_state_dict` of a CPU-mapped checkpoint, the state must live where the parameters do."""
        for name, value in vars(self).items():
            if name not in self.NOT_STATE:
                setattr(self, name, _moved(value, device))
        return self

    def state_dict(self) -> dict[str, Any]:
        return {"log": self.log}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.log = state["log"]


METHODS: Registry[type[Method]] = Registry("method")


def _moved(value: Any, device: torch.device | str) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
        return type(value)(*(_moved(v, device) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(_moved(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _moved(v, device) for k, v in value.items()}
    return value


def register(name: str) -> Callable[[type[Method]], type[Method]]:
    def decorator(cls: type[Method]) -> type[Method]:
        cls.name = name
        return METHODS.register(name)(cls)

    return decorator

