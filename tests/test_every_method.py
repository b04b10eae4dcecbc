"""What every registered method must do, parametrized over the METHODS registry (a new method is covered by adding
its example options to tests/test_device_placement.py's EXAMPLES, which a test there enforces): refuse an unknown
or non-finite option by name, and resume a run interrupted after its first epoch to exactly the result of an
uninterrupted one (model, optimizer, method state and RNG all in the checkpoint)."""
from __future__ import annotations

import math

import pytest
import torch

from prunebench.checkpoint import load_checkpoint
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.methods import METHODS
from prunebench.paths import RunPaths
from prunebench.runner import run
from tests.test_device_placement import EXAMPLES, OPTIMIZER_NAMES

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_options_are_parsed_and_unknown_or_non_finite_ones_named(name):
    options, _ = EXAMPLES[name]
    method = METHODS.get(name)
    assert method.from_dict(options, {}).options is not None
    with pytest.raises(ValueError, match="no_such_option"):
        method.from_dict({**options, "no_such_option": 1}, {})
    numeric = [key for key, value in options.items() if isinstance(value, float)]
    if numeric:
        with pytest.raises(ValueError, match=f"{numeric[0]}=nan is not a finite number"):
            method.from_dict({**options, numeric[0]: math.nan}, {})


def config_for(name: str) -> RunConfig:
    options, prune_set = EXAMPLES[name]
    dense = RunConfig(dataset="synthetic", model="vgg19_bn_cifar", width=0.0625, epochs=1, batch_size=32,
                      train_subset=64, seed=2, eval_every=1, optimizer=OptimizerConfig("sgd", lr=0.05))
    return RunConfig(
        dataset="synthetic", model="vgg19_bn_cifar", width=0.0625, method=name, method_options=options,
        prune_rule=prune_set, prune_ratio=0.5 if prune_set else 0.0, epochs=2, batch_size=32, train_subset=64, seed=2,
        eval_every=1, parent=dense, optimizer=OptimizerConfig(OPTIMIZER_NAMES.get(name, "sgd"), lr=0.01),  # gRDA, SGD arm: no momentum
    )


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_an_interrupted_run_resumes_to_the_uninterrupted_result(name, tmp_path, interrupted_then_resumed):
    config = config_for(name)
    straight = Operational(tmp_path / "a", tmp_path / "a-base", progress=False, channels_last=False)
    resumed = Operational(tmp_path / "b", tmp_path / "b-base", progress=False, channels_last=False)
    expected = run(config, straight)
    got = interrupted_then_resumed(config, resumed, epoch=1)
    assert got.metrics == expected.metrics
    assert [h.get("test_top1") for h in got.history] == [h.get("test_top1") for h in expected.history]
    a, b = (load_checkpoint(RunPaths(config, o.runs_root, o.baselines_root).weights) for o in (straight, resumed))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)

