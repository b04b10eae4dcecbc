"""The one rule that turns seed-paired measurements into a verdict.

A comparison is judged on the differences between two arms that share a seed (same initial weights and data
order), so run-to-run noise common to both arms cancels. The evidence is their mean with a two-sided 95 %
Student-t interval and n:
- holds: the interval lies on the claimed side of the claimed bound;
- fails: it lies on the other side;
- inconclusive: it straddles the bound, or n < MIN_SEEDS (no interval worth the name);
- no signal: the arms are at chance, or every value is the same (e.g. every mAP 0): nothing was measured.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

HOLDS, FAILS, INCONCLUSIVE, NO_SIGNAL, NOT_RUN = "holds", "fails", "inconclusive", "no signal", "not run"
STATUSES = (HOLDS, FAILS, INCONCLUSIVE, NO_SIGNAL, NOT_RUN)
MIN_SEEDS = 3
CONFIDENCE = 0.95
CHANCE_METRIC = "top1_chance"  # each run's row: the chance level (%) of its headline accuracy
CHANCE_MARGIN = 2.0  # points of accuracy above chance under which an arm counts as at chance
RULE = (f"mean of the seed-paired differences with a two-sided {CONFIDENCE:.0%} Student-t interval; holds: the "
        f"interval lies on the claimed side, fails: on the other, inconclusive: it straddles or n < {MIN_SEEDS}; "
        f"no signal: both arms within {CHANCE_MARGIN:g} points of chance, or every value equal")

# two-sided 95 % quantiles t_{0.975, df} for df = 1..30 (Student's table)
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
         2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
_Z975 = 1.959964


def t_quantile(df: int) -> float:
    """t_{0.975, df}: the table up to 30 degrees of freedom, Cornish-Fisher's expansion beyond (error < 1e-3)."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float  # NaN when n < 2
    high: float
    n: int

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
        return cls(mean, mean - half, mean + half, n)

    def side(self, bound: float = 0.0) -> str:
        """Where the interval lies relative to `bound`: 'above', 'below', or 'straddles' (also with n < MIN_SEEDS)."""
        if self.n < MIN_SEEDS or math.isnan(self.low):
            return "straddles"
        if self.low > bound:
            return "above"
        if self.high < bound:
            return "below"
        return "straddles"

    def judge(self, claimed: str, bound: float = 0.0) -> str:
        """The verdict on 'the difference lies `claimed` ('above' or 'below') `bound`'."""
        if claimed not in ("above", "below"):
            raise ValueError(f"claimed must be 'above' or 'below', got {claimed!r}")
        side = self.side(bound)
        return INCONCLUSIVE if side == "straddles" else HOLDS if side == claimed else FAILS

    def __str__(self) -> str:
        if math.isnan(self.low):
            return f"{self.mean:+.2f} (n={self.n}, no interval)"
        return f"{self.mean:+.2f} [{self.low:+.2f}, {self.high:+.2f}] (n={self.n})"


def no_signal(values: Sequence[float], chance: float | None = None) -> bool:
    """Nothing was measured: every value equal (a flat metric), or, where the metric has a chance level, every value
    within CHANCE_MARGIN points of it."""
    values = [float(v) for v in values if not math.isnan(float(v))]
    if not values:
        return False
    if max(values) == min(values):
        return True
    return chance is not None and max(values) <= chance + CHANCE_MARGIN


def combine(statuses: Sequence[str]) -> str:
    """A claim over several (cell, ratio) comparisons: fails if one fails, holds if every judged one holds, no
    signal if none carried signal, inconclusive otherwise."""
    judged = [s for s in statuses if s not in (NO_SIGNAL, NOT_RUN)]
    if not statuses or all(s == NOT_RUN for s in statuses):
        return NOT_RUN
    if not judged:
        return NO_SIGNAL
    if FAILS in judged:
        return FAILS
    return HOLDS if all(s == HOLDS for s in judged) else INCONCLUSIVE
