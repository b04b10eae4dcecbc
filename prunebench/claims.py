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
    CHANCE_METRIC,
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    MAX_SEEDS_ESTIMATED,
    MIN_SEEDS,
    NO_SIGNAL,
    NOT_RUN,
    RULE,
    Interval,
    Judged,
    chance_ceiling,
    combine,
    no_signal,
)
from prunebench.stand_ins import notes

__all__ = ["FAILS", "HOLDS", "INCONCLUSIVE", "NO_SIGNAL", "NOT_RUN"]  # the statuses, re-exported for the scripts


@dataclass(frozen=True)
class Compared:
    """One paired comparison a verdict rests on, named as the paper's table names its numbers: so that its interval
    can be set beside the paper's own difference (`beside_the_paper`)."""

    cell: str
    prune_ratio: float
    metric: str
    better: str
    worse: str
    interval: Interval


@dataclass(frozen=True)
class Verdict:
    status: str
    evidence: str
    n: int | None = None  # seeds (or runs) the verdict rests on; None: the check did not say
    interval: str = ""  # the interval(s) judged; "" where the check has none
    rule: str = ""  # how the status follows from the evidence
    compared: tuple[Compared, ...] = ()  # its comparisons of two methods in a cell the paper prints


@dataclass(frozen=True)
class Claim:
    """A finding as its paper states it. `source`: the paper's own words and where they are (table, figure, section;
    or the repository file, where a claim comes from code or logs, saying so). `bound`: where a threshold of the check
    is prunebench's choice, not the paper's, what was chosen and why ("" where every number is the paper's)."""

    id: str
    statement: str
    check: Callable[[pd.DataFrame], Verdict]
    source: str = ""
    bound: str = ""

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
    return one_seed_once(arm_rows(results, metric, method, cell), ["cell", "method"]).groupby("seed")["value"].mean()


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
    runs_at_chance: bool = False  # every run behind a and b is at chance (whatever metric a and b are)
    in_paper: bool = True  # the cell is one the paper's table prints (not a sweep point or ablation added here)
    printed_cell: str = ""  # the paper's name of the cell, where a check grouped cells under another ("": `cell`)

    @property
    def interval(self) -> Interval:
        return Interval.of(list(self.a - self.b))

    @property
    def silent(self) -> bool:
        return self.runs_at_chance or no_signal([*self.a, *self.b], self.chance)

    def judge(self, claimed: str, bound: float = 0.0) -> str | Judged:
        return NO_SIGNAL if self.silent else self.interval.judge(claimed, bound)

    def describe(self, better: str, worse: str) -> str:
        return (f"{self.cell} p={self.prune_ratio:g}: {better} {self.a.mean():.2f} vs {worse} {self.b.mean():.2f}, "
                f"Δ {self.interval}" + (" — no signal" if self.silent else ""))


INPUT_ACCURACY_WORDS = ("baseline", "start")  # a top-1 row naming one of these describes the model the run started from


def runs_at_chance(results: pd.DataFrame) -> set[str]:
    """Run ids whose every top-1 accuracy row of their own (not the model they started from: a metric naming
    INPUT_ACCURACY_WORDS) is at chance (`evidence.chance_ceiling` of the run's CHANCE_METRIC): whatever else those
    runs report (sparsity, FLOPs, a loss gap) measured a network that learnt nothing."""
    chance = results[results["metric"] == CHANCE_METRIC].groupby("run_id")["value"].first()
    metric = results["metric"].astype(str)
    own = ~metric.str.contains("|".join(INPUT_ACCURACY_WORDS))
    top1 = results[metric.str.startswith("top1") & (metric != CHANCE_METRIC) & own
                   & results["run_id"].isin(chance.index)]
    best = top1.groupby("run_id")["value"].max()
    return {run for run, value in best.items() if value <= chance_ceiling(chance[run])}


def all_runs_at_chance(rows: pd.DataFrame, at_chance: set[str]) -> bool:
    return not rows.empty and set(rows["run_id"]) <= at_chance


def paired(results: pd.DataFrame, metric: str, better: str, worse: str) -> list[Pair]:
    """The seed-paired values of two arms in every (cell, prune_ratio) where both ran (seeds only one ran are left
    out: a difference needs both)."""
    rows = results[results["metric"] == metric]
    at_chance = runs_at_chance(results)
    out = []
    for (cell, ratio), group in rows.groupby(["cell", "prune_ratio"], sort=True):
        a, b = seed_values(group, metric, better), seed_values(group, metric, worse)
        seeds = a.index.intersection(b.index)
        if len(seeds):
            arms = group[group["method"].isin([better, worse]) & group["seed"].isin(seeds)]
            printed = set(arms.get(PRINTED_CELL, pd.Series([cell])))
            out.append(Pair(cell, float(ratio), a[seeds], b[seeds], _chance_for(metric, results, cell),
                            all_runs_at_chance(arms, at_chance), bool(arms.get(IN_PAPER, pd.Series([True])).all()),
                            printed.pop() if len(printed) == 1 else ""))
    return out


def paired_arms(results: pd.DataFrame, a: tuple[str, str | None, str], b: tuple[str, str | None, str]) -> Pair:
    """Two arms named by (metric, method, cell) — one setting against another, or two metrics of one run family —
    paired by seed; the chance level is that of `a`'s cell where `a`'s metric is an accuracy."""
    x, y = seed_values(results, *a), seed_values(results, *b)
    seeds = x.index.intersection(y.index)
    rows = pd.concat([arm_rows(results, *a), arm_rows(results, *b)])
    return Pair(a[2], math.nan, x[seeds], y[seeds], _chance_for(a[0], results, a[2]),
                all_runs_at_chance(rows[rows["seed"].isin(seeds)], runs_at_chance(results)))


def arm_rows(results: pd.DataFrame, metric: str, method: str | None, cell: str | None) -> pd.DataFrame:
    rows = results[results["metric"] == metric]
    if method is not None:
        rows = rows[rows["method"] == method]
    return rows if cell is None else rows[rows["cell"] == cell]


def interval_verdict(statuses: list[str], evidence: str, intervals: list[Interval], rule: str = RULE) -> Verdict:
    """A claim judged by several intervals: their combined status, the fewest seeds any of them rests on, and each
    interval, for the report."""
    return Verdict(combine(statuses), evidence, min(iv.n for iv in intervals), "; ".join(map(str, intervals)), rule)


def _verdict(status: str, pairs: list[Pair], parts: list[str], compared: tuple[str, str, str],
             rule: str = RULE) -> Verdict:
    """`compared`: the (metric, better, worse) every pair compares."""
    n = min((len(p.a) for p in pairs), default=0)
    comparisons = tuple(Compared(p.printed_cell or p.cell, p.prune_ratio, *compared, p.interval)
                        for p in pairs if p.in_paper)
    return Verdict(status, "; ".join(parts), n, "; ".join(str(p.interval) for p in pairs), rule, comparisons)


def beats(metric: str, better: str, worse: str) -> Callable[[pd.DataFrame], Verdict]:
    """`better` > `worse` on `metric` in every (cell, ratio): each paired difference's interval above 0."""

    def check(results: pd.DataFrame) -> Verdict:
        pairs = paired(results, metric, better, worse)
        if not pairs:
            return Verdict(NOT_RUN, f"no {metric} rows for both {better} and {worse}")
        status = combine([p.judge("above") for p in pairs])
        return _verdict(status, pairs, [p.describe(better, worse) for p in pairs], (metric, better, worse))

    return check


def beats_at_published(metric: str, better: str, worse: str) -> Callable[[pd.DataFrame], Verdict]:
    """`beats` on the rows of the cells the paper's table prints only: the sweep points and ablations a
    reproduction adds are not what the paper claims (`evaluate_claims` marks the rows)."""
    judge = beats(metric, better, worse)
    return lambda results: judge(results[results[IN_PAPER]] if IN_PAPER in results.columns else results)


def no_worse_and_wins_at_top(metric: str, better: str, worse: str) -> Callable[[pd.DataFrame], Verdict]:
    """`better` is not below `worse` at any ratio of a cell (no interval below 0) and ahead at its largest ratio
    (interval above 0) (claims.md GREG-C1)."""

    def check(results: pd.DataFrame) -> Verdict:
        pairs = paired(results, metric, better, worse)
        if not pairs:
            return Verdict(NOT_RUN, f"no {metric} rows for both {better} and {worse}")
        tests: list[str | Judged] = []
        tops_silent = False
        for cell in dict.fromkeys(p.cell for p in pairs):
            *lower, top = [p for p in pairs if p.cell == cell]
            tests += [NO_SIGNAL if p.silent else p.interval.not_beyond("above") for p in lower]
            tests.append(top.judge("above"))
            tops_silent = tops_silent or top.silent
        status = combine(tests)
        if status == HOLDS and tops_silent:
            status = NO_SIGNAL  # the part that can make it hold (ahead at the top) measured nothing
        return _verdict(status, pairs, [p.describe(better, worse) for p in pairs], (metric, better, worse))

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
        return _verdict(combine(statuses), pairs, parts, (metric, better, worse),
                        RULE + f"; here the bound is −(seed std of {worse})")

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
        at_chance = runs_at_chance(results)
        statuses, parts, intervals = [], [], []
        for cell, group in rows.groupby("cell", sort=True):
            by_ratio = group.pivot_table(index="seed", columns="prune_ratio", values="value", aggfunc="mean")
            if by_ratio.shape[1] < 2:
                continue
            drop = Interval.of(list((by_ratio.iloc[:, 0] - by_ratio.iloc[:, -1]).dropna()))
            silent = no_signal(list(group["value"]), _chance_for(metric, results, cell)) or \
                all_runs_at_chance(group, at_chance)
            statuses.append(NO_SIGNAL if silent else drop.judge("above"))
            means = ", ".join(f"p={r:g}: {m:.2f}" for r, m in by_ratio.mean().items())
            parts.append(f"{cell}: {means}; drop first − last {drop}" + (" — no signal" if silent else ""))
            intervals.append(drop)
        if not statuses:
            return Verdict(NOT_RUN, "needs at least two prune ratios in one cell")
        return interval_verdict(statuses, "; ".join(parts), intervals)

    return check


def _every_run(metric: str, method: str, holds: Callable[[float], bool], what: str) -> Callable[[pd.DataFrame], Verdict]:
    """A property of every run, on the MIN_SEEDS floor of every rule: with n ≥ MIN_SEEDS runs, one run without it is
    a counterexample (fails) and none holds; with fewer the direction is inconclusive. A run at chance measured
    nothing and is left out; none left is no signal."""

    def check(results: pd.DataFrame) -> Verdict:
        rows = results[(results["metric"] == metric) & (results["method"] == method)].dropna(subset=["value"])  # NaN: diverged
        if rows.empty:
            return Verdict(NOT_RUN, f"no {metric} rows")
        rule = (f"every run must satisfy it: with ≥ {MIN_SEEDS} runs one counterexample fails and none holds; fewer "
                f"runs are inconclusive; a run at chance is left out")
        silent = rows["run_id"].isin(runs_at_chance(results))
        note = f"; {int(silent.sum())} of {len(rows)} run(s) at chance left out" if silent.any() else ""
        rows = rows[~silent]
        if rows.empty:
            return Verdict(NO_SIGNAL, f"{metric}: no run measured anything{note}", 0, "", rule)
        values = rows["value"]
        failing = [v for v in values if not holds(v)]
        enough = len(values) >= MIN_SEEDS
        status = (FAILS if failing else HOLDS) if enough else INCONCLUSIVE
        evidence = (f"{metric} over {len(values)} run(s): min {values.min():g}, max {values.max():g}; {what}"
                    + (f"; {len(failing)} run(s) outside" if failing else "") + note
                    + ("" if enough else f"; n={len(values)} < {MIN_SEEDS}: the direction "
                                         f"{'fails' if failing else 'holds'}, no verdict"))
        return Verdict(status, evidence, len(values), "", rule)

    return check


def at_most(metric: str, method: str, limit: float) -> Callable[[pd.DataFrame], Verdict]:
    """Every run's `metric` (e.g. the longest run of violated conditions) is <= `limit`."""
    return _every_run(metric, method, lambda v: v <= limit, f"limit ≤ {limit:g}")


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
    """Every run with an accuracy is at chance: the table measured nothing."""
    measured = results[results["metric"] == CHANCE_METRIC]
    return not measured.empty and set(measured["run_id"]) <= runs_at_chance(results)


def held_to_the_rule(verdict: Verdict, results: pd.DataFrame) -> Verdict:
    """Every verdict on the same floor: a table whose every run is at chance has no signal, and a holds or fails on
    fewer than MIN_SEEDS seeds is inconclusive, whatever check made it (the core's rules or a script's own, which
    may name no n: then the table's fewest seeds per arm count)."""
    if verdict.status == NOT_RUN:
        return verdict
    n = verdict.n if verdict.n is not None else seeds_per_arm(results)
    if verdict.status == NO_SIGNAL:
        return replace(verdict, n=n, rule=verdict.rule or RULE)
    if all_at_chance(results):
        return replace(verdict, status=NO_SIGNAL, n=n, rule=verdict.rule or RULE,
                       evidence=f"{verdict.evidence}; every run's accuracy is at chance: no signal "
                                f"(the check alone said {verdict.status})")
    if n < MIN_SEEDS and verdict.status != INCONCLUSIVE:
        return replace(verdict, status=INCONCLUSIVE, n=n, rule=verdict.rule or RULE,
                       evidence=f"{verdict.evidence}; n={n} seed(s) < {MIN_SEEDS}: the direction {verdict.status}, "
                                f"no verdict")
    return replace(verdict, n=n, rule=verdict.rule or "the claim's own check on the seed means; no interval: it is not "
                                                      "a paired comparison of two arms")


def on_stand_in_data(verdict: Verdict, results: pd.DataFrame) -> Verdict:
    """The verdict with what its stand-in data sets can test (`prunebench.stand_ins`), where its runs used one."""
    said = notes(set(results["dataset"].dropna().astype(str))) if "dataset" in results.columns else []
    return replace(verdict, evidence=f"{verdict.evidence}; " + "; ".join(said)) if said else verdict


IN_PAPER = "in_paper"  # a row's column while claims are judged: its cell is one the paper's table prints
PRINTED_CELL = "printed_cell"  # ... and the cell as the paper prints it, whatever a check groups it under


def evaluate_claims(claims: list[Claim], results: pd.DataFrame,
                    paper_cells: set[str] | None = None) -> list[tuple[Claim, Verdict]]:
    """Each claim's verdict, on the floor of every rule. A variant (sweep point, ablation) is judged with its
    published cell; `paper_cells` (None: every cell) are the cells the paper's table prints."""
    if not results.empty:
        results = results.assign(**{IN_PAPER: results["cell"].isin(paper_cells) if paper_cells is not None else True},
                                 cell=results["cell"].map(published_cell))
        results = results.assign(**{PRINTED_CELL: results["cell"]})
    return [(claim, on_stand_in_data(held_to_the_rule(claim.evaluate(results), results), results)) for claim in claims]


def published_values(published: pd.DataFrame | None) -> dict[tuple[str, str, str], float]:
    """(cell, method, metric) -> the paper's number, for every numeric entry of its table (empty without one)."""
    if published is None:
        return {}
    numbers = published.assign(value=pd.to_numeric(published["value"], errors="coerce")).dropna(subset=["value"])
    return numbers.groupby(["cell", "method", "metric"])["value"].first().to_dict()


def beside_the_paper(verdict: Verdict, value: dict[tuple[str, str, str], float]) -> str:
    """Each comparison's 95 % half-width beside the paper's own difference in that cell (its published `better` −
    `worse` on the same metric), and the seeds that would bring the half-width to half the paper's difference at the
    spread measured: whether the interval could tell the paper's effect from none (`value`: `published_values`).
    "" where the paper prints no such pair."""
    parts = []
    for c in verdict.compared:
        if (c.cell, c.better, c.metric) not in value or (c.cell, c.worse, c.metric) not in value:
            continue
        effect = value[(c.cell, c.better, c.metric)] - value[(c.cell, c.worse, c.metric)]
        where = c.cell if math.isnan(c.prune_ratio) else f"{c.cell} p={c.prune_ratio:g}"
        if math.isnan(c.interval.half_width):
            parts.append(f"{where}: no interval (n={c.interval.n}) beside the paper's {effect:+.2f}")
            continue
        target = abs(effect) / 2
        seeds = c.interval.seeds_for(target)
        need = "the paper's difference is 0" if target == 0 else \
            f"±{target:.2f} needs {seeds or f'more than {MAX_SEEDS_ESTIMATED}'} seeds at this spread"
        parts.append(f"{where}: ±{c.interval.half_width:.2f} (n={c.interval.n}) beside the paper's {effect:+.2f}; {need}")
    return "; ".join(parts)


VERDICT_COLUMNS = ["paper", "table", "scale", "claim", "statement", "source", "bound", "status", "verdict", "n",
                   "interval", "beside_paper", "evidence", "rule", "evaluated_at", "git_sha"]


def verdict_frame(claims: list[Claim], results: pd.DataFrame, published: pd.DataFrame | None = None,
                  **identity: str) -> pd.DataFrame:
    """The verdicts as rows of `results/<scale>/claims/<paper>_<table>.csv`, which the report reads;
    `identity` gives paper, table, scale, evaluated_at and git_sha. `published`: the paper's table (its cells are
    the ones it prints; its differences are set beside the intervals). `verdict` is the status with its scope
    ("holds at quick scale"): a reduced-scale verdict is about the proxy runs, never the paper's setting."""
    scope = f" at {identity['scale']} scale" if identity.get("scale") else ""
    printed = set(published["cell"]) if published is not None and "cell" in published.columns else None
    paper_numbers = published_values(published if printed is not None else None)  # once per table, not per claim
    rows = [{**identity, "claim": c.id, "statement": c.statement, "source": c.source, "bound": c.bound,
             "status": v.status, "verdict": v.status + ("" if v.status == NOT_RUN else scope),
             "n": "" if v.n is None else v.n, "interval": v.interval,
             "beside_paper": beside_the_paper(v, paper_numbers),
             "evidence": v.evidence, "rule": v.rule}
            for c, v in evaluate_claims(claims, results, printed)]
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)
