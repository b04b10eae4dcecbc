"""Per-iteration cost of a training step with ADMM's, SLR's and GReg-2's hooks vs a plain (Dense) step.

Each side is a real `Trainer` (Adam, lr 0.01, memory format as by default) whose `train_epoch` runs
over a one-batch (128-image) training split, so one round is exactly one iteration of the product's
loop: batch gather + augmentation, forward, CE, backward, `after_backward`, `optimizer.step`,
`after_step`. ADMM and SLR are set up as `Trainer.fit` does, after the model is in that memory format, on
the uniform 'residual_branch_convs' plan; their per-step work is the penalty gradient
ρ·(W − Z + U) added after backward (both share `AugmentedLagrangian.after_backward`). GReg-2 runs its picking
phase as GReg Table 2 does at quick scale (a λ update every iteration, K_u' = 1, filter-norm snapshots every 10):
per step the λ update, the penalty tensors rebuilt after it and λ·W added to every pruned layer's gradient.

The plain step runs as pedantic's `setup`, right before each method step, so both are timed under
the same machine load; the ratio is median(method step) / median(plain step). The hooks alone are
also timed (`after_backward` + `after_step` on the live gradients) to give the overhead without the
noise of two full steps.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
import torch

from benchmarks.common import BATCH, MODEL, WIDTH, make_model, median
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.data import DataSplits
from prunebench.methods import METHODS, EpochContext
from prunebench.sparsity import uniform_plan
from prunebench.train import Trainer

ROUNDS = 25
WARMUP = 3
PRUNE_RULE, PRUNE_RATIO = "residual_branch_convs", 0.8
OPTIONS = {"admm": {"rho": 0.1}, "slr": {"rho": 0.1},
           "greg2": {"ratios": "[0,0.5,0.5,0.5,0.5,0]", "pick_update_interval": 1, "recover_lambda": -5e-4,
                     "snapshot_every": 10}}
PLANNED = ("admm", "slr")  # the methods that prune to a sparsity plan (GReg picks its groups from `ratios`)
TARGET = 1.15  # design goal, reported, not asserted
CEILING = 1.5  # asserted: a hook that makes a step 50% dearer is a regression


def one_batch_trainer(method_name: str, splits: DataSplits, tmp_path: Path) -> Trainer:
    model = make_model()
    plan = uniform_plan(model, PRUNE_RULE, PRUNE_RATIO) if method_name in PLANNED else {}
    method = METHODS.get(method_name).from_dict(OPTIONS.get(method_name, {}), plan)
    config = RunConfig(
        dataset="fashion_mnist", model=MODEL, width=WIDTH, method=method_name, batch_size=BATCH,
        optimizer=OptimizerConfig(name="adam", lr=0.01), prune_rule=PRUNE_RULE if plan else None,
        prune_ratio=PRUNE_RATIO if plan else 0.0,
    )
    trainer = Trainer(
        model, splits, method, config, tmp_path / f"{method_name}.pt", plan=plan, progress=False,
        channels_last=Operational().channels_last,
    )
    method.setup(trainer.model, EpochContext(0, math.nan, lambda: 0.0))
    return trainer


@pytest.mark.parametrize("method_name", ["admm", "slr", "greg2"])
def test_method_step_cost(benchmark, method_name: str, fashion: DataSplits, tmp_path: Path):
    batch = fashion.train.subset(BATCH, torch.Generator().manual_seed(0))
    splits = DataSplits(fashion.info, batch, fashion.test, fashion.source)
    plain = one_batch_trainer("dense", splits, tmp_path)
    hooked = one_batch_trainer(method_name, splits, tmp_path)
    assert plain.splits.train.num_batches(BATCH) == 1

    plain_s: list[float] = []
    method_s: list[float] = []

    def timed(trainer: Trainer, into: list[float]) -> None:
        began = time.perf_counter()
        trainer.train_epoch(1)
        into.append(time.perf_counter() - began)

    for _ in range(WARMUP):
        timed(plain, plain_s)
        timed(hooked, method_s)
    plain_s.clear()
    method_s.clear()

    # with --benchmark-disable pedantic runs setup and target once: one paired sample
    benchmark.pedantic(lambda: timed(hooked, method_s), setup=lambda: timed(plain, plain_s), rounds=ROUNDS)

    # the hooks alone, on the gradients of the last step
    model, method = hooked.model, hooked.method
    hook_s = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        method.after_backward(model)
        method.after_step(model)
        hook_s.append(time.perf_counter() - began)

    ratio = median(method_s) / median(plain_s)
    hook_fraction = median(hook_s) / median(plain_s)
    benchmark.extra_info.update(
        {
            "method": method_name,
            "plain_step_ms": round(1e3 * median(plain_s), 2),
            "method_step_ms": round(1e3 * median(method_s), 2),
            "hooks_ms": round(1e3 * median(hook_s), 3),
            "hooks_fraction_of_plain_step": round(hook_fraction, 4),
            "ratio_vs_plain": round(ratio, 3),
            "target_ratio": TARGET,
        }
    )
    print(
        f"\n{method_name} step: {1e3 * median(method_s):.1f} ms vs plain {1e3 * median(plain_s):.1f} ms, "
        f"ratio {ratio:.3f}x (target <= {TARGET}x); hooks alone {1e3 * median(hook_s):.2f} ms "
        f"= {100 * hook_fraction:.1f}% of a plain step"
    )
    assert ratio < CEILING, f"a {method_name} step costs {ratio:.2f}x a plain one"
