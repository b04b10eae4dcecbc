"""Run ids are stable: a changed id would orphan every finished run and cached baseline."""
import dataclasses
from dataclasses import replace

import pytest

from prunebench.config import OptimizerConfig, RunConfig

pytestmark = pytest.mark.unit

DENSE = RunConfig(dataset="fashion_mnist", model="resnet18_cifar", width=0.25, epochs=4,
                  optimizer=OptimizerConfig("sgd", lr=0.05, momentum=0.9, weight_decay=5e-4, schedule="cosine"),
                  train_subset=12000, eval_every=0, tag="quick")
SLR = replace(DENSE, method="slr", prune_rule="residual_branch_convs", prune_ratio=0.9, epochs=4,
              optimizer=OptimizerConfig("adam", lr=0.01), method_options={"rho": 0.1}, parent=DENSE)


def test_pinned_run_ids():
    assert DENSE.run_id == "dense-resnet18_cifar-fashion_mnist-quick/783a5d49/seed0"
    assert SLR.run_id == "slr-resnet18_cifar-fashion_mnist-p0.9-quick/99269902/seed0"


def test_seed_and_tag_do_not_change_the_hash_but_science_does():
    assert replace(SLR, seed=4).config_hash == SLR.config_hash
    assert replace(SLR, tag="other").config_hash == SLR.config_hash
    assert replace(SLR, prune_ratio=0.8).config_hash != SLR.config_hash
    assert replace(SLR, method_options={"rho": 0.2}).config_hash != SLR.config_hash
    assert replace(SLR, parent=replace(DENSE, epochs=7)).config_hash != SLR.config_hash


# one changed value per field (open_lth's test_desc habit): each must give its own pinned hash, so a field that
# silently stops reaching the hash, or a change to how the hash is formed, fails here by name
CHANGED_FIELD_HASHES = {
    "dataset": ("cifar10", "72b095bc"),
    "model": ("resnet56", "911f4932"),
    "method": ("admm", "6e5b9026"),
    "width": (0.5, "44f3498f"),
    "model_options": ({"weights": "x"}, "aa5bc721"),
    "method_options": ({"rho": 0.2}, "94a2c834"),
    "prune_rule": ("convs_except_stem", "c20bee11"),
    "prune_ratio": (0.8, "b80269c5"),
    "epochs": (5, "42e63aab"),
    "batch_size": (64, "856148fb"),
    "optimizer": (OptimizerConfig("adam", lr=0.001), "27de0eca"),
    "train_subset": (6000, "9730d456"),
    "augment": (False, "894692d8"),
    "eval_every": (1, "3e17a2f7"),
    "stop_within_start_top1": (2.0, "baec66d3"),
    "parent": (replace(DENSE, epochs=7), "e5fdbaa7"),
    "precision": ("bf16", "cb24769c"),
    "kind": ("bezier_curve", "fdaf0dd5"),
    "partner": (replace(DENSE, epochs=7), "5b0d05de"),
}
OPERATIONAL_ONLY = {"seed", "tag", "derived"}  # in the id's readable part or the settings id, never in the hash


def test_pinned_settings_ids():
    assert DENSE.settings_id == "dense-resnet18_cifar-fashion_mnist-quick/783a5d49"  # no parent: the config hash
    assert SLR.settings_id == "slr-resnet18_cifar-fashion_mnist-p0.9-quick/dbb54e1f"
    assert replace(SLR, derived=("prune_ratio",)).run_id == SLR.run_id


def test_every_run_config_field_has_a_pinned_hash():
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    assert set(CHANGED_FIELD_HASHES) | OPERATIONAL_ONLY == fields, "a new RunConfig field needs a pinned hash here"


@pytest.mark.parametrize("name", sorted(CHANGED_FIELD_HASHES))
def test_a_changed_field_changes_the_hash_to_its_pinned_value(name):
    value, pinned = CHANGED_FIELD_HASHES[name]
    changed = replace(SLR, **{name: value})
    assert changed.config_hash != SLR.config_hash
    assert changed.config_hash == pinned
