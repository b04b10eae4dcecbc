"""Run ids are stable: a changed id would orphan every finished run and cached baseline."""
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
