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
    combine,
    no_signal,
    t_quantile,
)

pytestmark = pytest.mark.unit


def test_interval_of_three_differences_by_hand():
    # mean 4, sd 1, t(0.975, 2) = 4.303, half-width 4.303 / sqrt(3) = 2.4843
    iv = Interval.of([3.0, 4.0, 5.0])
    assert iv.n == 3 and iv.mean == 4.0
    assert iv.low == pytest.approx(1.5157, abs=1e-4) and iv.high == pytest.approx(6.4843, abs=1e-4)
    assert iv.judge("above") == HOLDS and iv.judge("below") == FAILS
    assert str(iv) == "+4.00 [+1.52, +6.48] (n=3)"


def test_an_interval_that_straddles_is_inconclusive():
    iv = Interval.of([1.0, 2.0, 3.0])  # mean 2, half 2.4843: [-0.48, 4.48]
    assert iv.low == pytest.approx(-0.4843, abs=1e-4)
    assert iv.judge("above") == INCONCLUSIVE == iv.judge("below")
    assert iv.judge("above", bound=-1.0) == HOLDS  # inside the claimed magnitude: no worse than -1


def test_fewer_than_three_seeds_give_no_verdict():
    assert Interval.of([5.0, 6.0]).judge("above") == INCONCLUSIVE  # [-0.85, 11.85] anyway, but n < 3 decides
    one = Interval.of([9.0])
    assert one.n == 1 and math.isnan(one.low) and one.judge("above") == INCONCLUSIVE
    assert str(one) == "+9.00 (n=1, no interval)"
    assert Interval.of([math.nan, 2.0, 2.0, 2.0]).n == 3  # a diverged seed does not count


def test_t_quantiles():
    assert t_quantile(1) == 12.706 and t_quantile(30) == 2.042
    assert t_quantile(60) == pytest.approx(2.000, abs=1e-3)  # Student's table: 2.000
    assert t_quantile(120) == pytest.approx(1.980, abs=1e-3)
    with pytest.raises(ValueError):
        t_quantile(0)


def test_no_signal_when_flat_or_at_chance():
    assert no_signal([0.0, 0.0, 0.0, 0.0])  # every mAP 0
    assert no_signal([10.5, 11.2, 9.8], chance=10.0)  # all within 2 points of 10 %
    assert not no_signal([10.5, 31.0, 9.8], chance=10.0)
    assert not no_signal([10.5, 11.2], chance=None)


def test_combining_comparisons():
    assert combine([HOLDS, HOLDS]) == HOLDS
    assert combine([HOLDS, INCONCLUSIVE]) == INCONCLUSIVE
    assert combine([HOLDS, FAILS, INCONCLUSIVE]) == FAILS
    assert combine([NO_SIGNAL, HOLDS]) == HOLDS  # the judged one decides; the report shows the silent one
    assert combine([NO_SIGNAL, NO_SIGNAL]) == NO_SIGNAL
    assert combine([NOT_RUN]) == NOT_RUN == combine([])
