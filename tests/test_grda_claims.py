"""gRDA claim checks on hand-made result rows."""
import pandas as pd
import pytest

from prunebench.claims import FAILS, HOLDS, INCONCLUSIVE, NO_SIGNAL, NOT_RUN
from reproductions.grda.common import (
    beats_magnitude,
    drop_beats_fixed,
    increases_with,
    magnitude_needs_retraining,
    tradeoff_at_high_mu,
)
from tests.report_fixtures import claim_rows

pytestmark = pytest.mark.unit

SGD, GRDA = "cifar10/vgg16/mc/sgd", "cifar10/vgg16/mc/c0.0005/mu0.6"


def results(magnitude_loss: list[float], magnitude_top1: list[float]) -> pd.DataFrame:
    return claim_rows({
        (SGD, "sgd", "train_loss_trained", 0.0): [0.50, 0.60, 0.70],
        (GRDA, "grda", "train_loss_trained", 0.0): [0.60, 0.70, 0.80],  # gap 0.10 in every seed
        (GRDA, "grda", "top1_trained", 0.0): [80.0, 81.0, 82.0],
        (GRDA, "magnitude_global", "train_loss_magnitude_noretrain", 0.0): magnitude_loss,
        (GRDA, "magnitude_global", "top1_magnitude_noretrain", 0.0): magnitude_top1,
    }, paper="grda", table="table_cifar")


def test_holds_when_magnitude_loss_rises_by_at_least_twice_the_gap_and_loses_accuracy():
    # rise 0.30, 0.31, 0.31 per seed: rise − 2·gap = 0.10, 0.11, 0.11 (mean 0.1067, sd 0.0058, half 0.0143)
    verdict = magnitude_needs_retraining()(results([0.80, 0.91, 1.01], [70.0, 71.0, 72.0]))
    assert verdict.status == HOLDS and verdict.n == 3
    assert "gap 0.100" in verdict.evidence and "+0.11 [+0.09, +0.12] (n=3)" in verdict.interval


def test_fails_when_the_rise_is_under_twice_the_gap():
    assert magnitude_needs_retraining()(results([0.65, 0.75, 0.85], [70.0, 71.0, 72.0])).status == FAILS  # rise 0.15


def test_fails_when_magnitude_keeps_gRDAs_accuracy():
    assert magnitude_needs_retraining()(results([1.5, 1.5, 1.5], [81.0, 82.0, 83.0])).status == FAILS  # 1 point above


def test_not_run_without_the_magnitude_arm():
    rows = results([1.0, 1.0, 1.0], [50.0, 50.0, 50.0])
    rows = rows[rows["method"] != "magnitude_global"]
    assert magnitude_needs_retraining()(rows).status == NOT_RUN


MUS = (0.51, 0.6, 0.7)


def mu_sweep(top1: tuple[list[float], ...], sparsity: tuple[list[float], ...] = ([54.0] * 3, [94.0] * 3, [98.0] * 3)) -> pd.DataFrame:
    """Three seeds of a μ sweep at one c: per μ, the seeds' top-1 and sparsity."""
    cells = [f"cifar10/vgg16/mc/c0.0005/mu{mu}" for mu in MUS]
    values = {}
    for cell, mu, acc, sp in zip(cells, MUS, top1, sparsity, strict=True):
        values[(cell, "grda", "sparsity_all", 0.0)] = sp
        values[(cell, "grda", "top1_trained", 0.0)] = acc
        values[(cell, "grda", "grda_mu", 0.0)] = [mu] * 3
        values[(cell, "grda", "grda_c_declared", 0.0)] = [0.0005] * 3  # settings are rows, not cell names
        values[(cell, "grda", "top1_chance", 0.0)] = [10.0] * 3  # CIFAR-10: 10 %, as every run records it
    return claim_rows(values, paper="grda", table="table_cifar")


FALLING = ([60.0, 61.0, 62.0], [33.0, 34.0, 35.0])


def test_tradeoff_holds_when_accuracy_falls_with_sparsity_in_every_seed():
    # steps: −27 in every seed; then −2, −2.5, −2.5: mean −2.33, sd 0.289, t(2) 4.303 → [−3.05, −1.62]
    verdict = tradeoff_at_high_mu()(mu_sweep((*FALLING, [31.0, 31.5, 32.5])))
    assert verdict.status == HOLDS and verdict.n == 3
    assert "-2.33 [-3.05, -1.62] (n=3)" in verdict.interval


def test_tradeoff_fails_on_a_rise_and_is_inconclusive_when_the_step_straddles():
    assert tradeoff_at_high_mu()(mu_sweep((*FALLING, [35.0, 36.0, 37.0]))).status == FAILS  # +2 in every seed
    assert tradeoff_at_high_mu()(mu_sweep((*FALLING, [32.0, 35.0, 34.0]))).status == INCONCLUSIVE  # −1, +1, −1


def test_tradeoff_at_chance_level_everywhere_is_no_evidence():
    verdict = tradeoff_at_high_mu()(mu_sweep(([10.0] * 3, [10.0, 10.5, 10.0], [10.5] * 3)))  # CIFAR-10 chance: 10 %
    assert verdict.status == NO_SIGNAL and "no evidence" in verdict.evidence


def test_sparsity_rising_with_mu_is_judged_per_step_and_seed():
    top1 = ([60.0] * 3, [50.0] * 3, [40.0] * 3)
    # steps 40, 39, 39 and 4, 3, 4 (mean 3.67, sd 0.577 → [2.23, 5.10])
    held = increases_with("mu")(mu_sweep(top1, ([54.0, 55.0, 56.0], [94.0, 94.0, 95.0], [98.0, 97.0, 99.0])))
    assert held.status == HOLDS and held.n == 3 and "+3.67 [+2.23, +5.10] (n=3)" in held.interval
    failed = increases_with("mu")(mu_sweep(top1, ([54.0, 55.0, 56.0], [94.0, 94.0, 95.0], [90.0, 91.0, 92.0])))
    assert failed.status == FAILS  # −4, −3, −3 from μ 0.6 to 0.7
    assert increases_with("mu")(mu_sweep(top1, ([0.0] * 3,) * 3)).status == NO_SIGNAL  # nothing pruned anywhere


def schedules(drop_top1: list[float], fixed_sparsity: list[float], fixed_top1: list[float] = (70.0, 71.0, 72.0)) -> pd.DataFrame:
    values = {}
    for schedule, top1, sparsity in (("drop140", drop_top1, [91.5, 91.6, 91.7]), ("fixed", list(fixed_top1), fixed_sparsity)):
        cell = f"imagenet/resnet50/{schedule}/c0.005/mu0.55"
        values.update({(cell, "grda", "top1_trained", 0.0): top1, (cell, "grda", "sparsity_all", 0.0): sparsity,
                       (cell, "grda", "grda_mu", 0.0): [0.55] * 3, (cell, "grda", "grda_c_declared", 0.0): [0.005] * 3})
    return claim_rows(values, paper="grda", table="figure4_accuracy_sparsity")


def test_late_drop_beats_fixed_lr_at_the_same_sparsity():
    check = drop_beats_fixed("drop140", "fixed")
    # top-1 +3 in every seed; sparsity Δ 0, 0.1, 0.1: mean 0.07, sd 0.058 → [−0.08, +0.21], inside (−1, +1)
    held = check(schedules([73.0, 74.0, 75.0], [91.5, 91.5, 91.6]))
    assert held.status == HOLDS and "+0.07 [-0.08, +0.21] (n=3)" in held.interval
    assert check(schedules([73.0, 74.0, 75.0], [89.0, 89.0, 89.0])).status == FAILS  # sparsity moved 2.5–2.7 points
    assert check(schedules([69.0, 70.0, 71.0], [91.5, 91.5, 91.6])).status == FAILS  # the drop loses a point per seed


def magnitude_rows(grda_top1: list[float], magnitude_top1: list[float]) -> pd.DataFrame:
    return claim_rows({(GRDA, "grda", "top1_trained", 0.0): grda_top1, (GRDA, "grda", "grda_mu", 0.0): [0.6] * 3,
                       (GRDA, "grda", "grda_c_declared", 0.0): [0.0005] * 3, (GRDA, "grda", "top1_chance", 0.0): [10.0] * 3,
                       (GRDA, "magnitude_global", "top1_magnitude_noretrain", 0.0): magnitude_top1},
                      paper="grda", table="figure4_accuracy_sparsity")


def test_grda_against_magnitude_pruning_is_paired_by_seed():
    held = beats_magnitude()(magnitude_rows([50.0, 51.0, 52.0], [40.0, 41.0, 43.0]))  # +10, +10, +9
    assert held.status == HOLDS and held.n == 3
    assert beats_magnitude()(magnitude_rows([50.0, 51.0, 52.0], [55.0, 56.0, 57.0])).status == FAILS
    assert beats_magnitude()(magnitude_rows([10.0, 11.0, 10.5], [10.0, 10.0, 11.0])).status == NO_SIGNAL  # both at chance


def test_matching_sgd_pairs_each_grda_seed_with_its_sgd_run():
    from reproductions.grda.common import matches_sgd, sparse_at

    cell = "cifar10/vgg16/mc/c0.0005/mu0.51"

    def rows(grda_top1: list[float], sparsity: float):
        return claim_rows({(SGD, "sgd", "top1_trained", 0.0): [90.0, 91.0, 92.0],
                           (cell, "grda", "top1_trained", 0.0): grda_top1, (cell, "grda", "sparsity_all", 0.0): [sparsity] * 3,
                           (cell, "grda", "grda_mu", 0.0): [0.51] * 3, (cell, "grda", "grda_c_declared", 0.0): [0.0005] * 3},
                          paper="grda", table="table_cifar")

    check, sparse = matches_sgd((0.51,), 0.5), sparse_at((0.51,), 80.0)
    held = check(rows([89.9, 91.0, 92.1], 85.0))  # Δ -0.1, 0, +0.1: [-0.25, +0.25] above -0.5
    assert held.status == HOLDS and held.n == 3 and "+0.00 [-0.25, +0.25] (n=3)" in held.interval
    assert sparse(rows([89.9, 91.0, 92.1], 85.0)).status == HOLDS
    # not sparse enough: that is the sparsity question's failure, the accuracy question still holds
    assert check(rows([89.9, 91.0, 92.1], 60.0)).status == HOLDS and sparse(rows([89.9, 91.0, 92.1], 60.0)).status == FAILS
    assert check(rows([88.0, 89.1, 89.9], 85.0)).status == FAILS  # Δ -2, -1.9, -2.1


def test_valley_is_judged_per_curve():
    from reproductions.grda.figure_connectivity import valley_check

    def rows(line: list[float]):
        return claim_rows({(GRDA, "bezier", "curve_max_train_loss", 0.0): [1.0, 1.1, 1.2],
                           (GRDA, "bezier", "endpoint_max_train_loss", 0.0): [1.0, 1.1, 1.2],
                           (GRDA, "bezier", "line_max_train_loss", 0.0): line}, paper="grda", table="figure_connectivity")

    held = valley_check(rows([1.5, 1.6, 1.7]))  # 2·end − curve 1.0, 1.1, 1.2 and a barrier of 0.5 on every curve
    assert held.status == HOLDS and held.n == 3 and "+0.50 [+0.50, +0.50] (n=3)" in held.interval
    assert valley_check(rows([0.9, 1.0, 1.1])).status == FAILS  # the segment is lower than the curve
    assert valley_check(rows([0.99, 1.1, 1.21])).status == "inconclusive"  # no barrier to speak of: -0.01, 0, +0.01


def test_late_drop_with_both_schedules_at_chance_is_no_signal_whatever_the_sparsity():
    rows = schedules([0.5, 0.5, 0.5], [91.5, 91.5, 91.6], fixed_top1=(0.5, 0.5, 0.5))
    rows = pd.concat([rows, rows[rows["metric"] == "top1_trained"].assign(metric="top1_chance")], ignore_index=True)
    assert drop_beats_fixed("drop140", "fixed")(rows).status == NO_SIGNAL  # every top-1 at its chance level, 0.5 %
