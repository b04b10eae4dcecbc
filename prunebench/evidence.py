"""The one rule that turns seed-paired measurements into a verdict.

A comparison is judged on the differences between two arms that share a seed (same initial weights and data
order), so run-to-run noise common to both arms cancels. Each difference's mean is tested one-sided against the
claimed bound, in each direction, with Student's t (scipy.stats) at ALPHA = 2.5 % — the two-sided 95 % interval the
report prints lies wholly on one side exactly when one of the two tests rejects:
- holds: the difference lies on the claimed side (every one of the verdict's comparisons, where it has several:
  an intersection of tests needs no correction);
- fails: it lies on the other side — over a verdict's k comparisons by Holm's step-down at ALPHA, so that the
  chance that a true claim "fails" somewhere stays at ALPHA however many comparisons it has;
- inconclusive: neither, or n < MIN_SEEDS (no interval worth the name);
- no signal: nothing was measured — every value the same (e.g. every mAP 0), or the arms' runs at chance.

A run is at chance when its headline accuracy lies within a tenth of the way from chance to 100 % (at least
2 points) of the chance level: a bound chosen here, not the papers' — a network that close to guessing has learnt
too little for its sparsity, speed or accuracy differences to say anything about the method.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

HOLDS, FAILS, INCONCLUSIVE, NO_SIGNAL, NOT_RUN = "holds", "fails", "inconclusive", "no signal", "not run"
STATUSES = (HOLDS, FAILS, INCONCLUSIVE, NO_SIGNAL, NOT_RUN)
MIN_SEEDS = 3
MAX_SEEDS_ESTIMATED = 1000  # a seed count past this is reported as "more than"
CONFIDENCE = 0.95
ALPHA = (1 - CONFIDENCE) / 2  # one-sided, each direction
CHANCE_METRIC = "top1_chance"  # each run's row: the chance level (%) of its headline accuracy
CHANCE_SHARE, CHANCE_POINTS = 0.10, 2.0  # at chance: within max(2 points, 10 % of (100 − chance)) of chance
RULE = (f"mean of the seed-paired differences, one-sided Student-t tests at {ALPHA:.1%} each way (the two-sided "
        f"{CONFIDENCE:.0%} interval shown); holds: on the claimed side in every comparison, fails: on the other "
        f"side in one (Holm's step-down over the verdict's comparisons), inconclusive: neither, or n < {MIN_SEEDS}; "
        f"no signal: runs at chance (within max({CHANCE_POINTS:g} points, {CHANCE_SHARE:.0%} of the way to 100 %)"
        " — a bound chosen here — or every value equal")


def t_quantile(df: float) -> float:
    """t_{0.975, df}, the two-sided 95 % quantile of Student's t."""
    if not df >= 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    return float(stats.t.ppf(1 - ALPHA, df))


def chance_ceiling(chance: float) -> float:
    """The highest accuracy (%) that still counts as at chance (module docstring)."""
    return chance + max(CHANCE_POINTS, CHANCE_SHARE * (100.0 - chance))


@dataclass(frozen=True)
class Judged:
    """One comparison tested against a claimed side of a bound: the one-sided p-value of the claim (small: the
    difference lies on the claimed side) and of its opposite (small: on the other side)."""

    p_claim: float
    p_against: float

    @property
    def status(self) -> str:
        """Its status alone (a verdict of one comparison); `combine` judges several together."""
        return combine([self])


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float  # NaN when n < 2
    high: float
    n: int
    std: float = math.nan

    @classmethod
    def of(cls, values: Sequence[float]) -> Interval:
        values = [float(v) for v in values if not math.isnan(float(v))]
        n = len(values)
        if n == 0:
            return cls(math.nan, math.nan, math.nan, 0)
        mean = sum(values) / n
        if n < 2:
            return cls(mean, math.nan, math.nan, n)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
        half = t_quantile(n - 1) * std / math.sqrt(n)
        return cls(mean, mean - half, mean + half, n, std)

    def p_above(self, bound: float = 0.0) -> float:
        """One-sided p-value of 'the mean difference lies above `bound`' (1 with too few seeds)."""
        if self.n < MIN_SEEDS or math.isnan(self.std):
            return 1.0
        if self.std == 0:
            return 0.0 if self.mean > bound else 1.0
        return float(stats.t.sf((self.mean - bound) / (self.std / math.sqrt(self.n)), self.n - 1))

    def p_below(self, bound: float = 0.0) -> float:
        if self.n < MIN_SEEDS or math.isnan(self.std):
            return 1.0
        if self.std == 0:
            return 0.0 if self.mean < bound else 1.0
        return float(stats.t.cdf((self.mean - bound) / (self.std / math.sqrt(self.n)), self.n - 1))

    def side(self, bound: float = 0.0) -> str:
        """Where the interval lies relative to `bound`: 'above', 'below', or 'straddles' (also with n < MIN_SEEDS)."""
        if self.p_above(bound) < ALPHA:
            return "above"
        if self.p_below(bound) < ALPHA:
            return "below"
        return "straddles"

    def judge(self, claimed: str, bound: float = 0.0) -> Judged:
        """The test of 'the difference lies `claimed` ('above' or 'below') `bound`'; `combine` makes it a status."""
        if claimed not in ("above", "below"):
            raise ValueError(f"claimed must be 'above' or 'below', got {claimed!r}")
        above, below = self.p_above(bound), self.p_below(bound)
        return Judged(above, below) if claimed == "above" else Judged(below, above)

    def not_beyond(self, claimed: str, bound: float = 0.0) -> Judged:
        """The test of 'the difference does not lie on the far side of `bound` from `claimed`': it can only fail
        (nothing to show for it to hold), as in 'no worse at any ratio'."""
        return Judged(0.0, self.p_below(bound) if claimed == "above" else self.p_above(bound))

    @property
    def half_width(self) -> float:
        """Half the 95 % interval's width (NaN with fewer than two seeds)."""
        return (self.high - self.low) / 2

    def seeds_for(self, half_width: float, at_most: int = MAX_SEEDS_ESTIMATED) -> int | None:
        """The fewest seeds (at least MIN_SEEDS) whose 95 % interval would be at most `half_width` wide on either
        side, if the seed-to-seed spread stayed this one's; None where no spread is known or more than `at_most`."""
        if self.n < 2 or math.isnan(self.std) or half_width <= 0:
            return None
        for n in range(MIN_SEEDS, at_most + 1):
            if t_quantile(n - 1) * self.std / math.sqrt(n) <= half_width:
                return n
        return None

    def __str__(self) -> str:
        if math.isnan(self.low):
            return f"{self.mean:+.2f} (n={self.n}, no interval)"
        return f"{self.mean:+.2f} [{self.low:+.2f}, {self.high:+.2f}] (n={self.n})"


def no_signal(values: Sequence[float], chance: float | None = None) -> bool:
    """Nothing was measured: every value equal (a flat metric), or, where the metric has a chance level, every value
    at chance (`chance_ceiling`)."""
    values = [float(v) for v in values if not math.isnan(float(v))]
    if not values:
        return False
    if max(values) == min(values):
        return True
    return chance is not None and max(values) <= chance_ceiling(chance)


def holm_rejected(p_values: Sequence[float], alpha: float = ALPHA) -> set[int]:
    """Indices of the hypotheses Holm's step-down rejects at family-wise level `alpha`."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    rejected: set[int] = set()
    for rank, index in enumerate(order):
        if p_values[index] > alpha / (len(p_values) - rank):
            break
        rejected.add(index)
    return rejected


def combine(results: Sequence[str | Judged]) -> str:
    """A verdict over several comparisons, each a status or a test: the tests' failures by Holm's step-down across
    all of them, a test holding at ALPHA on its own. Then: fails if one fails, holds if every judged one holds, no
    signal if none carried signal, inconclusive otherwise."""
    tests = [r for r in results if isinstance(r, Judged)]
    failing = holm_rejected([t.p_against for t in tests])
    statuses = [r for r in results if isinstance(r, str)]
    statuses += [FAILS if i in failing else HOLDS if t.p_claim < ALPHA else INCONCLUSIVE for i, t in enumerate(tests)]
    judged = [s for s in statuses if s not in (NO_SIGNAL, NOT_RUN)]
    if not statuses or all(s == NOT_RUN for s in statuses):
        return NOT_RUN
    if not judged:
        return NO_SIGNAL
    if FAILS in judged:
        return FAILS
    return HOLDS if all(s == HOLDS for s in judged) else INCONCLUSIVE
