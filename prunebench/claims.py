"""A paper's qualitative conclusions as checks over a results table.

A reproduction declares its claims (ids from shared/reference/claims.md); the report evaluates them on
the results CSV alone. A check answers holds / fails / not run, always with the numbers it judged on.
Rows are grouped by (cell, method, prune_ratio) over seeds; a difference counts only when it exceeds
the seeds' standard deviation (ddof=1), which needs >= 2 seeds — with one seed the direction alone is
judged and the verdict says so.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from prunebench.cells import published_cell

HOLDS, FAILS, NOT_RUN = "holds", "fails", "not run"


@dataclass(frozen=True)
class Verdict:
    status: str
    evidence: str


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str
    check: Callable[[pd.DataFrame], Verdict]

    def evaluate(self, results: pd.DataFrame) -> Verdict:
        return self.check(results)


def arm_stats(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """mean, std (ddof=1) and n per (cell, method, prune_ratio) for one metric."""
    rows = results[results["metric"] == metric]
    if rows.empty:
        return pd.DataFrame(columns=["cell", "method", "prune_ratio", "mean", "std", "n"])
    stats = rows.groupby(["cell", "method", "prune_ratio"])["value"].agg(["mean", "std", "count"]).reset_index()
    return stats.rename(columns={"count": "n"})


def _paired(results: pd.DataFrame, metric: str, better: str, worse: str) -> pd.DataFrame:
    stats = arm_stats(results, metric)
    a = stats[stats["method"] == better].drop(columns="method")
    b = stats[stats["method"] == worse].drop(columns="method")
    both = a.merge(b, on=["cell", "prune_ratio"], suffixes=("_a", "_b"))
    both["gap"] = both["mean_a"] - both["mean_b"]
    both["noise"] = both[["std_a", "std_b"]].max(axis=1).fillna(0.0)
    return both.sort_values(["cell", "prune_ratio"])


def _seeds_note(pairs: pd.DataFrame) -> str:
    n = int(pairs[["n_a", "n_b"]].min().min())
    return f"n={n} seed(s) per arm" + ("; one seed: direction only, no std" if n < 2 else "; margin must exceed max seed std")


def _pair_detail(pairs: pd.DataFrame, better: str, worse: str) -> str:
    return "; ".join(
        f"{r.cell} p={r.prune_ratio:g}: {better} {r.mean_a:.2f} vs {worse} {r.mean_b:.2f} (Δ {r.gap:+.2f}, std {r.noise:.2f})"
        for r in pairs.itertuples()
    ) + f"; {_seeds_note(pairs)}"


def beats(metric: str, better: str, worse: str) -> Callable[[pd.DataFrame], Verdict]:
    """`better` > `worse` on `metric` in every (cell, ratio), by more than the seed std."""

    def check(results: pd.DataFrame) -> Verdict:
        pairs = _paired(results, metric, better, worse)
        if pairs.empty:
            return Verdict(NOT_RUN, f"no {metric} rows for both {better} and {worse}")
        ok = (pairs["gap"] > pairs["noise"]).all()
        return Verdict(HOLDS if ok else FAILS, _pair_detail(pairs, better, worse))

    return check


def no_worse_and_wins_at_top(metric: str, better: str, worse: str) -> Callable[[pd.DataFrame], Verdict]:
    """`better` >= `worse` at every ratio of a cell, and ahead by more than the seed std at its largest
    ratio (claims.md GREG-C1)."""

    def check(results: pd.DataFrame) -> Verdict:
        pairs = _paired(results, metric, better, worse)
        if pairs.empty:
            return Verdict(NOT_RUN, f"no {metric} rows for both {better} and {worse}")
        ok = True
        for _, g in pairs.groupby("cell"):
            top = g.sort_values("prune_ratio").iloc[-1]
            ok &= bool((g["gap"] >= 0).all() and top["gap"] > top["noise"])
        return Verdict(HOLDS if ok else FAILS, _pair_detail(pairs, better, worse))

    return check


def within_noise_or_better(metric: str, better: str, worse: str) -> Callable[[pd.DataFrame], Verdict]:
    """`better` >= `worse` − seed std in every (cell, ratio): no clear loss (claims.md GREG-C8)."""

    def check(results: pd.DataFrame) -> Verdict:
        pairs = _paired(results, metric, better, worse)
        if pairs.empty:
            return Verdict(NOT_RUN, f"no {metric} rows for both {better} and {worse}")
        ok = (pairs["gap"] >= -pairs["noise"]).all()
        return Verdict(HOLDS if ok else FAILS, _pair_detail(pairs, better, worse))

    return check


def gap_grows(metric: str, better: str, worse: str) -> Callable[[pd.DataFrame], Verdict]:
    """Within each cell, the gap better − worse rises with the prune ratio: Spearman ρ > 0 and the gap at
    the highest ratio exceeds the gap at the lowest (claims.md SLR-C2)."""

    def check(results: pd.DataFrame) -> Verdict:
        pairs = _paired(results, metric, better, worse)
        swept = [(cell, g) for cell, g in pairs.groupby("cell") if g["prune_ratio"].nunique() >= 2]
        if not swept:
            return Verdict(NOT_RUN, "needs at least two prune ratios in one cell")
        verdicts, details = [], []
        for cell, g in swept:
            rho = g["prune_ratio"].rank().corr(g["gap"].rank())
            ends = g["gap"].iloc[-1] > g["gap"].iloc[0]
            verdicts.append(bool(rho > 0 and ends))
            gaps = ", ".join(f"p={r:g}: {v:+.2f}" for r, v in zip(g["prune_ratio"], g["gap"], strict=True))
            details.append(f"{cell}: gaps {gaps}; Spearman ρ={rho:.2f}")
        return Verdict(HOLDS if all(verdicts) else FAILS, "; ".join(details))

    return check


def falls(metric: str, method: str) -> Callable[[pd.DataFrame], Verdict]:
    """`method`'s mean `metric` never rises as the prune ratio grows, within each cell, and ends lower than it
    starts: a flat line (e.g. every rate at 0 mAP) is no evidence that it falls."""

    def check(results: pd.DataFrame) -> Verdict:
        stats = arm_stats(results, metric)
        stats = stats[stats["method"] == method]
        swept = [(cell, g.sort_values("prune_ratio")) for cell, g in stats.groupby("cell") if len(g) >= 2]
        if not swept:
            return Verdict(NOT_RUN, "needs at least two prune ratios in one cell")
        ok = all((g["mean"].diff().dropna() <= 0).all() and g["mean"].iloc[-1] < g["mean"].iloc[0] for _, g in swept)
        detail = "; ".join(
            f"{cell}: " + ", ".join(f"p={r:g}: {m:.2f}" for r, m in zip(g["prune_ratio"], g["mean"], strict=True))
            for cell, g in swept
        )
        return Verdict(HOLDS if ok else FAILS, detail)

    return check


def at_most(metric: str, method: str, limit: float) -> Callable[[pd.DataFrame], Verdict]:
    """Every run's `metric` (e.g. the longest run of violated conditions) is <= `limit`."""

    def check(results: pd.DataFrame) -> Verdict:
        rows = results[(results["metric"] == metric) & (results["method"] == method)]
        if rows.empty:
            return Verdict(NOT_RUN, f"no {metric} rows")
        worst = rows["value"].max()
        return Verdict(HOLDS if worst <= limit else FAILS, f"max {metric} = {worst:g} over {len(rows)} run(s); limit {limit:g}")

    return check


def at_least(metric: str, method: str, limit: float) -> Callable[[pd.DataFrame], Verdict]:
    """Every run's `metric` (e.g. a fraction of layers that behave as claimed) is >= `limit`."""

    def check(results: pd.DataFrame) -> Verdict:
        rows = results[(results["metric"] == metric) & (results["method"] == method)]
        if rows.empty:
            return Verdict(NOT_RUN, f"no {metric} rows")
        worst = rows["value"].min()
        return Verdict(HOLDS if worst >= limit else FAILS, f"min {metric} = {worst:g} over {len(rows)} run(s); limit {limit:g}")

    return check


def evaluate_claims(claims: list[Claim], results: pd.DataFrame) -> list[tuple[Claim, Verdict]]:
    results = results.assign(cell=results["cell"].map(published_cell))  # a variant is judged with its cell if not results.empty else results
    return [(claim, claim.evaluate(results)) for claim in claims]


VERDICT_COLUMNS = ["paper", "table", "scale", "claim", "statement", "status", "evidence", "evaluated_at", "git_sha"]


def verdict_frame(claims: list[Claim], results: pd.DataFrame, **identity: str) -> pd.DataFrame:
    """The verdicts as rows of `results/<scale>/claims/<paper>_<table>.csv`, which the report reads;
    `identity` gives paper, table, scale, evaluated_at and git_sha."""
    rows = [{**identity, "claim": c.id, "statement": c.statement, "status": v.status, "evidence": v.evidence}
            for c, v in evaluate_claims(claims, results)]
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)
