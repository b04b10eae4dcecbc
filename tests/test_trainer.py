"""The Trainer's operational shortcuts: the memory-format rule and the reused last test evaluation."""
import pytest
import torch
from torch import nn

from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.data.registry import load_dataset
from prunebench.memory_format import MIN_NHWC_CHANNELS, memory_format_for
from prunebench.methods import METHODS
from prunebench.methods.dense import Dense
from prunebench.models import build_model
from prunebench.tasks import Evaluation
from prunebench.train import Trainer

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize(("model", "width", "expected"), [
    ("resnet56", 0.25, torch.contiguous_format),  # first stage 4 channels: NCHW batch norm is faster
    ("resnet18_cifar", 0.25, torch.channels_last),  # narrowest batch norm 16
])
def test_auto_memory_format_follows_the_narrowest_batch_norm(model, width, expected):
    assert memory_format_for(build_model(model, in_channels=1, num_classes=10, width=width), None) == expected


def test_memory_format_threshold_and_forced_choices():
    def net(channels):
        return nn.Sequential(nn.Conv2d(1, channels, 3), nn.BatchNorm2d(channels))

    assert memory_format_for(net(MIN_NHWC_CHANNELS), None) == torch.channels_last
    assert memory_format_for(net(MIN_NHWC_CHANNELS - 1), None) == torch.contiguous_format
    assert memory_format_for(nn.Sequential(nn.Conv2d(1, 2, 3)), None) == torch.channels_last  # no batch norm
    assert memory_format_for(net(2), True) == torch.channels_last
    assert memory_format_for(net(64), False) == torch.contiguous_format


def counted_trainer(tmp_path, monkeypatch, method=None, **options):
    """A one-epoch synthetic-data Trainer and the list of sources its evaluations have passed over."""
    splits = load_dataset("synthetic")
    config = RunConfig(dataset="synthetic", model="resnet56", width=0.125, epochs=1, batch_size=128,
                       optimizer=OptimizerConfig("sgd", lr=0.05), eval_every=1)
    model = build_model("resnet56", in_channels=1, num_classes=10, width=0.125)
    method = method or METHODS.get("dense").from_dict({}, {})
    trainer = Trainer(model, splits, method, config, tmp_path / "c.pt", progress=False, **options)
    passes = []
    evaluate = trainer.task.evaluate
    monkeypatch.setattr(trainer.task, "evaluate", lambda *a: passes.append(a[1]) or evaluate(*a))
    return trainer, splits, passes


def test_test_evaluation_reuses_the_last_epoch_until_a_step(tmp_path, monkeypatch):
    trainer, splits, passes = counted_trainer(tmp_path, monkeypatch)

    history = trainer.fit()
    test_passes = sum(source is splits.test for source in passes)
    assert test_passes == 2  # epoch 0 and epoch 1
    reused = trainer.test_evaluation()
    assert sum(source is splits.test for source in passes) == test_passes  # no third pass
    assert reused.top1 == history[-1]["test_top1"] == trainer.evaluate(splits.test).top1

    trainer.train_epoch(2)  # weights move: the cached evaluation is stale
    before = len(passes)
    trainer.test_evaluation()
    assert len(passes) == before + 1


KNOWN = Evaluation(12.5, 50.0, 2.0)  # as a parent run's final evaluation


def test_a_known_start_evaluation_replaces_the_epoch_0_pass(tmp_path, monkeypatch):
    trainer, splits, passes = counted_trainer(tmp_path, monkeypatch, start_evaluation=KNOWN)
    history = trainer.fit()
    assert history[0]["test_top1"] == 12.5
    assert sum(source is splits.test for source in passes) == 1  # epoch 1 only


class ZeroingSetup(Dense):
    def setup(self, model, context):
        next(model.parameters()).data.zero_()


def test_a_setup_that_changes_the_weights_gets_a_real_epoch_0_pass(tmp_path, monkeypatch):
    trainer, splits, passes = counted_trainer(tmp_path, monkeypatch, method=ZeroingSetup.from_dict({}, {}), start_evaluation=KNOWN)
    history = trainer.fit()
    assert history[0]["test_top1"] != 12.5
    assert sum(source is splits.test for source in passes) == 2


@pytest.mark.smoke
def test_a_run_leaves_the_callers_threads_and_random_state_as_they_were(tmp_path):
    """The runner seeds torch and may set its thread count for a run; the caller's state comes back afterwards."""
    from prunebench.runner import run

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    threads = torch.get_num_threads()
    run(RunConfig(dataset="synthetic", model="resnet56", width=0.125, epochs=1, train_subset=64, batch_size=32),
        Operational(tmp_path / "runs", tmp_path / "base", threads=1))
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.rand(3), expected)


def counted_run(tmp_path, monkeypatch, **config):
    """A one-epoch run (dense unless `config` says otherwise) through the runner; returns its result and how many
    passes went over the test split through `Trainer.evaluate` (the hard-pruned ones go around it)."""
    from prunebench.runner import run

    test_passes = []
    evaluate = Trainer.evaluate
    monkeypatch.setattr(Trainer, "evaluate", lambda self, source: test_passes.append(source is self.splits.test)
                        or evaluate(self, source))
    settings = {"model": "resnet56", "width": 0.125, "epochs": 1, "train_subset": 64, "batch_size": 32, **config}
    result = run(RunConfig(dataset="synthetic", **settings), Operational(tmp_path / "runs", tmp_path / "base"))
    return result, sum(test_passes)


def test_a_finalize_that_changes_nothing_keeps_the_last_evaluation(tmp_path, monkeypatch):
    result, passes = counted_run(tmp_path, monkeypatch)
    assert passes == 2  # epoch 0 and epoch 1; none after the dense finalize
    assert result.metrics["top1_trained"] == result.history[-1]["test_top1"]
    assert not any("before" in name for name in result.metrics)  # nothing changed: no "before" to name


def test_a_finalize_that_changes_the_weights_gets_its_own_evaluation(tmp_path, monkeypatch):
    def zero_first(self, model):
        next(model.parameters()).data.zero_()
        return {}

    monkeypatch.setattr(Dense, "finalize", zero_first)
    _, passes = counted_run(tmp_path, monkeypatch)
    assert passes == 3


@pytest.mark.parametrize("method", ["admm", "slr"])
def test_a_hard_prune_finalize_reuses_the_last_epochs_hard_pruned_evaluation(tmp_path, monkeypatch, method):
    """SLR / ADMM's finalize applies Π_S to the weights whose hard-pruned copy the last epoch evaluated: the same
    numbers, without the pass (measured against a run that is refused the reuse)."""
    pruned = {"model": "resnet18_cifar", "method": method, "prune_rule": "residual_branch_convs", "prune_ratio": 0.5,
              "eval_every": 1}
    result, passes = counted_run(tmp_path / "reused", monkeypatch, **pruned)
    monkeypatch.setattr(Trainer, "hard_pruned_evaluation", lambda self, model: None)
    fresh, fresh_passes = counted_run(tmp_path / "fresh", monkeypatch, **pruned)
    assert (passes, fresh_passes) == (2, 3)  # epochs 0 and 1 (no parent to reuse); refused: + the final pass
    for key in ("top1_hardprune", "top5_hardprune", "test_loss_hardprune"):
        assert result.metrics[key] == fresh.metrics[key]
    assert result.metrics["top1_hardprune"] == result.history[-1]["test_top1_hardprune"]


@pytest.mark.parametrize(("interval", "clock", "saved_after"), [
    (0.0, [0.0] * 8, [1, 2, 3]),  # every epoch
    (600.0, [0.0] * 8, [3]),  # a fast run: only after its last epoch
    (600.0, [0.0, 700.0, 700.0, 800.0, 1400.0, 1400.0], [1, 3]),  # epoch 1 ended 700 s after the start, epoch 2 100 s later
])
def test_checkpoints_follow_the_wall_clock_interval_and_the_last_epoch(tmp_path, monkeypatch, interval, clock, saved_after):
    from prunebench import train
    from prunebench.runner import run

    saved, ticks = [], iter(clock)
    monkeypatch.setattr(Trainer, "_save", lambda self, epoch: saved.append(epoch))
    monkeypatch.setattr(train.time, "monotonic", lambda: next(ticks))
    config = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, epochs=3, batch_size=64, train_subset=64,
                       eval_every=0)
    run(config, Operational(tmp_path / "runs", tmp_path / "base", progress=False, checkpoint_seconds=interval))
    assert saved == saved_after
