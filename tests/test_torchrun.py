"""`--launcher torchrun`: a run trained data-parallel by 2 gloo processes (real `torch.distributed.run`) against
the same run in one process with the same global batch.

Tolerance. Without batch norm, the two differ only in floating-point summation order: each process averages
its shard's loss, DDP sums the two gradients and halves them, where one process sums all 64 per-sample terms at
once. On this network that is ~1e-7 relative per step, so after 2 epochs (4 ADMM steps, one Z/U update) weights
agreeing to 1e-5 (absolute, weights of order 0.1) leave a factor of 100 for the growth of rounding; a wrong batch
split (e.g. each rank training the whole batch, or the shard weighting wrong on the short last batch) changes
weights by ~1e-2. With batch norm, each process normalises with its shard's statistics (as the papers' DDP
ImageNet code does without SyncBatchNorm), which changes the numbers by design: that run is checked to finish
and write one result, not compared.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from prunebench.checkpoint import load_checkpoint
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.launch import TorchRun
from prunebench.paths import RunPaths
from prunebench.runner import run

DENSE = RunConfig(dataset="synthetic", model="vgg16_nobn_cifar", width=0.125, epochs=1, batch_size=64,
                  train_subset=151, seed=3, eval_every=0, model_options={"dropout": 0.0},
                  optimizer=OptimizerConfig("sgd", lr=0.05, momentum=0.9))
ADMM = replace(DENSE, method="admm", epochs=2, prune_rule="convs_and_linear", prune_ratio=0.5, method_options={"rho": 0.01},
               parent=DENSE)  # 151 images in batches of 64: the last batch (23) splits 11/12, the others 32/32


def ops_at(root: Path) -> Operational:
    return Operational(root / "runs", root / "baselines", progress=False)


@pytest.mark.smoke
def test_two_gloo_processes_match_one_process_with_the_same_global_batch(tmp_path):
    single, parallel = ops_at(tmp_path / "single"), ops_at(tmp_path / "ddp")
    expected = run(ADMM, single)
    TorchRun(nproc=2).prepare([ADMM], parallel)  # parents first: the dense run, then ADMM, each under torchrun
    got = run(ADMM, parallel)
    assert got.skipped, "torchrun's rank 0 should have written the result"
    for config in (DENSE, ADMM):
        ours = load_checkpoint(RunPaths(config, parallel.runs_root, parallel.baselines_root).weights)
        theirs = load_checkpoint(RunPaths(config, single.runs_root, single.baselines_root).weights)
        for name, tensor in theirs.items():
            torch.testing.assert_close(ours[name], tensor, atol=1e-5, rtol=0, msg=f"{config.method} {name}")
    assert got.history[1]["train_loss"] == pytest.approx(expected.history[1]["train_loss"], rel=1e-5)
    assert got.metrics["top1_final"] == pytest.approx(expected.metrics["top1_final"], abs=1.0)  # 1 image in 100
    assert not (tmp_path / "ddp" / "runs" / "torchrun" / "failed").exists()


@pytest.mark.smoke
def test_a_batch_norm_network_trains_data_parallel_and_rank_0_alone_writes(tmp_path):
    config = replace(DENSE, model="resnet18_cifar", model_options={}, epochs=1)
    ops, single = ops_at(tmp_path / "ddp"), ops_at(tmp_path / "single")
    TorchRun(nproc=2).prepare([config], ops)
    run(config, single)
    paths, alone = (RunPaths(config, o.runs_root, o.baselines_root) for o in (ops, single))
    assert paths.result.exists() and not paths.checkpoint.exists()
    assert sorted(p.name for p in paths.dir.iterdir()) == sorted(p.name for p in alone.dir.iterdir())


@pytest.mark.unit
def test_torchrun_launcher_options_are_checked():
    with pytest.raises(ValueError, match="nproc must be an integer >= 1"):
        TorchRun(nproc=0)
    with pytest.raises(ValueError, match="takes only nproc"):
        TorchRun(nproc=2, gpus=1)


@pytest.mark.smoke
def test_ranks_fed_different_batches_hold_the_same_model_and_method_state_every_epoch(tmp_path):
    """SLR on a batch-norm network, 2 gloo processes, each training its own half of every batch: after each epoch
    the ranks compare the digests of their model (BN running statistics included) and method state, and the run
    fails at the first difference. Without rank 0's buffers broadcast at the epoch's end, the running statistics
    differ (DDP sends them only at each training forward) and so would SLR's loss conditions."""
    bn_dense = replace(DENSE, model="resnet18_cifar", model_options={}, epochs=1)
    slr = replace(bn_dense, method="slr", epochs=2, prune_rule="convs_and_linear", prune_ratio=0.5,
                  method_options={"rho": 0.1}, parent=bn_dense, optimizer=OptimizerConfig("adam", lr=0.01))
    ops = ops_at(tmp_path / "ddp")
    TorchRun(nproc=2).prepare([slr], ops)  # raises LaunchError if a rank failed
    result = run(slr, ops)
    assert result.skipped and len(result.history) == 3
