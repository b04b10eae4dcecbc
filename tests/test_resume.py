"""A run killed by SIGKILL after epoch k and restarted ends exactly where an uninterrupted run ends."""
import json
import os
import subprocess
import sys
import textwrap
import time

import pytest
import torch

from prunebench.checkpoint import CheckpointError, load_checkpoint
from prunebench.config import Operational
from prunebench.paths import RunPaths
from prunebench.runner import run

pytestmark = pytest.mark.smoke

CONFIG_SOURCE = """
from prunebench.config import OptimizerConfig, RunConfig
DENSE = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, epochs=1, batch_size=64,
                  train_subset=256, seed=3, eval_every=0)
SLR = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, method="slr", epochs=4, batch_size=64,
                train_subset=256, seed=3, prune_rule="residual_branch_convs", prune_ratio=0.8,
                method_options={"rho": 0.1}, parent=DENSE, optimizer=OptimizerConfig("adam", lr=0.01))
"""


def configs():
    scope: dict = {}
    exec(CONFIG_SOURCE, scope)
    return scope["DENSE"], scope["SLR"]


def run_in_subprocess(ops: Operational, kill_after: int | None) -> subprocess.CompletedProcess:
    """Train SLR in a fresh interpreter; with `kill_after`, SIGKILL it from outside as soon as its checkpoint holds
    that epoch (nothing in the training loop knows it is being tested)."""
    script = CONFIG_SOURCE + textwrap.dedent(f"""
        from pathlib import Path
        import torch
        from prunebench.config import Operational
        from prunebench.runner import run
        torch.use_deterministic_algorithms({ops.device != "cpu"})  # CUDA: no atomics-order noise between the runs
        run(SLR, Operational(Path({str(ops.runs_root)!r}), Path({str(ops.baselines_root)!r}), device={ops.device!r},
                             progress=False, channels_last=False, checkpoint_seconds={ops.checkpoint_seconds!r}))
    """)
    env = {"CUBLAS_WORKSPACE_CONFIG": ":4096:8"} if ops.device != "cpu" else {}  # what deterministic cuBLAS asks for
    child = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, **env}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    if kill_after:
        checkpoint = RunPaths(configs()[1], ops.runs_root, ops.baselines_root).checkpoint
        while child.poll() is None and checkpoint_epoch(checkpoint) < kill_after:
            time.sleep(0.005)
        child.kill()
    out, err = child.communicate(timeout=300)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def checkpoint_epoch(path) -> int:
    try:
        return load_checkpoint(path)["epoch"] if path.exists() else 0
    except (CheckpointError, FileNotFoundError):  # replaced between the check and the read: read it next time
        return 0


NO_CUDA = "no CUDA device on this machine: the GPU resume check runs where a GPU is lent (tests/test_resume.py)"


@pytest.mark.parametrize(
    "device", ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_CUDA))]
)
def test_killed_run_resumes_to_identical_result(tmp_path, device):
    dense, slr = configs()
    straight, resumed = (Operational(tmp_path / side / "runs", tmp_path / side / "base", device=device, progress=False,
                                     channels_last=False, checkpoint_seconds=0) for side in "ab")  # one every epoch
    for ops in (straight, resumed):
        run(dense, ops)  # the parent, so that only the SLR run is killed

    assert run_in_subprocess(straight, None).returncode == 0
    killed = run_in_subprocess(resumed, kill_after=2)
    assert killed.returncode == -9, killed.stderr  # SIGKILL
    paths = RunPaths(slr, resumed.runs_root, resumed.baselines_root)
    assert not paths.result.exists()
    assert load_checkpoint(paths.checkpoint)["epoch"] in (2, 3)  # killed between epoch 2's checkpoint and the end
    assert run_in_subprocess(resumed, None).returncode == 0

    a = RunPaths(slr, straight.runs_root, straight.baselines_root)
    result_a, result_b = (json.loads(p.result.read_text()) for p in (a, paths))
    metrics_a = {k: v for k, v in result_a["metrics"].items()}
    metrics_b = {k: v for k, v in result_b["metrics"].items()}
    assert metrics_a == metrics_b
    assert [h.get("test_top1_hardprune") for h in result_a["history"]] == [h.get("test_top1_hardprune") for h in result_b["history"]]
    weights_a, weights_b = load_checkpoint(a.weights), load_checkpoint(paths.weights)
    assert all(torch.equal(weights_a[k], weights_b[k]) for k in weights_a)


def test_finished_run_is_skipped(ops):
    dense, _ = configs()
    first = run(dense, ops)
    second = run(dense, ops)
    assert not first.skipped and second.skipped
    assert second.metrics == first.metrics


def test_a_checkpoint_from_an_older_method_state_is_named_not_a_traceback(tmp_path):
    from prunebench.checkpoint import CheckpointError, save_atomic

    dense, slr = configs()
    ops = Operational(tmp_path / "runs", tmp_path / "base", progress=False, channels_last=False)
    run(dense, ops)
    assert run_in_subprocess(ops, kill_after=1).returncode == -9  # a real checkpoint after epoch 1
    paths = RunPaths(slr, ops.runs_root, ops.baselines_root)
    state = load_checkpoint(paths.checkpoint)
    del state["method"]["z_prev"]  # what an SLR checkpoint of an earlier prunebench lacks
    save_atomic(state, paths.checkpoint)
    with pytest.raises(CheckpointError, match="without 'z_prev'.*older prunebench"):
        run(slr, ops)
