"""Every training path a reproduction declares at paper scale, through a whole run on a CUDA stand-in: setup, steps,
epoch ends, finalize, summary, result, checkpoint, kill and resume — with real values, so no method is skipped for
reading its weights (tests/cuda_standin.py says what the stand-in can and cannot see).

Each distinct (method, model, run kind, prune rule, option names, non-numeric option values) of the paper-scale
declarations runs once, shrunk to fit a CPU test: the synthetic 16x16 set, 1/8 of its width (or less), two epochs of
two steps, its declared options unchanged, its parents shrunk the same way. The detection (YOLOv3 through
ultralytics) and lane (UFLD) tasks are left out: their trainers run outside prunebench's loop."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest

from prunebench.config import CheckBudget, RunConfig
from prunebench.paths import RunPaths
from prunebench.run_kinds import RUN_KINDS
from prunebench.runner import run
from prunebench.scales import SCALES, NotRunAtScale
from tests.cuda_standin import cuda_standin, transfers

pytestmark = pytest.mark.smoke

OTHER_TASKS = ("yolov3", "ufld")  # trained by their own loops (ultralytics; the lane task), not the runner's


def path_key(config: RunConfig) -> str:
    """What decides which code a run executes: numbers in its options, and the layer ratios of a structured
    method's spec ("[0,0.9,0.9,0.9,0]"), only change values."""
    def kind_of(value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return type(value).__name__
        return "layer spec" if isinstance(value, str) and value.startswith("[") else value

    options = {k: kind_of(v) for k, v in config.method_options.items()}
    return json.dumps([config.method, config.model, config.kind, config.prune_rule, options], sort_keys=True, default=str)


def declared_paths() -> dict[str, RunConfig]:
    from prunebench.reproduction import load, scripts

    found: dict[str, RunConfig] = {}

    def visit(config: RunConfig) -> None:
        for source in config.inputs:
            visit(source)
        if not config.model.startswith(OTHER_TASKS):
            found.setdefault(path_key(config), config)

    for name in scripts():
        try:
            arms = load(name).arms(SCALES.get("paper"), None)
        except NotRunAtScale:
            continue
        for arm in arms:
            visit(arm.config)
    return found


def shrunk(config: RunConfig) -> RunConfig:
    """`config` and its chain on the synthetic set, thin and two epochs of two steps long, its options kept."""
    return replace(config, dataset="synthetic", width=min(config.width, 1.0) / 8, epochs=min(config.epochs, 2),
                   batch_size=8, train_subset=16, model_options={}, eval_every=1 if config.eval_every else 0,
                   parent=shrunk(config.parent) if config.parent else None,
                   partner=shrunk(config.partner) if config.partner else None)


PATHS = declared_paths()


def test_the_declared_paths_include_every_method_kind():
    methods = {json.loads(key)[0] for key in PATHS}
    assert {"slr", "admm", "greg1", "greg2", "oneshot", "grda", "network_slimming", "proximal_slimming",
            "finetune", "sgd", "bezier", "dense"} <= methods


def one_per_method(paths: dict[str, RunConfig]) -> list[str]:
    """For the suite's time: each (method, kind, prune rule, options) on the first model that declares it, and every
    model of a run kind with a loop of its own (the connectivity curves: BN statistics are recomputed there); the
    slow test runs every other model."""
    chosen: dict[str, str] = {}
    for key in sorted(paths):
        method, model, kind, *rest = json.loads(key)
        chosen.setdefault(json.dumps([method, kind, *rest, model if kind != "train" else ""], sort_keys=True), key)
    return sorted(chosen.values())


def lives_on_the_device_and_resumes(config: RunConfig, ops, interrupted_then_resumed) -> None:
    """The whole run, then the same run killed after its first epoch and resumed (its parents cached): the same
    metrics, bit for bit."""
    # a check budget as paper-check's: the runs are 2 epochs of 2 steps already; it cuts a curve's points to a few
    ops = replace(ops, device="cuda", budget=CheckBudget(epochs=2, steps_per_epoch=2, eval_images=64))
    with cuda_standin():
        whole = run(config, ops)
        if config.epochs < 2 or not RUN_KINDS.get(config.kind).checkpoints:  # others start again when killed
            return
        shutil.rmtree(RunPaths(config, ops.runs_root, ops.baselines_root).dir)
        resumed = interrupted_then_resumed(config, ops)
    assert resumed.metrics == whole.metrics


@pytest.mark.parametrize("key", one_per_method(PATHS))
def test_each_declared_method_path_lives_on_the_device_and_resumes_bit_identically(key, ops, interrupted_then_resumed):
    lives_on_the_device_and_resumes(shrunk(PATHS[key]), ops, interrupted_then_resumed)


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(set(PATHS) - set(one_per_method(PATHS))))
def test_every_other_declared_model_lives_on_the_device_and_resumes_bit_identically(key, ops, interrupted_then_resumed):
    lives_on_the_device_and_resumes(shrunk(PATHS[key]), ops, interrupted_then_resumed)


def test_a_dropout_model_resumes_bit_identically_on_the_device(ops, interrupted_then_resumed):
    """gRDA's VGG16 draws its dropout masks from the device's generator: a checkpoint must carry that one too."""
    sgd = next(config for key, config in PATHS.items() if json.loads(key)[:2] == ["sgd", "vgg16_nobn_cifar"])
    lives_on_the_device_and_resumes(shrunk(sgd), ops, interrupted_then_resumed)


def syncs_per_step(config: RunConfig, ops, monkeypatch) -> float:
    """Host synchronisations inside training epochs (steps and their hooks; not evaluation), per step, less the one
    read of the epoch's mean loss at its end."""
    from prunebench.train import Trainer

    counted = {"syncs": 0, "steps": 0}
    train_epoch = Trainer.train_epoch

    def counting(self, epoch):
        before = sum(transfers.values())
        loss = train_epoch(self, epoch)
        counted["syncs"] += sum(transfers.values()) - before - 1
        counted["steps"] += self.splits.train.num_batches(self.config.batch_size)
        return loss

    monkeypatch.setattr(Trainer, "train_epoch", counting)
    with cuda_standin():
        run(config, replace(ops, device="cuda", budget=CheckBudget(epochs=2, steps_per_epoch=2, eval_images=64)))
    return counted["syncs"] / counted["steps"]


# host syncs per training step of each method's declared path (the first in one_per_method), as measured: the budget
# a change may not exceed, each a stall of the GPU's queue. GReg's come from its λ updates (one read of every
# layer's group means, 16 a step before they were read together), its update log and its exit checks.
SYNC_BUDGETS: dict[str, float] = {"greg1": 4.25, "greg2": 2.0}


@pytest.mark.parametrize("method", sorted({json.loads(key)[0] for key in one_per_method(PATHS)
                                           if json.loads(key)[2] == "train"}))  # the trainer's steps
def test_host_syncs_per_training_step_stay_within_each_methods_budget(method, ops, monkeypatch):
    key = next(k for k in one_per_method(PATHS) if json.loads(k)[0] == method)
    measured = syncs_per_step(shrunk(PATHS[key]), ops, monkeypatch)
    print(f"{method}: {measured:.2f} host syncs per training step")
    assert measured <= SYNC_BUDGETS.get(method, 0.0)


def test_rows_and_metadata_of_a_gpu_run_name_the_gpu_cuda_cudnn_and_tf32(monkeypatch):
    from prunebench.provenance import hardware
    from prunebench.results import environment

    monkeypatch.setattr("torch.cuda.get_device_name", lambda device=None: "NVIDIA H100 80GB HBM3")
    monkeypatch.setattr("torch.cuda.get_device_capability", lambda device=None: (9, 0))
    monkeypatch.setattr("torch.backends.cudnn.version", lambda: 91002)
    monkeypatch.setattr("torch.version.cuda", "13.0")
    facts = hardware("cuda")
    assert facts["accelerator"] == "NVIDIA H100 80GB HBM3" and facts["compute_capability"] == "9.0"
    assert facts["cuda"] == "13.0" and facts["cudnn"] == 91002 and {"tf32_matmul", "tf32_cudnn"} <= set(facts)
    assert environment("cuda")["device"].startswith("cuda (NVIDIA H100 80GB HBM3; CUDA 13.0; cuDNN 91002; TF32 matmul ")
    assert "accelerator" not in hardware("cpu") and environment("cpu")["device"].startswith("cpu (")
