"""gRDA claim checks on hand-made result rows."""
import pandas as pd
import pytest

from prunebench.claims import FAILS, HOLDS, NO_SIGNAL, NOT_RUN
from reproductions.grda.common import magnitude_needs_retraining, tradeoff_at_high_mu
from tests.report_fixtures import claim_rows

pytestmark = pytest.mark.unit

SGD, GRDA = "cifar10/vgg16/mc/sgd", "cifar10/vgg16/mc/c0.0005/mu0.6"


def results(magnitude_loss: list[float], magnitude_top1: list[float]) -> pd.DataFrame:
    return claim_rows({
        (SGD, "sgd", "train_loss_final", 0.0): [0.50, 0.60, 0.70],
        (GRDA, "grda", "train_loss_final", 0.0): [0.60, 0.70, 0.80],  # gap 0.10 in every seed
        (GRDA, "grda", "top1_final", 0.0): [80.0, 81.0, 82.0],
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


def mu_sweep(top1: tuple[float, float, float]) -> pd.DataFrame:
    cells = [f"cifar10/vgg16/mc/c0.0005/mu{mu}" for mu in (0.51, 0.6, 0.7)]
    values = {(c, "grda", "sparsity_all", 0.0): [s] for c, s in zip(cells, (54.0, 94.0, 98.0), strict=True)}
    values.update({(c, "grda", "top1_final", 0.0): [a] for c, a in zip(cells, top1, strict=True)})
    values.update({(c, "grda", "grda_mu", 0.0): [mu] for c, mu in zip(cells, (0.51, 0.6, 0.7), strict=True)})
    values.update({(c, "grda", "grda_c_declared", 0.0): [0.0005] for c in cells})  # settings are rows, not cell names
    values.update({(c, "grda", "top1_chance", 0.0): [10.0] for c in cells})  # CIFAR-10: 10 %, as every run records it
    return claim_rows(values, paper="grda", table="table_cifar")


def test_tradeoff_holds_when_accuracy_falls_with_sparsity_and_fails_on_a_rise():
    assert tradeoff_at_high_mu()(mu_sweep((60.0, 33.0, 31.0))).status == HOLDS
    assert tradeoff_at_high_mu()(mu_sweep((60.0, 33.0, 35.0))).status == FAILS


def test_tradeoff_at_chance_level_everywhere_is_no_evidence():
    verdict = tradeoff_at_high_mu()(mu_sweep((10.0, 10.0, 10.5)))  # CIFAR-10 chance: 10 %
    assert verdict.status == NO_SIGNAL and "no evidence" in verdict.evidence


def test_matching_sgd_pairs_each_grda_seed_with_its_sgd_run():
    from reproductions.grda.common import matches_sgd

    cell = "cifar10/vgg16/mc/c0.0005/mu0.51"

    def rows(grda_top1: list[float], sparsity: float):
        return claim_rows({(SGD, "sgd", "top1_final", 0.0): [90.0, 91.0, 92.0],
                           (cell, "grda", "top1_final", 0.0): grda_top1, (cell, "grda", "sparsity_all", 0.0): [sparsity] * 3,
                           (cell, "grda", "grda_mu", 0.0): [0.51] * 3, (cell, "grda", "grda_c_declared", 0.0): [0.0005] * 3},
                          paper="grda", table="table_cifar")

    check = matches_sgd((0.51,), 0.5, 80.0)
    held = check(rows([89.9, 91.0, 92.1], 85.0))  # Δ -0.1, 0, +0.1: [-0.25, +0.25] above -0.5
    assert held.status == HOLDS and held.n == 3 and "+0.00 [-0.25, +0.25] (n=3)" in held.interval
    assert check(rows([89.9, 91.0, 92.1], 60.0)).status == FAILS  # not sparse enough for the claim
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
