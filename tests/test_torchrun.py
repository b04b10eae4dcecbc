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
from prunebench.train import evaluate

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
    assert got.metrics["top1_hardprune"] == pytest.approx(expected.metrics["top1_hardprune"], abs=1.0)  # 1 image in 100
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


def evaluate_as_rank(rank: int, store: str, found) -> None:
    """One of two gloo processes: the sharded evaluation of a fixed model, and how many test images it decoded."""
    from prunebench.train import ShardOfEachBatch, sharded

    torch.distributed.init_process_group("gloo", store=torch.distributed.FileStore(store, 2), rank=rank, world_size=2)
    model, test = fixed_model_and_test_split()
    parts = []

    def counting(model, source, device, memory_format):
        parts.append(source)
        return evaluate(model, source, device, memory_format)

    got = sharded(counting, (rank, 2))(model, test, "cpu", torch.contiguous_format)
    found.put((rank, got, parts[0].seen if isinstance(parts[0], ShardOfEachBatch) else None))
    torch.distributed.destroy_process_group()


def fixed_model_and_test_split():
    from prunebench.data import load_dataset
    from prunebench.models import build_model

    torch.manual_seed(0)
    splits = load_dataset("synthetic")
    model = build_model("resnet18_cifar", in_channels=splits.info.in_channels, num_classes=splits.info.num_classes,
                        width=0.125)
    return model, splits.test.subset(150)


@pytest.mark.smoke
def test_each_rank_evaluates_its_part_of_the_test_split_and_both_hold_the_whole_splits_numbers(tmp_path):
    """Two gloo processes evaluate the same model on the same split: each decodes only its half of every batch, and
    the all-reduced top-1, top-5 and loss equal one process's evaluation of the whole split."""
    import torch.multiprocessing as mp

    model, test = fixed_model_and_test_split()
    whole = evaluate(model, test)
    found = mp.get_context("spawn").SimpleQueue()
    mp.spawn(evaluate_as_rank, args=(str(tmp_path / "store"), found), nprocs=2, join=True)
    results = sorted((found.get() for _ in range(2)), key=lambda r: r[0])
    assert [seen for _, _, seen in results] == [75, 75]
    for _, got, _ in results:
        assert got.top1 == pytest.approx(whole.top1, abs=1e-9) and got.top5 == pytest.approx(whole.top5, abs=1e-9)
        assert got.loss == pytest.approx(whole.loss, rel=1e-6)


@pytest.mark.smoke
def test_a_method_that_reads_batch_norm_trains_in_one_process_under_the_torchrun_launcher(tmp_path, monkeypatch):
    """Network slimming's factors act on batch statistics that DDP would compute per shard: its run is trained by
    the launching process (rank 0 of 1), never by torchrun's processes; the dense parent goes to torchrun."""
    import prunebench.launch as launch

    parent = replace(DENSE, model="vgg19_ns_cifar", model_options={}, epochs=1)
    slimming = replace(parent, method="network_slimming", prune_rule=None, method_options={"sparsity": 1e-4},
                       parent=parent)
    sent, really = [], launch.subprocess.run
    monkeypatch.setattr(launch.subprocess, "run", lambda command, **kw: sent.append(command[-1]) or really(command, **kw))
    ops = ops_at(tmp_path)
    TorchRun(nproc=2).prepare([slimming], ops)
    assert len(sent) == 1  # the dense parent
    assert RunPaths(slimming, ops.runs_root, ops.baselines_root).result.exists()

