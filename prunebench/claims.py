"""A paper's qualitative conclusions as checks over a results table.

A reproduction declares its claims (ids from shared/reference/claims.md); the report evaluates them on the results
CSV alone. A comparison pairs the two arms' rows by seed within each (cell, prune_ratio) and judges the mean
difference by its 95 % interval (`prunebench.evidence`: holds / fails / inconclusive / no signal, or not run). A
check written by a script (its own `Verdict`) that names no n is held to the same floor by `evaluate_claims`: fewer
than MIN_SEEDS seeds make its direction inconclusive, and a table whose every accuracy is at chance has no signal.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from prunebench.cells import published_cell
from prunebench.evidence import (
    CHANCE_MARGIN,
    CHANCE_METRIC,
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    MIN_SEEDS,
    NO_SIGNAL,
    NOT_RUN,
    RULE,
    Interval,
    combine,
    no_signal,
)

__all__ = ["FAILS", "HOLDS", "INCONCLUSIVE", "NO_SIGNAL", "NOT_RUN"]  # the statuses, re-exported for the scripts


@dataclass(frozen=True)
class Verdict:
    status: str
    evidence: str
    n: int | None = None  # seeds (or runs) the verdict rests on; None: the check did not say
    interval: str = ""  # the interval(s) judged; "" where the check has none
    rule: str = ""  # how the status follows from the evidence


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str
    check: Callable[[pd.DataFrame], Verdict]

    def evaluate(self, results: pd.DataFrame) -> Verdict:
        return self.check(results)


def arm_stats(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """mean, std (ddof=1) and n per (cell, method, prune_ratio) for one metric."""
    rows = one_seed_once(results[results["metric"] == metric], ["cell", "method", "prune_ratio"])
    if rows.empty:
        return pd.DataFrame(columns=["cell", "method", "prune_ratio", "mean", "std", "n"])
    stats = rows.groupby(["cell", "method", "prune_ratio"])["value"].agg(["mean", "std", "count"]).reset_index()
    return stats.rename(columns={"count": "n"})


def seed_values(results: pd.DataFrame, metric: str, method: str | None = None, cell: str | None = None) -> pd.Series:
    """`metric`'s value per seed (indexed by seed) for one method and cell, where given: what a paired comparison
    subtracts."""
    rows = results[results["metric"] == metric]
    if method is not None:
        rows = rows[rows["method"] == method]
    if cell is not None:
        rows = rows[rows["cell"] == cell]
    return one_seed_once(rows, ["cell", "method"]).groupby("seed")["value"].mean()


def one_seed_once(rows: pd.DataFrame, arm: list[str]) -> pd.DataFrame:
    """`rows` of one metric with each seed of an arm once. Two runs of a seed may report the same metric (a pruning run
    and its fine-tuning, both its chance level); where they agree that is one value, where they differ (different
    settings ids) the claim reads two recipes as one arm, an error."""
    per_seed = rows.groupby([*arm, "seed"], dropna=False)
    ambiguous = (per_seed["settings_id"].nunique() > 1) & (per_seed["value"].nunique() > 1)
    if ambiguous.any():
        where = dict(zip([*arm, "seed"], ambiguous[ambiguous].index[0], strict=True))
        raise ValueError(f"{rows['metric'].iloc[0]} of {where} differs between runs with different settings: "
                         "a claim must read one of them")
    return per_seed["value"].first().reset_index()


def chance_level(results: pd.DataFrame, cell: str) -> float | None:
    """The chance level (%) of a cell's headline accuracy, from its runs' CHANCE_METRIC rows (None: unknown)."""
    rows = results[(results["metric"] == CHANCE_METRIC) & (results["cell"] == cell)]["value"].dropna()
    return float(rows.mean()) if not rows.empty else None


def _chance_for(metric: str, results: pd.DataFrame, cell: str) -> float | None:
    return chance_level(results, cell) if metric.startswith("top1") else None


@dataclass(frozen=True)
class Pair:
    """One (cell, prune_ratio) of a comparison: each arm's value per shared seed."""

    cell: str
    prune_ratio: float
    a: pd.Series  # indexed by seed
    b: pd.Series
    chance: float | None

    @property
    def interval(self) -> Interval:
        return Interval.of(list(self.a - self.b))

    @property
    def silent(self) -> bool:
        return no_signal([*self.a, *self.b], self.chance)

    def judge(self, claimed: str, bound: float = 0.0) -> str:
        return NO_SIGNAL if self.silent else self.interval.judge(claimed, bound)

    def describe(self, better: str, worse: str) -> str:
        return (f"{self.cell} p={self.prune_ratio:g}: {better} {self.a.mean():.2f} vs {worse} {self.b.mean():.2f}, "
                f"Δ {self.interval}" + (" — no signal" if self.silent else ""))


def paired(results: pd.DataFrame, metric: str, better: str, worse: str) -> list[Pair]:
    """The seed-paired values of two arms in every (cell, prune_ratio) where both ran (seeds only one ran are left
    out: a difference needs both)."""
    rows = results[results["metric"] == metric]
    out = []
    for (cell, ratio), group in rows.groupby(["cell", "prune_ratio"], sort=True):
        a, b = seed_values(group, metric, better), seed_values(group, metric, worse)
        seeds = a.index.intersection(b.index)
        if len(seeds):
            out.append(Pair(cell, float(ratio), a[seeds], b[seeds], _chance_for(metric, results, cell)))
    return out


def paired_arms(results: pd.DataFrame, a: tuple[str, str | None, str], b: tuple[str, str | None, str]) -> Pair:
    """Two arms named by (metric, method, cell) — one setting against another, or two metrics of one run family —
    paired by seed; the chance level is that of `a`'s cell where `a`'s metric is an accuracy."""
    x, y = seed_values(results, *a), seed_values(results, *b)
    seeds = x.index.intersection(y.index)
    return Pair(a[2], math.nan, x[seeds], y[seeds], _chance_for(a[0], results, a[2]))


def interval_verdict(statuses: list[str], evidence: str, intervals: list[Interval], rule: str = RULE) -> Verdict:
    """A claim judged by several intervals: their combined status, the fewest seeds any of them rests on, and each
    interval, for the report."""
    return Verdict(combine(statuses), evidence, min(iv.n for iv in intervals), "; ".join(map(str, intervals)), rule)


def _verdict(status: str, pairs: list[Pair], parts: list[str], rule: str = RULE) -> Verdict:
    n = min((len(p.a) for p in pairs), default=0)
    return Verdict(status, "; ".join(parts), n, "; ".join(str(p.interval) for p in pairs), rule)


def beats(metric: str, better: str, worse: str) -> Callable[[pd.DataFrame], Verdict]:
    """`better` > `worse` on `metric` in every (cell, ratio): each paired difference's interval above 0."""

    def check(results: pd.DataFrame) -> Verdict:
        pairs = paired(results, metric, better, worse)
        if not pairs:
            return Verdict(NOT_RUN, f"no {metric} rows for both {better} and {worse}")
        status = combine([p.judge("above") for p in pairs])
        return _verdict(status, pairs, [p.describe(better, worse) for p in pairs])

    return check


def no_worse_and_wins_at_top(metric: str, better: str, worse: str) -> Callable[[pd.DataFrame], Verdict]:
    """`better` is not below `worse` at any ratio of a cell (no interval below 0) and ahead at its largest ratio
    (interval above 0) (claims.md GREG-C1)."""

    def check(results: pd.DataFrame) -> Verdict:
        pairs = paired(results, metric, better, worse)
        if not pairs:
            return Verdict(NOT_RUN, f"no {metric} rows for both {better} and {worse}")
        statuses = []
        for cell in dict.fromkeys(p.cell for p in pairs):
            sweep = [p for p in pairs if p.cell == cell]
            below = any(not p.silent and p.interval.side(0.0) == "below" for p in sweep)
            statuses.append(FAILS if below else sweep[-1].judge("above"))
        return _verdict(combine(statuses), pairs, [p.describe(better, worse) for p in pairs])

    return check


def within_noise_or_better(metric: str, better: str, worse: str) -> Callable[[pd.DataFrame], Verdict]:
    """`better` ≥ `worse` − the seed std of `worse` in every (cell, ratio) (claims.md GREG-C8): the paired
    difference's interval lies above −std."""

    def check(results: pd.DataFrame) -> Verdict:
        pairs = paired(results, metric, better, worse)
        if not pairs:
            return Verdict(NOT_RUN, f"no {metric} rows for both {better} and {worse}")
        margins = [p.b.std() if len(p.b) > 1 else math.nan for p in pairs]
        statuses = [INCONCLUSIVE if math.isnan(m) and not p.silent else p.judge("above", -m)
                    for p, m in zip(pairs, margins, strict=True)]
        parts = [f"{p.describe(better, worse)}, bound −{m:.2f}" for p, m in zip(pairs, margins, strict=True)]
        return _verdict(combine(statuses), pairs, parts, RULE + f"; here the bound is −(seed std of {worse})")

    return check


def gap_grows(metric: str, better: str, worse: str) -> Callable[[pd.DataFrame], Verdict]:
    """Within each cell, the gap better − worse is larger at the highest ratio than at the lowest: per seed,
    (gap at the top) − (gap at the bottom), interval above 0 (claims.md SLR-C2). Spearman ρ of the mean gaps is
    shown, not judged."""

    def check(results: pd.DataFrame) -> Verdict:
        pairs = paired(results, metric, better, worse)
        statuses, parts, intervals = [], [], []
        for cell in dict.fromkeys(p.cell for p in pairs):
            sweep = [p for p in pairs if p.cell == cell]
            if len(sweep) < 2:
                continue
            low, top = sweep[0], sweep[-1]
            seeds = low.a.index.intersection(top.a.index)
            growth = Interval.of(list((top.a - top.b)[seeds] - (low.a - low.b)[seeds]))
            means = pd.Series([p.interval.mean for p in sweep], index=[p.prune_ratio for p in sweep])
            rho = pd.Series(means.index).rank().corr(pd.Series(means.values).rank())
            silent = all(p.silent for p in sweep)
            statuses.append(NO_SIGNAL if silent else growth.judge("above"))
            gaps = ", ".join(f"p={r:g}: {v:+.2f}" for r, v in means.items())
            parts.append(f"{cell}: mean gaps {gaps}; growth top − bottom {growth}; Spearman ρ={rho:.2f}"
                         + (" — no signal" if silent else ""))
            intervals.append(growth)
        if not statuses:
            return Verdict(NOT_RUN, "needs at least two prune ratios in one cell")
        return interval_verdict(statuses, "; ".join(parts), intervals)

    return check


def falls(metric: str, method: str) -> Callable[[pd.DataFrame], Verdict]:
    """`method`'s `metric` ends lower than it starts along each cell's sweep: per seed, (value at the lowest ratio)
    − (value at the highest), interval above 0; a flat line (e.g. every rate at 0 mAP) is no signal."""

    def check(results: pd.DataFrame) -> Verdict:
        rows = results[(results["metric"] == metric) & (results["method"] == method)]
        statuses, parts, intervals = [], [], []
        for cell, group in rows.groupby("cell", sort=True):
            by_ratio = group.pivot_table(index="seed", columns="prune_ratio", values="value", aggfunc="mean")
            if by_ratio.shape[1] < 2:
                continue
            drop = Interval.of(list((by_ratio.iloc[:, 0] - by_ratio.iloc[:, -1]).dropna()))
            silent = no_signal(list(group["value"]), _chance_for(metric, results, cell))
            statuses.append(NO_SIGNAL if silent else drop.judge("above"))
            means = ", ".join(f"p={r:g}: {m:.2f}" for r, m in by_ratio.mean().items())
            parts.append(f"{cell}: {means}; drop first − last {drop}" + (" — no signal" if silent else ""))
            intervals.append(drop)
        if not statuses:
            return Verdict(NOT_RUN, "needs at least two prune ratios in one cell")
        return interval_verdict(statuses, "; ".join(parts), intervals)

    return check


def _every_run(metric: str, method: str, holds: Callable[[float], bool], what: str,
               signal: str | None = None) -> Callable[[pd.DataFrame], Verdict]:
    """A property of every run: one run without it is a counterexample (fails); it holds once MIN_SEEDS runs have
    it, and is inconclusive with fewer. With `signal` (a top-1 metric of the same run), a run whose `signal` is
    within CHANCE_MARGIN of its chance level measured nothing and is left out; none left is no signal."""

    def check(results: pd.DataFrame) -> Verdict:
        rows = results[(results["metric"] == metric) & (results["method"] == method)].dropna(subset=["value"])  # NaN: diverged
        if rows.empty:
            return Verdict(NOT_RUN, f"no {metric} rows")
        silent_note = ""
        if signal is not None:
            per_run = results[results["method"] == method].pivot_table(index="run_id", columns="metric", values="value")
            at_chance = set(per_run.index[per_run[signal] <= per_run[CHANCE_METRIC] + CHANCE_MARGIN]) \
                if {signal, CHANCE_METRIC} <= set(per_run.columns) else set()
            silent_note = (f"; {len(at_chance & set(rows['run_id']))} of {len(rows)} run(s) left out: their {signal} is "
                           f"within {CHANCE_MARGIN:g} points of chance")
            rows = rows[~rows["run_id"].isin(at_chance)]
            if rows.empty:
                return Verdict(NO_SIGNAL, f"{metric}: no run measured anything{silent_note}", 0, "",
                               f"a run at chance in {signal} measures nothing; none left is no signal")
        values = rows["value"]
        failing = [v for v in values if not holds(v)]
        status = FAILS if failing else HOLDS if len(values) >= MIN_SEEDS else INCONCLUSIVE
        evidence = (f"{metric} over {len(values)} run(s): min {values.min():g}, max {values.max():g}; {what}"
                    + (f"; {len(failing)} run(s) outside" if failing else "") + silent_note)
        rule = f"every run must satisfy it: one counterexample fails, ≥ {MIN_SEEDS} runs without one hold"
        if signal is not None:
            rule += f"; a run at chance in {signal} (within {CHANCE_MARGIN:g} points) is left out"
        return Verdict(status, evidence, len(values), "", rule)

    return check


def at_most(metric: str, method: str, limit: float, signal: str | None = None) -> Callable[[pd.DataFrame], Verdict]:
    """Every run's `metric` (e.g. the longest run of violated conditions) is <= `limit`."""
    return _every_run(metric, method, lambda v: v <= limit, f"limit ≤ {limit:g}", signal)


def at_least(metric: str, method: str, limit: float) -> Callable[[pd.DataFrame], Verdict]:
    """Every run's `metric` (e.g. a fraction of layers that behave as claimed) is >= `limit`."""
    return _every_run(metric, method, lambda v: v >= limit, f"limit ≥ {limit:g}")


def seeds_per_arm(results: pd.DataFrame) -> int:
    """The fewest seeds any (cell, method, prune_ratio) of the table ran."""
    rows = results[results["metric"] != CHANCE_METRIC]
    if rows.empty:
        return 0
    return int(rows.groupby(["cell", "method", "prune_ratio"])["seed"].nunique().min())


def all_at_chance(results: pd.DataFrame) -> bool:
    """Every run's headline accuracy within CHANCE_MARGIN of its chance level: the table measured nothing."""
    chance = results[results["metric"] == CHANCE_METRIC].groupby("run_id")["value"].first()
    top1 = results[results["metric"].str.startswith("top1") & (results["metric"] != CHANCE_METRIC)]
    top1 = top1[top1["run_id"].isin(chance.index)]
    return not top1.empty and bool((top1["value"] <= top1["run_id"].map(chance) + CHANCE_MARGIN).all())


def held_to_the_rule(verdict: Verdict, results: pd.DataFrame) -> Verdict:
    """A script's own check that names no n: judged on the same floor as the core's comparisons."""
    if verdict.n is not None or verdict.status == NOT_RUN:
        return verdict
    n = seeds_per_arm(results)
    if verdict.status == NO_SIGNAL:
        return replace(verdict, n=n, rule=verdict.rule or RULE)
    if all_at_chance(results):
        return replace(verdict, status=NO_SIGNAL, n=n, rule=RULE,
                       evidence=f"{verdict.evidence}; every run's accuracy is at chance: no signal "
                                f"(the check alone said {verdict.status})")
    if n < MIN_SEEDS and verdict.status != INCONCLUSIVE:
        return replace(verdict, status=INCONCLUSIVE, n=n, rule=RULE,
                       evidence=f"{verdict.evidence}; n={n} seed(s) < {MIN_SEEDS}: the direction {verdict.status}, "
                                f"no verdict")
    return replace(verdict, n=n, rule=verdict.rule or "the claim's own check on the seed means; no interval: it is not "
                                                      "a paired comparison of two arms")


def evaluate_claims(claims: list[Claim], results: pd.DataFrame) -> list[tuple[Claim, Verdict]]:
    if not results.empty:
        results = results.assign(cell=results["cell"].map(published_cell))  # a variant is judged with its cell
    return [(claim, held_to_the_rule(claim.evaluate(results), results)) for claim in claims]


VERDICT_COLUMNS = ["paper", "table", "scale", "claim", "statement", "status", "n", "interval", "evidence", "rule",
                   "evaluated_at", "git_sha"]


def verdict_frame(claims: list[Claim], results: pd.DataFrame, **identity: str) -> pd.DataFrame:
    """The verdicts as rows of `results/<scale>/claims/<paper>_<table>.csv`, which the report reads;
    `identity` gives paper, table, scale, evaluated_at and git_sha."""
    rows = [{**identity, "claim": c.id, "statement": c.statement, "status": v.status,
             "n": "" if v.n is None else v.n, "interval": v.interval, "evidence": v.evidence, "rule": v.rule}
            for c, v in evaluate_claims(claims, results)]
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)
