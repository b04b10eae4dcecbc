"""Generic claim checks on hand-made result rows (seed-paired, 95 % interval; see tests/test_evidence.py)."""
import pytest

from prunebench.claims import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    NO_SIGNAL,
    NOT_RUN,
    Claim,
    Verdict,
    at_most,
    beats,
    evaluate_claims,
    falls,
    gap_grows,
    within_noise_or_better,
)
from tests.report_fixtures import claim_rows

pytestmark = pytest.mark.unit

CELL = "coco/yolov3-tiny"
M = "top1_hardprune"


def sweep(method: str, *per_ratio: list[float]):
    """Seeds' values per ratio 0.2, 0.5, 0.7."""
    return {(CELL, method, M, r): v for r, v in zip((0.2, 0.5, 0.7), per_ratio, strict=True)}


def test_falls_holds_when_every_seed_drops():
    verdict = falls(M, "admm")(claim_rows(sweep("admm", [90.0, 91.0, 92.0], [89.0, 90.0, 90.0], [60.0, 62.0, 61.0])))
    # drops 30, 29, 31: mean 30, sd 1, half 2.48
    assert verdict.status == HOLDS and verdict.n == 3 and "+30.00 [+27.52, +32.48] (n=3)" in verdict.interval


def test_falls_is_no_signal_on_a_flat_line_and_fails_on_a_rise():
    flat = claim_rows(sweep("admm", [0.0] * 3, [0.0] * 3, [0.0] * 3))
    assert falls(M, "admm")(flat).status == NO_SIGNAL  # every rate at 0 mAP: nothing measured
    rise = claim_rows(sweep("admm", [60.0, 61.0, 62.0], [70.0] * 3, [90.0, 91.0, 93.0]))
    assert falls(M, "admm")(rise).status == FAILS


def test_falls_needs_two_ratios():
    one = claim_rows({(CELL, "admm", M, 0.2): [90.0]})
    assert falls(M, "admm")(one).status == NOT_RUN


def test_beats_pairs_by_seed():
    # seed-paired differences 2, 2.5, 1.5 hold although the arms' spreads overlap
    rows = claim_rows({("c", "slr", M, 0.5): [70.0, 80.0, 75.0], ("c", "admm", M, 0.5): [68.0, 77.5, 73.5]})
    verdict = beats(M, "slr", "admm")(rows)
    assert verdict.status == HOLDS and verdict.n == 3 and "[+0.76, +3.24]" in verdict.interval
    one_seed = claim_rows({("c", "slr", M, 0.5): [80.0], ("c", "admm", M, 0.5): [60.0]})
    assert beats(M, "slr", "admm")(one_seed).status == INCONCLUSIVE


def test_beats_at_chance_is_no_signal():
    rows = claim_rows({("c", "slr", M, 0.5): [11.0, 10.0, 10.5], ("c", "admm", M, 0.5): [10.0, 10.0, 10.0],
                       ("c", "slr", "top1_chance", 0.5): [10.0] * 3, ("c", "admm", "top1_chance", 0.5): [10.0] * 3})
    assert beats(M, "slr", "admm")(rows).status == NO_SIGNAL


def test_gap_grows_by_seed():
    rows = claim_rows({**sweep("slr", [80.0, 80.0, 80.0], [79.0] * 3, [75.0, 76.0, 77.0]),
                       **sweep("admm", [80.0, 80.0, 80.0], [78.0] * 3, [65.0, 66.0, 66.0])})
    verdict = gap_grows(M, "slr", "admm")(rows)  # growth per seed 10, 10, 11
    assert verdict.status == HOLDS and verdict.n == 3


def test_within_noise_bound_is_the_worse_arms_std():
    rows = claim_rows({("c", "greg2", M, 0.5): [90.0, 91.0, 92.0], ("c", "greg1", M, 0.5): [90.5, 91.5, 92.0]})
    verdict = within_noise_or_better(M, "greg2", "greg1")(rows)  # Δ -0.5,-0.5,0: [-1.05, +0.38], bound -0.76
    assert verdict.status == INCONCLUSIVE
    rows = claim_rows({("c", "greg2", M, 0.5): [90.0, 93.0, 96.0], ("c", "greg1", M, 0.5): [90.0, 93.0, 96.0]})
    assert within_noise_or_better(M, "greg2", "greg1")(rows).status == HOLDS  # Δ 0 exactly, bound -3


def test_every_run_property_needs_three_runs_to_hold_or_fail():
    rows = claim_rows({("c", "slr", "longest", 0.5): [2.0, 3.0]})
    assert at_most("longest", "slr", 5)(rows).status == INCONCLUSIVE
    rows = claim_rows({("c", "slr", "longest", 0.5): [2.0, 3.0, 1.0]})
    assert at_most("longest", "slr", 5)(rows).status == HOLDS
    one = at_most("longest", "slr", 5)(claim_rows({("c", "slr", "longest", 0.5): [9.0]}))
    assert one.status == INCONCLUSIVE and "n=1 < 3: the direction fails" in one.evidence  # the floor of every rule
    rows = claim_rows({("c", "slr", "longest", 0.5): [9.0, 2.0, 1.0]})
    assert at_most("longest", "slr", 5)(rows).status == FAILS  # one counterexample among three


def test_every_run_property_leaves_out_runs_at_chance():
    drop, before, chance = "removal_drop", "top1_before_removal", "top1_chance"

    def rows(drops, befores):
        return claim_rows({("c", "greg1", drop, 0.5): drops, ("c", "greg1", before, 0.5): befores,
                           ("c", "greg1", chance, 0.5): [10.0] * len(drops)})

    check = at_most(drop, "greg1", 0.5)
    # every run at chance before removal (up to 10 + 9 = 19 %): a 4.5-point "drop" measures nothing
    silent = check(rows([4.5, -1.8, 0.2], [10.03, 9.2, 18.9]))
    assert silent.status == NO_SIGNAL and silent.n == 0 and "3 of 3 run(s) at chance left out" in silent.evidence
    # the run at 25 % counts: its drop of 4.5 is a counterexample, but one run is no verdict
    verdict = check(rows([4.5, -1.8, 0.2], [25.0, 9.2, 11.9]))
    assert verdict.status == INCONCLUSIVE and verdict.n == 1
    # three runs above chance, every drop within the limit
    assert check(rows([0.4, -1.8, 0.2], [40.0, 35.0, 30.0])).status == HOLDS


def test_a_comparison_of_sparsity_between_runs_at_chance_is_no_signal():
    """Not only accuracy: any metric of runs that learnt nothing (gRDA at 99 % sparsity and 0.5 % top-1) says nothing
    about the method."""
    sparsity = {("c", m, "sparsity", 0.5): v for m, v in (("grda", [99.1, 99.5, 99.8]), ("sgd", [0.0, 0.0, 0.0]))}
    dead = {("c", m, "top1_trained", 0.5): [0.5, 0.6, 0.4] for m in ("grda", "sgd")}
    chance = {("c", m, "top1_chance", 0.5): [0.5] * 3 for m in ("grda", "sgd")}
    assert beats("sparsity", "grda", "sgd")(claim_rows({**sparsity, **dead, **chance})).status == NO_SIGNAL
    alive = {("c", m, "top1_trained", 0.5): [60.0, 61.0, 62.0] for m in ("grda", "sgd")}
    assert beats("sparsity", "grda", "sgd")(claim_rows({**sparsity, **alive, **chance})).status == HOLDS


def test_a_scripts_own_check_is_held_to_the_rule():
    own = Claim("X", "x", lambda results: Verdict(FAILS, "mean below"))
    one_seed = claim_rows({("c", "slr", M, 0.5): [80.0]})
    (_, verdict), = evaluate_claims([own], one_seed)
    assert verdict.status == INCONCLUSIVE and verdict.n == 1 and "direction fails" in verdict.evidence
    at_chance = claim_rows({("c", "slr", M, 0.5): [10.0, 11.0, 10.5], ("c", "slr", "top1_chance", 0.5): [10.0] * 3})
    (_, verdict), = evaluate_claims([own], at_chance)
    assert verdict.status == NO_SIGNAL
    learnt = claim_rows({("c", "slr", M, 0.5): [70.0, 71.0, 72.0], ("c", "slr", "top1_chance", 0.5): [10.0] * 3})
    (_, verdict), = evaluate_claims([own], learnt)
    assert verdict.status == FAILS and verdict.n == 3 and "no interval" in verdict.rule


def test_slr_lossless_check_pairs_each_seed_with_its_baseline():
    from reproductions.slr.table2 import nearly_lossless

    def rows(pruned: list[float]):
        return claim_rows({("c", "dense", "top1_trained", 0.0): [80.0, 81.0, 82.0],
                           ("c", "slr", "top1_hardprune", 0.5): pruned, ("c", "slr", "params_pruned", 0.5): [50.0] * 3})

    held = nearly_lossless(rows([79.5, 80.6, 81.4]))  # Δ -0.5, -0.4, -0.6: [-0.75, -0.25] above -1
    assert held.status == HOLDS and held.n == 3 and "-0.50 [-0.75, -0.25]" in held.interval
    assert nearly_lossless(rows([77.0, 77.9, 79.1])).status == FAILS  # Δ -3, -3.1, -2.9
