"""Every run a reproduction declares, at every scale, passes the runner's validation (names, numbers, method
options), so a new check never turns a paper-scale run into an error hours in — or at its first second."""
from __future__ import annotations

import pytest

from prunebench.methods import METHODS
from prunebench.reproduction import load, scripts
from prunebench.run_kinds import RUN_KINDS
from prunebench.runner import validate
from prunebench.scales import SCALES, NotRunAtScale

pytestmark = pytest.mark.unit

SLOW = {("slr/table4", "paper")}  # solves its ratios on the full UFLD model eight times: 19 s


@pytest.mark.parametrize(
    ("name", "scale"),
    [pytest.param(n, s, marks=[pytest.mark.slow] if (n, s) in SLOW else []) for n in scripts()
     for s in ("smoke", "quick", "paper")],
)
def test_every_declared_run_is_valid(name, scale):
    try:
        arms = load(name).arms(SCALES.get(scale), None)
    except NotRunAtScale as declined:  # a table that runs nothing at this scale says why instead
        assert declined.why.strip()
        return
    assert arms
    for arm in arms:
        validate(arm.config)
        if RUN_KINDS.get(arm.config.kind).method_is_registered:
            METHODS.get(arm.config.method).from_dict(arm.config.method_options, {})  # finite, known options

