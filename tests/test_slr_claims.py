"""SLR figure claim checks (SLR-C5, C7, C8) on hand-made rows of three seeds."""
import pandas as pd
import pytest

from prunebench.claims import FAILS, HOLDS, INCONCLUSIVE, NO_SIGNAL
from reproductions.slr.figure1 import faster
from reproductions.slr.figure4 import MASS, closer_to_sparse
from reproductions.slr.figure5 import DEFAULT, ROW, insensitive
from tests.report_fixtures import claim_rows

pytestmark = pytest.mark.unit

CELL = ROW.cell


def epochs(slr: list[tuple[int, bool]], admm: list[tuple[int, bool]]) -> pd.DataFrame:
    """Per seed (epochs trained, threshold reached) of each arm."""
    return claim_rows({(CELL, method, metric, 0.9): [float(e[i]) for e in arm]
                       for method, arm in (("slr", slr), ("admm", admm))
                       for i, metric in enumerate(("epochs_trained", "reached_threshold"))}, paper="slr", table="figure1")


def test_slr_faster_is_judged_on_the_per_seed_epochs_saved():
    # ADMM − SLR: 3, 4, 5 → mean 4, sd 1, t(2) 4.303 → [1.52, 6.48]
    held = faster(epochs([(2, True), (3, True), (2, True)], [(5, True), (7, True), (7, True)]))
    assert held.status == HOLDS and held.n == 3 and "+4.00 [+1.52, +6.48] (n=3)" in held.interval
    assert faster(epochs([(5, True), (7, True), (7, True)], [(2, True), (3, True), (2, True)])).status == FAILS
    # horizon 10: an unreached ADMM counts as 11 epochs, so SLR's 7, 8, 8 save 4, 3, 3 → [+1.90, +4.77]
    assert faster(epochs([(7, True), (8, True), (8, True)], [(10, False)] * 3)).status == HOLDS
    assert faster(epochs([(8, True), (9, True), (10, True)], [(10, False)] * 3)).status == INCONCLUSIVE  # 3, 2, 1


def test_no_run_reaching_the_threshold_is_no_signal():
    verdict = faster(epochs([(10, False)] * 3, [(10, False)] * 3))
    assert verdict.status == NO_SIGNAL and "no signal" in verdict.evidence


def test_less_mass_outside_the_support_is_judged_by_the_paired_interval():
    def rows(slr: list[float]) -> pd.DataFrame:
        return claim_rows({(CELL, "slr", MASS, 0.9): slr, (CELL, "admm", MASS, 0.9): [0.30, 0.40, 0.50]},
                          paper="slr", table="figure4")

    assert closer_to_sparse(rows([0.10, 0.20, 0.30])).status == HOLDS  # −0.2 in every seed
    assert closer_to_sparse(rows([0.40, 0.50, 0.60])).status == FAILS
    assert closer_to_sparse(rows([0.20, 0.50, 0.45])).status == INCONCLUSIVE  # −0.1, +0.1, −0.05


def ablation(final: dict[tuple[str, float], list[float]], first: dict[tuple[str, float], list[float]] | None = None) -> pd.DataFrame:
    """SLR runs of three seeds: the default setting and each (parameter, value) named, with their top-1s."""
    settings = {("default", 0.0): None, **dict.fromkeys(final)}
    frames = []
    for index, setting in enumerate(settings):
        options = {**DEFAULT, **({setting[0]: setting[1]} if setting[0] != "default" else {})}
        values = {(CELL, "slr", "top1_hardprune", 0.9): final.get(setting, [50.0, 51.0, 52.0]),
                  (CELL, "slr", "top1_hardprune_first_read", 0.9): (first or {}).get(setting, [40.0, 41.0, 42.0]),
                  (CELL, "slr", "top1_chance", 0.9): [10.0] * 3}
        values.update({(CELL, "slr", f"slr_{k}", 0.9): [v] * 3 for k, v in options.items()})
        frame = claim_rows(values, paper="slr", table="figure5")
        frames.append(frame.assign(run_id=frame["run_id"] + f"-{index}"))
    return pd.concat(frames, ignore_index=True)


def test_ablation_holds_when_every_value_stays_within_a_point_of_the_default():
    # default 50, 51, 52; M=100: +0.2, −0.1, +0.2 → mean 0.1, sd 0.173, half 0.43 → [−0.33, +0.53] inside ±1;
    # s0 = 1e-3 first read 2 points behind the default's in every seed
    verdict = insensitive(ablation({("M", 100.0): [50.2, 50.9, 52.2], ("s0", 1e-3): [50.0, 51.0, 52.0]},
                                   {("s0", 1e-3): [38.0, 39.0, 40.0]}))
    assert verdict.status == HOLDS and verdict.n == 3 and "+0.10 [-0.33, +0.53] (n=3)" in verdict.interval


def test_ablation_fails_when_a_value_moves_the_final_accuracy_by_more_than_a_point():
    assert insensitive(ablation({("r", 0.5): [47.0, 48.0, 49.0]})).status == FAILS  # −3 in every seed
    assert insensitive(ablation({("r", 0.5): [49.5, 51.0, 52.5]})).status == INCONCLUSIVE  # −0.5, 0, +0.5: straddles ±1


def gains(slr: list[float], admm_low: list[float], admm_high: list[float]) -> pd.DataFrame:
    """Masked-retraining gains of three seeds at ratio 0.45 (SLR's in both) and 0.987."""
    return claim_rows({("tusimple/ufld_resnet18", "slr", "retrain_gain", 0.45): slr,
                       ("tusimple/ufld_resnet18", "slr", "retrain_gain", 0.987): slr,
                       ("tusimple/ufld_resnet18", "admm", "retrain_gain", 0.45): admm_low,
                       ("tusimple/ufld_resnet18", "admm", "retrain_gain", 0.987): admm_high}, paper="slr", table="table4")


def test_retrain_free_needs_slrs_gain_below_half_a_point_at_every_rate():
    from reproductions.slr.table4 import retrain_free

    held = retrain_free(gains([0.1, 0.2, 0.0], [1.0, 1.5, 2.0], [3.0, 4.0, 5.0]))  # SLR [−0.15, +0.35] below 0.5
    assert held.status == HOLDS and held.n == 3 and "+0.10 [-0.15, +0.35] (n=3)" in held.interval
    assert retrain_free(gains([1.0, 1.2, 1.1], [1.0, 1.5, 2.0], [3.0, 4.0, 5.0])).status == FAILS  # SLR gains a point


def test_admm_gains_more_than_slr_is_its_own_verdict_at_high_ratios():
    from reproductions.slr.table4 import admm_gains_more

    # ADMM − SLR at 0.987: 2.9, 3.8, 5 → [+1.28, +6.52]; the ratio 0.45 is not judged
    held = admm_gains_more(gains([0.1, 0.2, 0.0], [1.0, 1.5, 2.0], [3.0, 4.0, 5.0]))
    assert held.status == HOLDS and held.interval == "+3.90 [+1.28, +6.52] (n=3)"


def test_admm_recovers_everywhere_and_by_five_points_at_the_highest_ratio_are_two_verdicts():
    from reproductions.slr.table4 import admm_gain_at

    everywhere, highest = admm_gain_at("every"), admm_gain_at("highest")
    rows = gains([0.0] * 3, [1.0, 1.5, 2.0], [7.0, 8.0, 9.0])
    assert everywhere(rows).status == HOLDS and highest(rows).status == HOLDS  # [+5.52, +10.48] above 5
    assert highest(rows).interval == "+8.00 [+5.52, +10.48] (n=3)"
    rows = gains([0.0] * 3, [1.0, 1.5, 2.0], [6.0, 7.0, 8.0])
    assert everywhere(rows).status == HOLDS and highest(rows).status == INCONCLUSIVE  # [4.52, 9.48]
    rows = gains([0.0] * 3, [-1.0, -1.1, -1.2], [7.0, 8.0, 9.0])  # p = 0.0014 against, below Holm's 0.0125
    assert everywhere(rows).status == FAILS and highest(rows).status == HOLDS
    rows = gains([0.0] * 3, [-1.0, -1.5, -2.0], [7.0, 8.0, 9.0])  # p = 0.018: one of two, not past Holm's 0.0125
    assert everywhere(rows).status == INCONCLUSIVE


def test_a_first_read_that_no_setting_changes_is_no_signal_for_the_early_claim():
    verdict = insensitive(ablation({("s0", 1e-1): [50.2, 50.9, 52.2]}, {("s0", 1e-1): [40.0, 41.0, 42.0]}))
    # the final Δ lies inside ±1 and is judged; the first reads are equal in every seed, a part without signal
    assert verdict.status == HOLDS and "the same read in every seed: no signal" in verdict.evidence
