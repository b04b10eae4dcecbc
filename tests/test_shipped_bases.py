"""Shipped dense bases: every committed base matches its manifest and loads into its network; a run copies a shipped
base instead of training it; a damaged copy is refused with the way to mend it. (Whether a base reaches its accuracy
target is a benchmark, `make baselines`, not a test.)"""
from __future__ import annotations

import functools
import json
from dataclasses import replace

import pytest
import torch
from torch import nn

import prunebench.runner
from prunebench.checkpoint import load_checkpoint
from prunebench.config import OptimizerConfig, RunConfig
from prunebench.make_bases import declared_bases, ship
from prunebench.models import build_model
from prunebench.runner import run
from prunebench.scales import SCALES
from prunebench.shipped_bases import (
    MANIFEST,
    ShippedBaseError,
    install,
    read_manifest,
    verify,
    write_manifest,
)
from prunebench.train import SCHEDULES, one_cycle_factor

SHIPPED = read_manifest()


def network_of(base) -> nn.Module:
    """The recipe's network, its input channels and classes read off the weights' first and last layers."""
    state = load_checkpoint(base.folder() / "model.pt")
    weights = [t for t in state.values() if t.ndim >= 2]
    recipe = base.recipe
    return build_model(recipe["model"], in_channels=weights[0].shape[1], num_classes=weights[-1].shape[0],
                       width=recipe["width"], **recipe["model_options"]), state


@pytest.mark.unit
@pytest.mark.parametrize("run_id", sorted(SHIPPED))
def test_a_shipped_base_matches_its_manifest_and_loads(run_id):
    base = SHIPPED[run_id]
    verify(base)  # SHA-256 of every file
    model, state = network_of(base)
    model.load_state_dict(state)  # strict: the recipe's network, every tensor
    assert all(torch.isfinite(t).all() for t in state.values() if t.is_floating_point())
    result = json.loads((base.folder() / "result.json").read_text())
    assert result["run_id"] == run_id and result["metrics"]["top1_trained"] == base.top1
    assert json.loads((base.folder() / "config.json").read_text()) == base.recipe


@pytest.mark.unit
def test_every_shipped_base_is_one_the_quick_scale_declares():
    assert MANIFEST.exists(), "baselines/manifest.json is missing"
    declared = declared_bases(SCALES.get("quick"))
    assert set(SHIPPED) <= set(declared), f"shipped but no table starts from them: {sorted(set(SHIPPED) - set(declared))}"


@pytest.mark.smoke
def test_a_run_copies_its_shipped_base_instead_of_training_it(ops, tmp_path, monkeypatch):
    config = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, epochs=1, batch_size=64,
                       train_subset=128, eval_every=0, optimizer=OptimizerConfig("sgd", lr=0.05))
    trained = run(config, ops)
    manifest, root = tmp_path / "manifest.json", tmp_path / "shipped"
    write_manifest({config.run_id: ship(trained, "the command", root=root)}, manifest)
    monkeypatch.setattr(prunebench.runner, "install", functools.partial(install, manifest=manifest, root=root))
    elsewhere = replace(ops, baselines_root=tmp_path / "fresh_cache")

    def no_training(*args, **kwargs):
        raise AssertionError("the shipped base was trained again")

    monkeypatch.setattr(prunebench.runner, "run_function", lambda kind: no_training)
    copied = run(config, elsewhere)
    assert copied.metrics == trained.metrics
    assert copied.paths.weights.read_bytes() == trained.paths.weights.read_bytes()
    child = replace(config, method="magnitude", prune_rule="convs_except_stem", prune_ratio=0.5, parent=config)
    monkeypatch.undo()
    monkeypatch.setattr(prunebench.runner, "install", functools.partial(install, manifest=manifest, root=root))
    assert run(child, replace(elsewhere, baselines_root=tmp_path / "third_cache")).config.parent == config

    (root / config.run_id / "model.pt").write_bytes(b"not the weights")  # a damaged copy is refused, never loaded
    with pytest.raises(ShippedBaseError, match="re-make it: python -m prunebench.make_bases --only"):
        run(config, replace(ops, baselines_root=tmp_path / "fourth_cache"))


@pytest.mark.unit
def test_one_cycle_schedule_by_hand():
    # 10 epochs: warm-up over round(1.5) = 2 epochs (1/2, 1), then (10 - e + 1) / 9 down to 1/9 at epoch 10
    assert [one_cycle_factor(e, 10) for e in (1, 2, 3, 4, 10)] == pytest.approx([0.5, 1.0, 8 / 9, 7 / 9, 1 / 9])
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.2)
    scheduler = SCHEDULES.get("onecycle")(optimizer, OptimizerConfig("sgd", lr=0.2, schedule="onecycle"), 4)
    lrs = []
    for _ in range(4):  # 4 epochs: round(0.6) = 1 warm-up epoch at the peak, then 3/4, 2/4, 1/4 of it
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert lrs == pytest.approx([0.2, 0.15, 0.1, 0.05])
