"""The per-step tensor work of the methods' hooks is a fixed number of operator calls, however many layers the
network has: each call is a kernel launch on a GPU, and a loop over ~800 tensors (PreResNet-164's ξ, WRN-28-10's
weights) costs more launch time than arithmetic. Counted at the dispatcher, where a `_foreach` op over every tensor
is one call and a Python loop is one call per tensor."""
from __future__ import annotations

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from prunebench.methods.greg import add_penalties
from prunebench.methods.proximal_slimming import palm_scaling_step
from prunebench.optimizers.grda import GRDA

pytestmark = pytest.mark.unit


class CountCalls(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.calls += 1
        return func(*args, **(kwargs or {}))


def calls(work, layers: int) -> int:
    tensors = [torch.randn(4, 3) for _ in range(layers)]
    prepared = work(tensors)
    with CountCalls() as counting:
        prepared()
    return counting.calls


def palm(tensors):
    xis = [t.clone() for t in tensors]
    return lambda: palm_scaling_step(tensors, xis, alpha=10.0, beta=1.0, lam=1e-3)


def greg_penalties(tensors):
    for t in tensors:
        t.grad = torch.zeros_like(t)
    lams = [torch.full_like(t, 0.1) for t in tensors]
    return lambda: add_penalties(tensors, lams)


def grda_step(tensors):
    params = [torch.nn.Parameter(t) for t in tensors]
    optimizer = GRDA(params, lr=0.1, c=0.01, mu=0.7, foreach=True)
    for p in params:
        p.grad = torch.ones_like(p)
    optimizer.step()  # its state exists from here on
    return optimizer.step


@pytest.mark.parametrize("work", [palm, greg_penalties, grda_step], ids=["proxns_xi", "greg_penalty", "grda_step"])
def test_a_hooks_operator_calls_do_not_grow_with_the_number_of_layers(work):
    shallow, deep = calls(work, 3), calls(work, 30)
    print(f"{work.__name__}: {shallow} calls for 3 layers, {deep} for 30")
    assert deep == shallow
