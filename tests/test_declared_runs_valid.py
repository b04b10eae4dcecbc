"""Every run a reproduction declares, at every scale, passes the runner's validation (names, numbers, method
options), so a new check never turns a paper-scale run into an error hours in — or at its first second."""
from __future__ import annotations

import importlib

import pytest

from prunebench.config import Operational
from prunebench.methods import METHODS
from prunebench.runner import validate
from prunebench.scales import SCALES

pytestmark = pytest.mark.unit

PLANS = {  # module -> its function from a scale to the arms it runs before any follow-up
    "reproductions.slr.table1": "arms", "reproductions.slr.table2": "arms", "reproductions.slr.table4": "arms",
    "reproductions.slr.figure1": "arms", "reproductions.slr.figure4": "arms", "reproductions.slr.figure5": "arms",
    "reproductions.slr.figure6": "arms",
    **{f"reproductions.greg.{t}": "arms" for t in ("table1", "table2", "table3", "table4", "table7", "table9", "table10",
                                                   "figure1", "figure2")},
    **{f"reproductions.proxns.{t}": "arms" for t in ("table1", "table2", "figure_scaling_factors")},
    "reproductions.grda.table_cifar": "arms", "reproductions.grda.figure4_accuracy_sparsity": "training_arms",
}


SLOW = {("reproductions.slr.table4", "paper")}  # solves its ratios on the full UFLD model eight times: 19 s


@pytest.mark.parametrize(
    ("module", "scale"),
    [pytest.param(m, s, marks=[pytest.mark.slow] if (m, s) in SLOW else []) for m in sorted(PLANS)
     for s in ("smoke", "quick", "paper")],
)
def test_every_declared_run_is_valid(module, scale):
    plan = getattr(importlib.import_module(module), PLANS[module])
    arms = plan(SCALES.get(scale))
    assert arms
    for arm in arms:
        validate(arm.config)
        METHODS.get(arm.config.method).from_dict(arm.config.method_options, {})  # finite, known options


def test_the_layerwise_figure_declares_valid_runs_too():
    from reproductions.grda import figure4_layerwise

    for scale in ("smoke", "quick", "paper"):
        for arm in figure4_layerwise.arms(SCALES.get(scale), Operational()):
            validate(arm.config)
