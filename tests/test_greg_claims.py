"""GReg claim checks written by its scripts (GREG-C10, Table 10's runs as seeds, GReg-2 where quick runs it),
on hand-made rows."""
import pandas as pd
import pytest

from prunebench.claims import FAILS, HOLDS, INCONCLUSIVE
from reproductions.greg.table9 import every_interval_beats_l1, insensitive_to_interval
from tests.report_fixtures import claim_rows

pytestmark = pytest.mark.unit


def table9(ku: dict[int, list[float]], l1: list[float]):
    values = {(f"cifar10/resnet56/ku{k}", "greg1", "top1_finetuned", 0.9): v for k, v in ku.items()}
    values[("cifar10/resnet56/r0.9", "l1_oneshot", "top1_finetuned", 0.9)] = l1
    return claim_rows(values, paper="greg", table="table9")


def test_every_k_u_beating_l1_is_a_paired_interval_per_k_u():
    ku = {1: [62.0, 61.0, 63.0], 5: [63.0, 61.5, 63.0], 10: [62.5, 62.0, 63.5]}
    held = every_interval_beats_l1(table9(ku, [58.0, 57.0, 59.0]))  # gains (4, 4, 4), (5, 4.5, 4), (4.5, 5, 4.5)
    assert held.status == HOLDS and held.n == 3 and "+4.50 [+3.26, +5.74] (n=3)" in held.interval
    worse = every_interval_beats_l1(table9({1: [62.0, 61.0, 63.0], 10: [55.0, 54.5, 56.5]}, [58.0, 57.0, 59.0]))
    assert worse.status == FAILS  # K_u 10 − L1 = (−3, −2.5, −2.5): below 0 past Holm's threshold


def test_insensitivity_to_k_u_is_an_equivalence_test_within_a_point():
    close = table9({1: [62.0, 61.0, 63.0], 5: [62.2, 61.1, 63.1], 10: [61.9, 61.0, 62.9]}, [58.0] * 3)
    assert insensitive_to_interval(close).status == HOLDS  # every change inside ±1, both one-sided tests
    apart = table9({1: [62.0, 61.0, 63.0], 10: [58.0, 56.5, 59.5]}, [57.0, 56.0, 58.0])  # −4, −4.5, −3.5
    assert insensitive_to_interval(apart).status == FAILS
    unsure = table9({1: [60.0, 61.0, 62.0], 10: [59.0, 61.5, 61.0]}, [58.0, 59.5, 59.0])  # −1, 0.5, −1: straddles −1
    assert insensitive_to_interval(unsure).status == INCONCLUSIVE


def test_quick_runs_greg2_on_cifar_and_the_imagenet_tables_not_at_all_saying_why():
    from prunebench.scales import SCALES, NotRunAtScale
    from reproductions.greg import table2, table3, table4

    quick = SCALES.get("quick")
    assert {a.method for a in table2.arms(quick)} >= {"greg1", "greg2"}  # ResNet56: the paper's δλ', τ'
    for table in (table3, table4):
        with pytest.raises(NotRunAtScale, match="within a point of chance"):
            table.arms(quick)
        assert "greg2" in {a.method for a in table.arms(SCALES.get("smoke"))}
    assert "greg2" in {a.method for a in table3.arms(SCALES.get("paper"))}


def table10(greg1: list[float], random: list[float], l1: list[float]):
    """Run k's cell holds seed k − 1 (as the script trains it); L1 one-shot's own cell holds seeds 0, 1, 2."""
    rows = [claim_rows({(f"cifar10/resnet56/run{k + 1}", "greg1", "top1_finetuned", 0.9): [g],
                        (f"cifar10/resnet56/run{k + 1}", "random_oneshot", "top1_finetuned", 0.9): [r]},
                       paper="greg", table="table10").assign(seed=k)
            for k, (g, r) in enumerate(zip(greg1, random, strict=True))]
    rows.append(claim_rows({("cifar10/resnet56/r0.9", "l1_oneshot", "top1_finetuned", 0.9): l1}, paper="greg",
                           table="table10"))
    return pd.concat(rows, ignore_index=True)


def test_table10_judges_the_runs_of_a_network_as_its_seeds():
    from reproductions.greg.table10 import CLAIMS

    c4, c5 = CLAIMS
    # GReg-1 − random per run: 2, 3, 1 → mean 2, sd 1, half 2.48: [−0.48, +4.48], inconclusive with n = 3
    results = table10([62.0, 63.0, 61.0], [60.0, 60.0, 60.0], [64.0, 65.0, 66.0])
    verdict = c4.evaluate(results)
    assert verdict.status == INCONCLUSIVE and verdict.n == 3 and "+2.00 [-0.48, +4.48] (n=3)" in verdict.interval
    # L1 − random per seed: 4, 5, 6 → mean 5, sd 1: [+2.52, +7.48]
    verdict = c5.evaluate(results)
    assert verdict.status == HOLDS and verdict.n == 3 and "+5.00 [+2.52, +7.48] (n=3)" in verdict.interval
