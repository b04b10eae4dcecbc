"""The verdict rule on hand-computed cases."""
import math

import pytest

from prunebench.evidence import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    NO_SIGNAL,
    NOT_RUN,
    Interval,
    Judged,
    chance_ceiling,
    combine,
    holm_rejected,
    no_signal,
    t_quantile,
)

pytestmark = pytest.mark.unit


def test_interval_of_three_differences_by_hand():
    # mean 4, sd 1, t(0.975, 2) = 4.302653, half-width 4.302653 / sqrt(3) = 2.484138
    iv = Interval.of([3.0, 4.0, 5.0])
    assert iv.n == 3 and iv.mean == 4.0
    assert iv.low == pytest.approx(1.515862, abs=1e-6) and iv.high == pytest.approx(6.484138, abs=1e-6)
    # t = 4 / (1 / sqrt 3) = 6.9282 on 2 df: one-sided p = 0.010102
    assert iv.p_above() == pytest.approx(0.010102, abs=1e-6) and iv.p_below() == pytest.approx(0.989898, abs=1e-6)
    assert iv.judge("above").status == HOLDS and iv.judge("below").status == FAILS
    assert str(iv) == "+4.00 [+1.52, +6.48] (n=3)"


def test_an_interval_that_straddles_is_inconclusive():
    iv = Interval.of([1.0, 2.0, 3.0])  # mean 2, half 2.484138: [-0.48, 4.48]
    assert iv.low == pytest.approx(-0.484138, abs=1e-6)
    assert iv.judge("above").status == INCONCLUSIVE == iv.judge("below").status
    assert iv.judge("above", bound=-1.0).status == HOLDS  # inside the claimed magnitude: no worse than -1


def test_fewer_than_three_seeds_give_no_verdict():
    assert Interval.of([5.0, 6.0]).judge("above").status == INCONCLUSIVE  # [-0.85, 11.85], but n < 3 decides
    one = Interval.of([9.0])
    assert one.n == 1 and math.isnan(one.low) and one.judge("above").status == INCONCLUSIVE
    assert str(one) == "+9.00 (n=1, no interval)"
    assert Interval.of([math.nan, 2.0, 2.0, 2.0]).n == 3  # a diverged seed does not count


def test_t_quantiles_are_students_table():
    assert t_quantile(1) == pytest.approx(12.706, abs=1e-3) and t_quantile(30) == pytest.approx(2.042, abs=1e-3)
    assert t_quantile(60) == pytest.approx(2.000, abs=1e-3)  # Student's table: 2.000
    assert t_quantile(120) == pytest.approx(1.980, abs=1e-3)
    assert t_quantile(7.5) == pytest.approx(2.3330, abs=1e-4)  # Welch's fractional degrees of freedom
    with pytest.raises(ValueError):
        t_quantile(0)


def test_no_signal_when_flat_or_at_chance():
    assert no_signal([0.0, 0.0, 0.0, 0.0])  # every mAP 0
    assert no_signal([10.5, 11.2, 9.8], chance=10.0)  # all within 2 points of 10 %
    assert no_signal([10.7, 15.5, 12.0], chance=10.0)  # within a tenth of the way to 100 %: 10 + 9 = 19 %
    assert not no_signal([10.5, 19.1, 9.8], chance=10.0)
    assert not no_signal([10.5, 11.2], chance=None)
    assert chance_ceiling(1.0) == pytest.approx(10.9) and chance_ceiling(0.1) == pytest.approx(10.09)
    assert chance_ceiling(90.0) == 92.0  # never closer than 2 points


def test_combining_comparisons():
    assert combine([HOLDS, HOLDS]) == HOLDS
    assert combine([HOLDS, INCONCLUSIVE]) == INCONCLUSIVE
    assert combine([HOLDS, FAILS, INCONCLUSIVE]) == FAILS
    assert combine([NO_SIGNAL, HOLDS]) == HOLDS  # the judged one decides; the report shows the silent one
    assert combine([NO_SIGNAL, NO_SIGNAL]) == NO_SIGNAL
    assert combine([NOT_RUN]) == NOT_RUN == combine([])


def test_holm_by_hand():
    # alpha 0.025 over 3: thresholds 0.00833, 0.0125, 0.025 in p order
    assert holm_rejected([0.001, 0.02, 0.012]) == {0, 1, 2}  # 0.001 < .00833, 0.012 < .0125, 0.02 < .025
    assert holm_rejected([0.009, 0.001, 0.3]) == {0, 1}  # 0.3 > 0.025 stops it
    assert holm_rejected([0.01, 0.02, 0.03]) == set()  # the smallest already above 0.00833


def test_a_verdict_of_several_comparisons_fails_only_past_holms_threshold():
    """One of three comparisons on the wrong side at p = 0.02 fails alone (0.02 < 0.025) but not among three (the
    chance that some true comparison of three looks that bad is ~3 x 0.02); at p = 0.005 it fails either way."""
    clean = Judged(p_claim=0.5, p_against=0.5)
    assert Judged(0.9, 0.02).status == FAILS
    assert combine([Judged(0.9, 0.02), clean, clean]) == INCONCLUSIVE
    assert combine([Judged(0.9, 0.005), clean, clean]) == FAILS
    assert combine([Judged(0.001, 0.9), Judged(0.02, 0.9)]) == HOLDS  # every one on the claimed side: no correction
    assert combine([Judged(0.001, 0.9), NO_SIGNAL]) == HOLDS
