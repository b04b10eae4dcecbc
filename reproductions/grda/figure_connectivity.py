"""gRDA paper (Chao et al., NeurIPS 2020), poster Figures 1–4 / paper Figs. 5 and 11: training loss and test
error along the quadratic Bézier curve (Garipov et al. 2018) between the gRDA and the SGD minimum, and along
the straight segment between them.

Claim: GRDA-C10 (the two minima lie in one valley): the largest training loss on the curve is at most twice
the larger endpoint loss, while the straight segment shows a barrier (its largest loss exceeds the curve's).

Command: make reproduce-grda-figure_connectivity SCALE=quick|paper|smoke  (= python -m reproductions.grda.figure_connectivity)
Scales:
- paper: VGG16 (no BN) / CIFAR-10, gRDA c 5e-4 with μ 0.4 / 0.51 / 0.6 / 0.7, and WRN-28-10 / CIFAR-100, c 1e-3
  with μ 0.501 / 0.55 / 0.6 / 0.65, seed 0 of table_cifar (same runs); the curve's middle point trained
  with SGD lr 0.1 (momentum 0.9 for VGG16, 0 for WRN, as the authors' scripts), batch 128, Garipov et al.'s
  schedule, 300 / 200 epochs; 61 points of t.
- quick: table_cifar's quick VGG16 proxy (VGG-16 with BN at 1/8 width, the CIFAR-10 JPEG copy), seeds 0-2, μ 0.6; curve
  trained 2 epochs; 11 points of t; BN statistics recomputed at every t.
- smoke: the same on synthetic data (tests).
Each curve is a run of the core runner (kind `bezier_curve`: parent the gRDA run, partner the SGD run), so it is
cached, resumed from its inputs, launched and recorded like any run.
Outputs: results/<scale>/grda_figure_connectivity.csv (endpoint runs' rows and, per curve, the largest losses)
and the series results/<scale>/figures/grda_figure_connectivity.csv (x = t, from the gRDA end at 0 to SGD at 1).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, replace

import pandas as pd

from prunebench.claims import NOT_RUN, Claim, Verdict, interval_verdict, seed_values
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.evidence import Interval
from prunebench.figures import write_series
from prunebench.paths import figure_csv, results_csv
from prunebench.reproduction import Arm, Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.runner import RunResult, run
from prunebench.scales import REDUCED, Scale
from reproductions.grda.common import (
    COUNTING_RULE,
    REFUSED,
    c_overrides_of,
    family,
    options_detail,
    trained_metrics,
)
from reproductions.grda.table_cifar import ROWS_AT, VGG16_C10, WRN_C100
from reproductions.grda.table_cifar import arms as cifar_arms

PAPER, TABLE = "grda", "figure_connectivity"


@dataclass(frozen=True)
class Pair:
    family: str  # table_cifar recipe name
    c: float
    mus: tuple[float, ...]
    curve_epochs: int
    momentum: float


PAIRS = [Pair(VGG16_C10.name, 5e-4, (0.4, 0.51, 0.6, 0.7), 300, 0.9), Pair(WRN_C100.name, 1e-3, (0.501, 0.55, 0.6, 0.65), 200, 0.0)]
QUICK_PAIR = Pair(VGG16_C10.name, 5e-4, (0.6,), 2, 0.9)
PAIRS_AT = {"paper": PAIRS, REDUCED: [QUICK_PAIR]}  # `Scale.pick`
SEEDS = {"quick": (0, 1, 2)}  # one curve per seed (its ends are table_cifar's runs of that seed); elsewhere seed 0
POINTS = {"paper": 61, "quick": 11, "smoke": 5}  # points of t on the curve (other scales: 11)
DIFFERENCES = ["quick: one mu (0.6), the curve trained 2 epochs, 11 points of t; table_cifar's quick proxies"]


def valley_check(results: pd.DataFrame) -> Verdict:
    """Per curve (one per seed): 2 × the larger endpoint loss − the curve's maximum, and the segment's maximum − the
    curve's (the barrier the curve avoids), each judged by its interval above 0."""
    m = results.groupby(["cell", "metric"])["value"].mean().unstack()
    needed = {"curve_max_train_loss", "endpoint_max_train_loss", "line_max_train_loss"}
    if not needed <= set(m.columns):
        return Verdict(NOT_RUN, "no curve rows")
    m = m.dropna(subset=list(needed))
    statuses, details, intervals = [], [], []
    for cell, r in m.iterrows():
        curve = seed_values(results, "curve_max_train_loss", cell=cell)
        low = Interval.of(list((2 * seed_values(results, "endpoint_max_train_loss", cell=cell) - curve).dropna()))
        barrier = Interval.of(list((seed_values(results, "line_max_train_loss", cell=cell) - curve).dropna()))
        statuses += [low.judge("above"), barrier.judge("above")]
        intervals += [low, barrier]
        details.append(f"{cell}: curve max {r.curve_max_train_loss:.3f}, endpoints max {r.endpoint_max_train_loss:.3f}, "
                       f"segment max {r.line_max_train_loss:.3f} (2·endpoints − curve {low}; segment − curve {barrier})")
    if not details:
        return Verdict(NOT_RUN, "no finished curve")
    return interval_verdict(statuses, "; ".join(details), intervals)


CLAIMS = [Claim(
    "GRDA-C10", "A Bézier curve between the SGD and gRDA minima keeps training loss <= 2x the larger endpoint loss, "
    "while the straight segment shows a barrier.", valley_check,
    source='poster, Figures 1–4 (VGG16 CIFAR-10, WRN28x10 CIFAR-100): "the white curve (Bézier) traces the minimal '
           'training loss that interpolates the minimizers found by the SGD and the gRDA"',
    bound="bound chosen here: 'low loss' is at most twice the larger endpoint's training loss")]


def endpoint_arms(scale: Scale, seed: int) -> list[tuple[Pair, float, Arm, Arm]]:
    """(pair, μ, gRDA arm, SGD arm) from table_cifar's arms of `seed` (so the runs are shared)."""
    by_cell = {a.cell: a for a in cifar_arms(scale, (seed,))}
    out = []
    for pair in scale.pick(PAIRS_AT, what="curve pairs"):
        sgd = next(a for cell, a in by_cell.items() if cell.startswith(pair.family) and a.config.method == "sgd")
        for mu in pair.mus:
            cell = next(cell for cell in by_cell if cell.startswith(pair.family) and cell.endswith(f"/c{pair.c:g}/mu{mu:g}"))
            out.append((pair, mu, by_cell[cell], sgd))
    return out


def curve_config(scale: Scale, pair: Pair, grda: RunConfig, sgd: RunConfig) -> RunConfig:
    """The curve from the gRDA run (t = 0) to the SGD run (t = 1): the middle point trained by SGD at the SGD run's
    lr with the authors' momentum, Garipov et al.'s schedule, on the SGD run's data and batch."""
    return replace(sgd, method="bezier", kind="bezier_curve", parent=grda, partner=sgd, method_options={
        "points": scale.pick(POINTS, default=11)}, epochs=pair.curve_epochs, optimizer=OptimizerConfig(
        "sgd", lr=sgd.optimizer.lr, momentum=pair.momentum, schedule="mode_connectivity"))


def curve_metrics(result: RunResult) -> dict[str, float]:
    """The curve's numbers (NaN for a curve with a diverged end: `result_rows` fills them)."""
    keep = ("curve_max_train_loss", "line_max_train_loss", "endpoint_max_train_loss", "curve_max_test_error",
            "line_max_test_error")
    m = result.metrics
    return {**{k: m[k] for k in keep}, "train_loss_grda_end": m["train_loss_start"], "train_loss_sgd_end": m["train_loss_end"]}


def arms(scale: Scale, seeds: tuple[int, ...] | None = None) -> list[Arm]:
    """The two trained ends of every curve (table_cifar's runs), then the curve between them (a run whose inputs
    are the two; one whose end diverged is recorded as diverged)."""
    out = []
    for seed in seeds or scale.pick(SEEDS, default=(0,)):
        ends = endpoint_arms(scale, seed)
        out += list({a.config.run_id: replace(a, metrics=trained_metrics) for _, _, g, s in ends for a in (g, s)}.values())
        out += [Arm(grda.cell, curve_config(scale, pair, grda.config, sgd.config), curve_metrics,
                    counting_rule=COUNTING_RULE) for pair, _, grda, sgd in ends]
    return out


def write_figure(args: argparse.Namespace, planned: list[Arm], ops: Operational) -> None:
    rows = []
    for arm in (a for a in planned if a.config.kind == "bezier_curve"):
        for point in run(arm.config, ops).series:  # finished: read back
            for quantity, label in (("train_loss", "training loss"), ("test_error", "test error (%)")):
                rows.append({"panel": f"{family(arm.cell)} mu={arm.config.parent.method_options['mu']:g}: {label}",
                             "series": "Bézier curve" if point["path"] == "curve" else "segment", "x": point["t"],
                             "y": point[quantity], "x_label": "t (0: gRDA, 1: SGD)", "y_label": label,
                             "seed": arm.config.seed, "run_id": arm.config.run_id, "note": arm.cell})
    write_series(figure_csv(args.scale, PAPER, TABLE, args.results), rows, results_csv(args.scale, PAPER, TABLE, args.results))


REPRODUCTION = Reproduction(
    PAPER, TABLE, "Connectivity: training loss and test error along the Bézier curve between the gRDA and SGD minima", arms,
    claims=CLAIMS, differences=DIFFERENCES, describe=options_detail,
    overrides=c_overrides_of(lambda scale: [row.recipe for row in scale.pick(ROWS_AT)]), refuse=REFUSED,
    after=write_figure,
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
