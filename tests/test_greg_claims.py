"""GReg claim checks written by its scripts (GREG-C10), on hand-made rows of three seeds."""
import pytest

from prunebench.claims import FAILS, HOLDS, INCONCLUSIVE
from reproductions.greg.table9 import insensitive_to_interval
from tests.report_fixtures import claim_rows

pytestmark = pytest.mark.unit


def table9(ku: dict[int, list[float]], l1: list[float]):
    values = {(f"cifar10/resnet56/ku{k}", "greg1", "top1_finetuned", 0.9): v for k, v in ku.items()}
    values[("cifar10/resnet56/r0.9", "l1_oneshot", "top1_finetuned", 0.9)] = l1
    return claim_rows(values, paper="greg", table="table9")


def test_interval_insensitivity_is_the_per_seed_margin_of_the_smallest_gain_over_the_spread():
    # seeds: GReg-1 (K_u 1, 5, 10) = (62, 63, 62.5), (61, 61.5, 62), (63, 63, 63.5); L1 = 58, 57, 59
    # smallest gain 4, 4, 4; spread 1, 1, 0.5 → margins 3, 3, 3.5: mean 3.17, sd 0.289 → [2.45, 3.88]
    held = insensitive_to_interval(table9({1: [62.0, 61.0, 63.0], 5: [63.0, 61.5, 63.0], 10: [62.5, 62.0, 63.5]},
                                          [58.0, 57.0, 59.0]))
    assert held.status == HOLDS and held.n == 3 and "+3.17 [+2.45, +3.88] (n=3)" in held.interval


def test_a_spread_over_k_u_beyond_the_gain_fails_and_a_straddling_margin_is_inconclusive():
    spread_wins = table9({1: [62.0, 61.0, 63.0], 10: [58.0, 57.0, 59.0]}, [57.0, 56.0, 58.0])  # 1 − 4 = −3 per seed
    assert insensitive_to_interval(spread_wins).status == FAILS
    close = table9({1: [60.0, 61.0, 62.0], 10: [59.0, 61.5, 61.0]}, [58.0, 59.5, 59.0])  # margins 0, 1, 1: [−0.77, +2.10]
    assert insensitive_to_interval(close).status == INCONCLUSIVE
