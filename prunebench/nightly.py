"""Nightly regression check against the committed quick-scale reference (`results/reference/`).

    python -m prunebench.nightly run                (= make nightly)
    python -m prunebench.nightly compare            compare results/quick as it is now, run nothing
    python -m prunebench.nightly update-reference   (= make update-reference, after a reviewed change)

`run` executes every `reproduce-<name>` aggregate target of the Makefile at SCALE=quick (discovered, so a
new paper's aggregate joins by existing) and the benchmarks, then compares each result value and each
benchmark ratio with the reference under the first matching rule of METRIC_RULES / BENCH_RULES, writes
`report/build/nightly/regressions.csv`, builds the report (its "Nightly regressions" section reads that
file) and exits 1 when anything regressed: a gated number moved the wrong way beyond its tolerance, a
reference row is missing or NaN now, a reproduction target or the benchmark suite failed.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from fnmatch import fnmatch
from pathlib import Path

import pandas as pd

from prunebench.evidence import t_quantile
from prunebench.paths import NIGHTLY, PROJECT_ROOT, REFERENCE, RESULTS

QUICK = "quick"
BENCH_CSV = "benchmarks.csv"  # benchmark, quantity, value (the ratios of the pytest-benchmark JSON)
# a number is compared with the reference's made by the same settings (results.COLUMNS' settings_id): after a change of
# recipe the old and new numbers are "missing" and "new", never one arm's seeds mixed with another's
KEY = ["cell", "method", "seed", "prune_ratio", "settings_id", "metric"]
GROUP = ["cell", "method", "prune_ratio", "settings_id", "metric"]  # a KEY over its seeds
COLUMNS = ["kind", "name", "key", "reference", "new", "delta", "tolerance", "rule", "status"]
OK, IMPROVED, CHANGED, NEW, MISSING, REGRESSION = "ok", "improved", "changed", "new", "missing", "regression"
FAILING = (REGRESSION, MISSING)
EPS = 1e-9
AGGREGATE = re.compile(r"^(reproduce-[a-z0-9]+)\s*:(?!=)", re.MULTILINE)  # reproduce-<one word>: not -<paper>-<table>


@dataclass(frozen=True)
class Rule:
    """How far a number may move from its reference. direction: 'higher' (only a drop regresses), 'lower'
    (only a rise regresses) or 'both'. A rule that does not gate reports changes without failing."""

    pattern: str
    direction: str
    absolute: float = 0.0
    relative: float = 0.0
    gate: bool = True
    from_seeds: bool = False  # compare the mean over seeds, the tolerance the 95 % interval of the difference

    def tolerance(self, reference: float) -> float:
        return max(self.absolute, self.relative * abs(reference))

    def describe(self) -> str:
        if self.from_seeds:
            return f"{self.pattern}: {self.direction}, mean over seeds ± Welch 95 % interval from their spread"
        parts = [f"{self.absolute:g} abs" if self.absolute else "", f"{self.relative:.0%} rel" if self.relative else ""]
        bound = " / ".join(p for p in parts if p) or "exact"
        return f"{self.pattern}: {self.direction}, {bound}" + ("" if self.gate else ", reported only")


METRIC_RULES = [  # first match wins
    # accuracies move by points between CPUs (a few epochs amplify last-bit differences): judged as distributions
    Rule("top[15]_*", "higher", from_seeds=True),
    Rule("compression*", "both", relative=0.01),
    Rule("sparsity", "both", absolute=0.005),
    Rule("epochs", "both"),
    Rule("*", "both", relative=0.10, gate=False),  # diagnostics (SLR conditions, step sizes, ...)
]
BENCH_RULES = [  # benchmark ratios compare two implementations in one run, so they travel between machines
    Rule("ratio_vs_plain", "lower", relative=0.15),  # method step / plain step
    Rule("ratio_vs_*", "higher", relative=0.25),  # prunebench speed / reference speed
]


def rule_for(name: str, rules: list[Rule]) -> Rule | None:
    return next((r for r in rules if fnmatch(name, r.pattern)), None)


def judge(reference: float, new: float, rule: Rule) -> tuple[str, float, float]:
    """(status, delta, tolerance) of one number."""
    tol = rule.tolerance(reference)
    if math.isnan(new) and not math.isnan(reference):
        return (REGRESSION if rule.gate else CHANGED), math.nan, tol
    delta = new - reference
    worse = {"higher": -delta, "lower": delta, "both": abs(delta)}[rule.direction]
    if worse > tol + EPS:
        return (REGRESSION if rule.gate else CHANGED), delta, tol
    if abs(delta) > tol + EPS:
        return IMPROVED, delta, tol
    return OK, delta, tol


def _row(kind: str, name: str, key: str, ref: float, new: float, rule: Rule | None, status: str,
         delta: float = math.nan, tol: float = math.nan) -> dict:
    return {"kind": kind, "name": name, "key": key, "reference": ref, "new": new, "delta": delta, "tolerance": tol,
            "rule": rule.describe() if rule else "", "status": status}


def _values(frame: pd.DataFrame) -> dict[tuple, float]:
    frame = frame.assign(value=pd.to_numeric(frame["value"], errors="coerce"))
    return {tuple(map(str, k)): float(v) for k, v in frame.groupby(KEY, dropna=False)["value"].mean().items()}


def _by_seeds(frame: pd.DataFrame) -> dict[tuple, list[float]]:
    """(cell, method, prune_ratio, settings_id, metric) -> the value of each seed (NaN kept: a diverged seed)."""
    frame = frame.assign(value=pd.to_numeric(frame["value"], errors="coerce"))
    return {tuple(map(str, k)): list(g) for k, g in frame.groupby(GROUP, dropna=False)["value"]}


def draws(values: list[float]) -> list[float]:
    """The independent draws among a group's seeds. A number every seed shares was made once (by a model all seeds
    start from, e.g. GReg's base before its deterministic L1 removal): it is one draw, not n with zero spread, which
    would make the tolerance 0 and the comparison bit-for-bit."""
    return values[:1] if len(values) > 1 and len(set(values)) == 1 else values


def difference_tolerance(reference: list[float], new: list[float]) -> float:
    """Half-width of the 95 % interval of mean(new) − mean(reference) from the seeds' spread (Welch; one side's
    spread stands for both when only one side has two seeds); NaN when neither has two."""
    spread = [(statistics.variance(v), len(v)) for v in (reference, new) if len(v) >= 2]
    if not spread:
        return math.nan
    if len(spread) == 1:
        variance, n = spread[0]
        return t_quantile(n - 1) * math.sqrt(variance * (1 / len(reference) + 1 / len(new)))
    terms = [variance / n for variance, n in spread]
    df = sum(terms) ** 2 / sum(t * t / (n - 1) for t, (_, n) in zip(terms, spread, strict=True)) if sum(terms) else 1
    return t_quantile(max(1, int(df))) * math.sqrt(sum(terms))


def compare_distributions(name: str, reference: dict[tuple, list[float]], new: dict[tuple, list[float]],
                          rule: Rule) -> list[dict]:
    """Each group's mean over seeds against the reference's, within the interval their spread gives: a number made
    on another CPU is another draw, not a bit-for-bit copy. With one draw on each side (one seed, or one value all
    seeds share) there is no spread: a change is reported, not gated."""
    rows = []
    for key, ref_all in reference.items():
        label = f"{label_of(key)} (mean over seeds)"
        ref = [v for v in ref_all if not math.isnan(v)]
        if key not in new:
            rows.append(_row("result", name, label, _mean(ref), math.nan, rule, MISSING))
            continue
        got = [v for v in new[key] if not math.isnan(v)]
        if not got or len(got) < len(new[key]) and len(ref) == len(ref_all):
            rows.append(_row("result", name, label, _mean(ref), _mean(got), rule, REGRESSION))  # a seed went NaN
            continue
        if not ref:
            rows.append(_row("result", name, label, math.nan, _mean(got), rule, NEW))
            continue
        ref, got = draws(ref), draws(got)
        tol = difference_tolerance(ref, got)
        if math.isnan(tol):
            delta = _mean(got) - _mean(ref)
            status = OK if abs(delta) <= EPS else CHANGED  # one draw each: no spread, nothing to gate on
            rows.append(_row("result", name, label + f", n={len(got)} vs {len(ref)}: not gated", _mean(ref),
                             _mean(got), rule, status, delta))
            continue
        status, delta, tol = judge(_mean(ref), _mean(got), replace(rule, absolute=tol, from_seeds=False))
        rows.append(_row("result", name, label + f", n={len(got)} vs {len(ref)}", _mean(ref), _mean(got), rule,
                         status, delta, tol))
    rows += [_row("result", name, label_of(k), math.nan, _mean(v), None, NEW) for k, v in new.items()
             if k not in reference]
    return rows


def label_of(key: tuple) -> str:
    """A KEY or GROUP as the report names it: the settings id tells arms apart, the other parts name them."""
    return " / ".join(key[:-2] + key[-1:])


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def compare_values(kind: str, name: str, reference: dict[tuple, float], new: dict[tuple, float],
                   rules: list[Rule], quantity: int = -1, label: Callable[[tuple], str] = " / ".join) -> list[dict]:
    """Compare keyed numbers; the rule is chosen by the key's `quantity` part (the metric name)."""
    rows = []
    for key, ref in reference.items():
        rule = rule_for(key[quantity], rules)
        if rule is None:
            continue
        if key not in new:
            rows.append(_row(kind, name, label(key), ref, math.nan, rule, MISSING if rule.gate else CHANGED))
            continue
        status, delta, tol = judge(ref, new[key], rule)
        rows.append(_row(kind, name, label(key), ref, new[key], rule, status, delta, tol))
    rows += [_row(kind, name, label(k), math.nan, v, None, NEW) for k, v in new.items() if k not in reference]
    return rows


def compare_tables(results: Path, reference: Path) -> list[dict]:
    rows = []
    ref_paths = {p.name: p for p in sorted(Path(reference).glob("*_*.csv")) if p.name != BENCH_CSV}
    new_paths = {p.name: p for p in sorted(Path(results).glob("*_*.csv"))}
    for name, path in ref_paths.items():
        reference = pd.read_csv(path)
        new = pd.read_csv(new_paths[name]) if name in new_paths else reference.iloc[0:0]
        for rule, (ref_rows, new_rows) in _split_by_rule(reference, new).items():
            if rule.from_seeds:
                rows += compare_distributions(Path(name).stem, _by_seeds(ref_rows), _by_seeds(new_rows), rule)
            else:
                rows += compare_values("result", Path(name).stem, _values(ref_rows), _values(new_rows), [rule],
                                       label=label_of)
    rows += [_row("result", Path(n).stem, "(whole table)", math.nan, math.nan, None, NEW)
             for n in new_paths if n not in ref_paths]
    return rows


def _split_by_rule(reference: pd.DataFrame, new: pd.DataFrame) -> dict[Rule, tuple[pd.DataFrame, pd.DataFrame]]:
    """Both tables' rows grouped by the first rule their metric matches (rows no rule matches are left out)."""
    def rule_of(frame: pd.DataFrame) -> pd.Series:
        return frame["metric"].astype(str).map(lambda m: rule_for(m, METRIC_RULES))

    ref_rules, new_rules = rule_of(reference), rule_of(new)
    return {rule: (reference[ref_rules == rule], new[new_rules == rule])
            for rule in dict.fromkeys([*ref_rules, *new_rules]) if rule is not None}


def benchmark_ratios(bench_json: Path) -> pd.DataFrame:
    """The ratio_* quantities of a pytest-benchmark JSON report, one row each."""
    data = json.loads(Path(bench_json).read_text(encoding="utf-8"))
    rows = [{"benchmark": b["name"], "quantity": k, "value": float(v)}
            for b in data.get("benchmarks", []) for k, v in sorted(b.get("extra_info", {}).items())
            if k.startswith("ratio") and isinstance(v, (int, float))]
    return pd.DataFrame(rows, columns=["benchmark", "quantity", "value"])


def compare_benchmarks(new: pd.DataFrame | None, reference: Path) -> list[dict]:
    path = Path(reference) / BENCH_CSV
    if new is None:
        return []
    if not path.exists():
        return [_row("benchmark", "benchmarks", "(no reference: run `make update-reference`)", math.nan, math.nan,
                     None, NEW)]

    def keyed(frame: pd.DataFrame) -> dict[tuple, float]:
        return {(str(r.benchmark), str(r.quantity)): float(r.value) for r in frame.itertuples()}

    return compare_values("benchmark", "benchmarks", keyed(pd.read_csv(path)), keyed(new), BENCH_RULES)


def write_comparison(rows: list[dict], out: Path) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    order = {s: i for i, s in enumerate([REGRESSION, MISSING, CHANGED, IMPROVED, NEW, OK])}
    frame = frame.sort_values("status", key=lambda s: s.map(order), kind="stable")
    Path(out).mkdir(parents=True, exist_ok=True)
    frame.to_csv(Path(out) / "regressions.csv", index=False, float_format="%.4g")
    return frame


# ---------------------------------------------------------------- running


def aggregate_targets(makefile: Path = PROJECT_ROOT / "Makefile") -> list[str]:
    """Every `reproduce-<word>:` target of the Makefile (reproduce-table1, reproduce-slr, ...)."""
    return list(dict.fromkeys(AGGREGATE.findall(Path(makefile).read_text(encoding="utf-8"))))


def run_targets(targets: list[str]) -> list[dict]:
    """`make -k`: one failing table must not keep the paper's other tables from running (and being compared)."""
    rows = []
    make = os.environ.get("MAKE", "make")
    for target in targets:
        print(f"nightly: make -k {target} SCALE={QUICK}", flush=True)
        code = subprocess.run([make, "-k", target, f"SCALE={QUICK}"], cwd=PROJECT_ROOT).returncode
        rows.append(_row("reproduction", target, f"exit code {code}", math.nan, math.nan, None,
                         OK if code == 0 else REGRESSION))
    return rows


def run_benchmarks(out: Path) -> tuple[pd.DataFrame | None, list[dict]]:
    bench_json = Path(out) / "benchmarks.json"
    Path(out).mkdir(parents=True, exist_ok=True)
    code = subprocess.run([sys.executable, "-m", "pytest", "benchmarks", "--benchmark-enable", "-p", "no:cacheprovider",
                           f"--benchmark-json={bench_json.resolve()}"], cwd=PROJECT_ROOT).returncode
    status = [_row("benchmark", "pytest benchmarks", f"exit code {code}", math.nan, math.nan, None,
                   OK if code == 0 else REGRESSION)]
    if not bench_json.exists():
        return None, status
    ratios = benchmark_ratios(bench_json)
    ratios.to_csv(Path(out) / BENCH_CSV, index=False)
    return ratios, status


def nightly(results: Path, reference: Path, out: Path, targets: list[str] | None, benchmarks: bool) -> int:
    rows = run_targets(targets) if targets else []
    ratios = None
    if benchmarks:
        ratios, status = run_benchmarks(out)
        rows += status
    elif (Path(out) / BENCH_CSV).exists():
        ratios = pd.read_csv(Path(out) / BENCH_CSV)
    rows += compare_tables(results, reference) + compare_benchmarks(ratios, reference)
    frame = write_comparison(rows, out)
    failing = frame[frame["status"].isin(FAILING)]
    print(f"nightly: {len(frame)} numbers compared, {len(failing)} regression(s) -> {Path(out) / 'regressions.csv'}")
    for r in failing.itertuples():
        print(f"  REGRESSION {r.kind} {r.name} {r.key}: reference {r.reference}, new {r.new} ({r.rule})")
    return 1 if len(failing) else 0


def update_reference(results: Path, reference: Path, out: Path) -> list[Path]:
    """Replace the reference's table CSVs with results/quick's (and the benchmark ratios, if measured)."""
    reference = Path(reference)
    reference.mkdir(parents=True, exist_ok=True)
    for old in reference.glob("*_*.csv"):
        old.unlink()
    copied = [Path(shutil.copy2(p, reference / p.name)) for p in sorted(Path(results).glob("*_*.csv"))]
    if (Path(out) / BENCH_CSV).exists():
        copied.append(Path(shutil.copy2(Path(out) / BENCH_CSV, reference / BENCH_CSV)))
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m prunebench.nightly", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["run", "compare", "update-reference"])
    parser.add_argument("--results", type=Path, default=RESULTS / QUICK, help="the quick-scale results folder")
    parser.add_argument("--reference", type=Path, default=REFERENCE, help="the committed reference folder")
    parser.add_argument("--out", type=Path, default=NIGHTLY, help="where regressions.csv and the benchmark files go")
    parser.add_argument("--targets", nargs="*", help="make targets to run (default: every reproduce-<word> target)")
    parser.add_argument("--no-benchmarks", action="store_true", help="skip the benchmark suite")
    args = parser.parse_args(argv)
    if args.action == "update-reference":
        for path in update_reference(args.results, args.reference, args.out):
            print(f"reference <- {path}")
        return 0
    if args.action == "compare":
        code = nightly(args.results, args.reference, args.out, None, benchmarks=False)
    else:
        targets = aggregate_targets() if args.targets is None else args.targets
        code = nightly(args.results, args.reference, args.out, targets, benchmarks=not args.no_benchmarks)
    from prunebench.report import build_report

    build_report(Path(args.results).parent, nightly=args.out)  # its "Nightly regressions" section reads `out`
    return code


if __name__ == "__main__":
    raise SystemExit(main())
