"""Every verdict rule, run on simulated seeds: the rates at which it calls a true claim "fails" and a false one
"holds" (each ≤ 5 %, asserted), and its power at the paper's effect with the scatter of quick-scale runs (printed).

The scatter: a paired difference of two quick-scale arms has a seed std of about 1.5 points (GReg Table 1 at r 0.9:
−0.80 [−5.36, +3.76] over 3 seeds is a std of 1.8; SLR Table 1: 1.0 to 4.4). Three seeds, as at quick scale.
A claim is simulated exactly true at its bound (the hardest case for a false "fails") and exactly false by the
same margin on the other side. Monte Carlo: 250 draws a rule, so a 5 % rate is measured to about ±1.4 points."""
from __future__ import annotations

import numpy as np
import pytest

from prunebench.claims import (
    FAILS,
    HOLDS,
    at_most,
    beats,
    falls,
    gap_grows,
    no_worse_and_wins_at_top,
    within_noise_or_better,
)
from tests.report_fixtures import claim_rows

pytestmark = pytest.mark.smoke

DRAWS, SEEDS, SCATTER, LIMIT = 250, 3, 1.5, 0.05
M = "top1_trained"


def rates(make_rows, check, effect: float) -> tuple[float, float]:
    """(share of draws that hold, share that fail) when the simulated effect is `effect`."""
    rng = np.random.default_rng(0)
    statuses = [check(make_rows(rng, effect)).status for _ in range(DRAWS)]
    return statuses.count(HOLDS) / DRAWS, statuses.count(FAILS) / DRAWS


def two_arms(cells: int, ratios: tuple[float, ...] = (0.5,)):
    """`cells` x `ratios` comparisons of a better and a worse arm, paired by seed: a seed effect both share, the
    difference `effect` plus noise of SCATTER."""

    def make(rng, effect):
        values = {}
        for c in range(cells):
            for ratio in ratios:
                base = 60 + rng.normal(0, 3, SEEDS)
                diff = (effect(ratio) if callable(effect) else effect) + rng.normal(0, SCATTER, SEEDS)
                values[(f"cifar10/net{c}", "better", M, ratio)] = list(base + diff)
                values[(f"cifar10/net{c}", "worse", M, ratio)] = list(base)
        return claim_rows(values)

    return make


def report(name: str, true_fails: float, false_holds: float, power: float) -> None:
    print(f"{name}: true claim fails {true_fails:.1%}, false claim holds {false_holds:.1%}, power {power:.1%}")


@pytest.mark.parametrize("cells", [1, 3])
def test_beats(cells):
    make = two_arms(cells)
    _, true_fails = rates(make, beats(M, "better", "worse"), 0.0)  # at the bound: true at the margin
    false_holds, _ = rates(make, beats(M, "better", "worse"), -0.0)
    power, _ = rates(make, beats(M, "better", "worse"), 2.15)  # GReg Table 1's gain at r 0.9
    report(f"beats over {cells} comparison(s)", true_fails, false_holds, power)
    assert true_fails <= LIMIT and false_holds <= LIMIT  # 3 comparisons, each at 2.5 %: 7 % without Holm


def test_no_worse_and_wins_at_top():
    make, rule = two_arms(2, (0.5, 0.9)), no_worse_and_wins_at_top(M, "better", "worse")
    _, true_fails = rates(make, rule, 0.0)
    false_holds, _ = rates(make, rule, lambda r: -0.0 if r == 0.9 else 0.0)
    power, _ = rates(make, rule, lambda r: 2.15 if r == 0.9 else 0.09)
    report("no worse, ahead at the top", true_fails, false_holds, power)
    assert true_fails <= LIMIT and false_holds <= LIMIT


def test_within_noise_or_better():
    make, rule = two_arms(1), within_noise_or_better(M, "better", "worse")
    _, true_fails = rates(make, rule, 0.0)  # no difference at all: true
    power, _ = rates(make, rule, 0.18)  # GReg-2's published edge
    report("within noise or better", true_fails, float("nan"), power)
    assert true_fails <= LIMIT


def test_gap_grows():
    make, rule = two_arms(1, (0.5, 0.9)), gap_grows(M, "better", "worse")
    _, true_fails = rates(make, rule, lambda r: 1.0)  # a constant gap: at the bound
    false_holds, _ = rates(make, rule, lambda r: 1.0)
    power, _ = rates(make, rule, lambda r: 3.18 if r == 0.9 else 0.09)  # GReg Table 1, ResNet56 r 0.5 → 0.9
    report("gap grows", true_fails, false_holds, power)
    assert true_fails <= LIMIT and false_holds <= LIMIT


def test_falls():
    def make(rng, drop):
        base = 80 + rng.normal(0, 3, SEEDS)
        return claim_rows({("c", "admm", M, 0.5): list(base + rng.normal(0, SCATTER, SEEDS)),
                           ("c", "admm", M, 0.9): list(base - drop + rng.normal(0, SCATTER, SEEDS))})

    rule = falls(M, "admm")
    _, true_fails = rates(make, rule, 0.0)
    false_holds, _ = rates(make, rule, 0.0)
    power, _ = rates(make, rule, 46.4)  # ADMM 92.49 → 46.09 on TuSimple
    report("falls", true_fails, false_holds, power)
    assert true_fails <= LIMIT and false_holds <= LIMIT


def test_a_property_of_every_run_on_three_runs():
    def make(rng, centre):
        return claim_rows({("c", "slr", "drop", 0.5): list(centre + rng.normal(0, 0.2, SEEDS))})

    rule = at_most("drop", "slr", 0.5)
    holds_when_true, _ = rates(make, rule, -0.5)  # well inside: every run satisfies it
    false_holds, _ = rates(make, rule, 1.0)  # every run outside
    report("every run (at most)", 1 - holds_when_true, false_holds, holds_when_true)
    assert false_holds <= LIMIT


def test_greg_table9_rules():
    from reproductions.greg.table9 import every_interval_beats_l1, insensitive_to_interval

    def make(rng, gain, spread=0.0):
        l1 = 60 + rng.normal(0, 3, SEEDS)
        values = {("cifar10/resnet56/r0.9", "l1_oneshot", "top1_finetuned", 0.9): list(l1)}
        for k, ku in enumerate((1, 5, 10)):
            values[(f"cifar10/resnet56/ku{ku}", "greg1", "top1_finetuned", 0.9)] = list(
                l1 + gain + k * spread + rng.normal(0, SCATTER, SEEDS))
        return claim_rows(values, paper="greg", table="table9")

    _, true_fails = rates(make, every_interval_beats_l1, 0.0)
    power, _ = rates(make, every_interval_beats_l1, 2.15)  # the paper's gain at r 0.9
    report("GREG-C10 every K_u beats L1", true_fails, float("nan"), power)
    assert true_fails <= LIMIT
    false_holds, _ = rates(lambda rng, s: make(rng, 2.0, s), insensitive_to_interval, 1.0)  # K_u moves it 1 a step
    report("GREG-C10b insensitive to K_u", float("nan"), false_holds, float("nan"))
    assert false_holds <= LIMIT
