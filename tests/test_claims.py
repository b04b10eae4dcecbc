"""Generic claim checks on hand-made result rows."""
import pytest

from prunebench.claims import FAILS, HOLDS, NOT_RUN, falls
from tests.report_fixtures import claim_rows

pytestmark = pytest.mark.unit

CELL = "coco/yolov3-tiny"


def admm(*means: float):
    """One seed per ratio 0.2, 0.5, 0.7 with the given hard-prune values."""
    return claim_rows({(CELL, "admm", "top1_hardprune", r): [m] for r, m in zip((0.2, 0.5, 0.7), means, strict=True)})


def test_falls_holds_for_a_non_increasing_sweep_that_ends_lower():
    verdict = falls("top1_hardprune", "admm")(admm(90.0, 90.0, 60.0))
    assert verdict.status == HOLDS and "p=0.7: 60.00" in verdict.evidence


def test_falls_fails_on_a_rise_and_on_a_flat_line():
    assert falls("top1_hardprune", "admm")(admm(90.0, 91.0, 60.0)).status == FAILS
    assert falls("top1_hardprune", "admm")(admm(0.0, 0.0, 0.0)).status == FAILS  # every rate at 0: no evidence


def test_falls_needs_two_ratios():
    assert falls("top1_hardprune", "admm")(admm(90.0, 80.0, 70.0).head(1)).status == NOT_RUN
