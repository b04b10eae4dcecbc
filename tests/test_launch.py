"""Launchers: the dependency levels a Slurm session submits, the option parsing, clear errors, and a real
submitit round trip (its "local" cluster runs the jobs as separate processes, as Slurm would on nodes)."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.launch import (
    LAUNCHERS,
    DevicePool,
    InProcess,
    SlurmArrays,
    launcher,
    parse_option,
    pending_levels,
)
from prunebench.paths import RunPaths
from prunebench.registry import UnknownNameError
from prunebench.runner import run

DENSE = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, epochs=1, batch_size=64, train_subset=128,
                  seed=5, eval_every=0)
SLR = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, method="slr", epochs=1, batch_size=64,
                train_subset=128, seed=5, prune_rule="residual_branch_convs", prune_ratio=0.8,
                method_options={"rho": 0.1}, parent=DENSE, optimizer=OptimizerConfig("adam", lr=0.01))


def ops_at(root: Path) -> Operational:
    return Operational(root / "runs", root / "baselines", progress=False)


def finish(config: RunConfig, ops: Operational) -> None:
    """Mark a run finished the way the runner does: its result.json exists."""
    paths = RunPaths(config, ops.runs_root, ops.baselines_root)
    paths.result.parent.mkdir(parents=True, exist_ok=True)
    paths.result.write_text("{}")


@pytest.mark.unit
def test_levels_put_each_unfinished_run_after_its_parent_and_a_shared_parent_once(tmp_path):
    ops = ops_at(tmp_path)
    admm = replace(SLR, method="admm")
    child = replace(SLR, method="dense", prune_rule=None, prune_ratio=0.0, method_options={}, parent=SLR)
    levels = pending_levels([SLR, admm, child], ops)
    assert [[c.run_id for c in level] for level in levels] == [[DENSE.run_id], [SLR.run_id, admm.run_id],
                                                                [child.run_id]]
    finish(DENSE, ops)
    finish(admm, ops)
    assert [[c.run_id for c in level] for level in pending_levels([SLR, admm, child], ops)] == [[SLR.run_id],
                                                                                              [child.run_id]]
    finish(SLR, ops)
    finish(child, ops)
    assert pending_levels([SLR, admm, child], ops) == []


@pytest.mark.unit
def test_launcher_options_and_names():
    assert parse_option("timeout_min=600") == ("timeout_min", 600)
    assert parse_option("mem_gb=7.5") == ("mem_gb", 7.5)
    assert parse_option("slurm_partition=gpu=a") == ("slurm_partition", "gpu=a")
    with pytest.raises(ValueError, match="not KEY=VALUE"):
        parse_option("gpu")
    with pytest.raises(UnknownNameError, match="unknown launcher 'sge'; known: devices, local, slurm, torchrun"):
        launcher(Operational(launcher="sge"))
    with pytest.raises(ValueError, match="takes no options"):
        launcher(Operational(launcher_options=(("timeout_min", 5),)))
    assert isinstance(launcher(Operational()), InProcess) and LAUNCHERS.names() == ["devices", "local", "slurm", "torchrun"]
    with pytest.raises(ValueError, match="per_device must be an integer >= 1"):
        DevicePool(per_device=0)
    with pytest.raises(RuntimeError, match="Expected one of .* device type"):
        DevicePool(devices="gpu:0")


@pytest.mark.smoke
def test_runs_sent_as_job_arrays_equal_runs_in_process(tmp_path):
    pytest.importorskip("submitit")
    # the same thread count on both sides (conftest's 2): a job process would otherwise take torch's default
    remote, here = replace(ops_at(tmp_path / "jobs"), threads=2), replace(ops_at(tmp_path / "here"), threads=2)
    SlurmArrays(cluster="local", timeout_min=10).prepare([SLR], remote)
    logs = sorted((remote.runs_root / "slurm").glob("*/*_log.out"))
    assert len(logs) == 2, "one job for the dense parent, then one for the SLR run"
    assert run(SLR, remote).skipped  # trained by the jobs, only read now
    ours = RunPaths(SLR, remote.runs_root, remote.baselines_root).result
    mine = run(SLR, here)
    assert not mine.skipped
    assert json.loads(ours.read_text())["metrics"] == mine.metrics


@pytest.mark.smoke
def test_a_failed_job_names_its_run_and_log(tmp_path):
    pytest.importorskip("submitit")
    broken = replace(DENSE, model="no_such_model")
    with pytest.raises(RuntimeError, match=rf"1 of 1 runs failed: {broken.run_id} \(log: .*_log.err\)"):
        SlurmArrays(cluster="local", timeout_min=10).prepare([broken], ops_at(tmp_path))


@pytest.mark.unit
def test_method_and_launcher_options_are_read_by_one_rule():
    from prunebench.options import parse_key_value

    assert parse_key_value("rounds=2") == ("rounds", 2) and parse_key_value("lr=1e-3") == ("lr", 0.001)
    assert parse_key_value("fast=true") == ("fast", True) and parse_key_value("rule=a=b") == ("rule", "a=b")
    with pytest.raises(ValueError, match="method option '=3' is not KEY=VALUE"):
        parse_key_value("=3", "method option")


@pytest.mark.smoke
def test_independent_runs_train_side_by_side_one_process_each_and_equal_runs_in_process(tmp_path):
    """Two CPU slots: the dense parent alone, then its three arms two at a time, each in its own process."""
    arms = [replace(SLR, prune_ratio=ratio) for ratio in (0.5, 0.7, 0.8)]
    pool, ops, here = DevicePool(devices="cpu,cpu"), replace(ops_at(tmp_path / "pool"), threads=1), \
        replace(ops_at(tmp_path / "here"), threads=1)
    pool.prepare(arms, ops)
    assert pool.peak == 2 and len(list((ops.runs_root / "devices").glob("*.log"))) == 4
    assert not list((ops.runs_root / "devices").glob("*.pkl"))
    for arm in arms:
        assert run(arm, ops).skipped
        assert json.loads(RunPaths(arm, ops.runs_root, ops.baselines_root).result.read_text())["metrics"] == \
            run(arm, here).metrics


@pytest.mark.smoke
def test_a_failed_run_on_a_device_names_its_run_device_and_log(tmp_path):
    broken = replace(DENSE, model="no_such_model")
    with pytest.raises(RuntimeError, match=rf"1 of 1 runs failed: {broken.run_id} on cpu \(exit code 1; log: .*log\)"):
        DevicePool(devices="cpu").prepare([broken], ops_at(tmp_path))
