"""The GPU fast path's options, tested without a GPU: data held on the device gives the standard path's batches
(placement checked on `meta`, which refuses a CPU tensor in an op), `--amp bf16` is part of the run id and of every
row, and the command line maps the flags onto `Operational`."""
from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from prunebench.cli import build_parser
from prunebench.config import Operational, RunConfig
from prunebench.data import load_dataset
from prunebench.runner import run
from prunebench.training_options import operational, precision

pytestmark = pytest.mark.unit

CONFIG = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, epochs=1, batch_size=32, train_subset=64,
                   eval_every=0)


def test_augmentation_runs_on_the_data_device_and_draws_the_same_random_numbers():
    train = load_dataset("synthetic").train.subset(64, torch.Generator().manual_seed(0))
    on_meta = train.to("meta")
    host = list(train.batches(32, torch.Generator().manual_seed(1)))
    meta = list(on_meta.batches(32, torch.Generator().manual_seed(1)))
    assert all(x.device.type == "meta" and y.device.type == "meta" for x, y in meta)
    assert [x.shape for x, _ in meta] == [x.shape for x, _ in host]
    after_host, after_meta = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    list(train.batches(32, after_host))
    list(on_meta.batches(32, after_meta))
    assert torch.equal(after_host.get_state(), after_meta.get_state())  # same draws: same batches on any device


def test_data_on_device_trains_the_same_run_bit_for_bit_on_the_cpu(tmp_path):
    standard = run(CONFIG, Operational(tmp_path / "a", tmp_path / "ab", progress=False))
    fast = run(CONFIG, Operational(tmp_path / "b", tmp_path / "bb", progress=False, data_on_device=True,
                                   cudnn_benchmark=True))
    assert fast.history[1]["train_loss"] == standard.history[1]["train_loss"]
    assert fast.metrics["top1_trained"] == standard.metrics["top1_trained"]


def test_bf16_is_a_different_run_recorded_in_its_id_config_and_rows(tmp_path):
    from prunebench.reproduce import result_rows
    from prunebench.reproduction import Arm

    bf16 = replace(CONFIG, method="finetune", parent=CONFIG).with_precision("bf16")
    assert bf16.parent.precision == "bf16" and bf16.run_id != replace(bf16, precision="float32").run_id
    assert replace(CONFIG, precision="float32").run_id == CONFIG.run_id  # the default leaves old ids alone
    ops = Operational(tmp_path / "runs", tmp_path / "baselines", progress=False)
    result = run(bf16, ops)
    rows = result_rows("p", "t", "smoke", Arm("c", bf16, lambda r: {"top1": r.metrics["top1_finetuned"]}), result, ops)
    assert {row["precision"] for row in rows} == {"bf16"}
    with pytest.raises(ValueError, match="unknown precision 'fp8'"):
        run(replace(CONFIG, precision="fp8"), ops)


def test_the_speed_flags_reach_operational():
    args = build_parser().parse_args(["run", "--dataset", "synthetic", "--model", "resnet18_cifar", "--method", "dense",
                                      "--fast", "--amp", "bf16"])
    ops = operational(args)
    assert (ops.data_on_device, ops.cudnn_benchmark, ops.channels_last) == (True, True, True)
    assert precision(args) == "bf16"
    plain = operational(build_parser().parse_args(["run", "--dataset", "synthetic", "--model", "m", "--method", "d",
                                                   "--channels-last", "off"]))
    assert (plain.data_on_device, plain.cudnn_benchmark, plain.channels_last) == (False, False, False)


def test_a_compiled_forward_trains_the_same_run_and_checkpoints_the_module_itself(tmp_path):
    """torch.compile's graph capture (backend "eager": the captured ops run as they are, so the numbers must equal
    eager's) of an SLR run: same loss and accuracy, and the weights file has the module's own keys (no `_orig_mod.`),
    so an eager run or a resume reads it."""
    from prunebench.checkpoint import load_checkpoint
    from prunebench.paths import RunPaths

    slr = replace(CONFIG, method="slr", epochs=2, prune_rule="convs_and_linear", prune_ratio=0.5,
                  method_options={"rho": 0.1}, parent=CONFIG)
    eager = run(slr, Operational(tmp_path / "a", tmp_path / "ab", progress=False))
    compiled_ops = Operational(tmp_path / "b", tmp_path / "bb", progress=False, compile_backend="eager")
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    compiled = run(slr, compiled_ops)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 1  # the forward was captured
    assert [h["train_loss"] for h in compiled.history[1:]] == [h["train_loss"] for h in eager.history[1:]]
    assert compiled.metrics["top1_hardprune"] == eager.metrics["top1_hardprune"]
    weights = load_checkpoint(RunPaths(slr, compiled_ops.runs_root, compiled_ops.baselines_root).weights)
    assert not [key for key in weights if "_orig_mod" in key]
    assert operational(build_parser().parse_args(["run", "--dataset", "s", "--model", "m", "--method", "d",
                                                  "--compile"])).compile_backend == "inductor"


def test_an_unknown_compile_backend_is_refused_before_the_run_folder_exists(tmp_path):
    ops = Operational(tmp_path / "runs", tmp_path / "baselines", progress=False, compile_backend="no_such_backend")
    with pytest.raises(Exception, match="no_such_backend"):
        run(replace(CONFIG, method="finetune", parent=CONFIG), ops)
    assert not list((tmp_path / "runs").glob("**/config.json"))
