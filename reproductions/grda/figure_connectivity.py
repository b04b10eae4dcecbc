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
- quick: table_cifar's quick VGG16 proxy (VGG-16 with BN at 1/8 width, Fashion-MNIST), seed 0, μ 0.6; curve
  trained 2 epochs; 11 points of t; BN statistics recomputed at every t.
- smoke: the same on synthetic data (tests).
Outputs: results/<scale>/grda_figure_connectivity.csv (endpoint runs' rows and, per curve, the largest losses)
and the series results/<scale>/figures/grda_figure_connectivity.csv (x = t, from the gRDA end at 0 to SGD at 1).
Measured at quick scale on an idle 2-core CPU: 92 s after table_cifar (its SGD and gRDA runs cached).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import torch

from prunebench.checkpoint import load_checkpoint, save_atomic
from prunebench.claims import FAILS, HOLDS, NOT_RUN, Claim, Verdict
from prunebench.config import Operational, RunConfig
from prunebench.connectivity import BezierCurve, CurveConfig, evaluate_path, fit_middle
from prunebench.data import load_dataset
from prunebench.figures import write_series
from prunebench.models import build_model
from prunebench.paths import RunPaths, figure_csv, results_csv
from prunebench.reproduce import Arm, execute, judge_claims, result_rows
from prunebench.results import write_rows
from prunebench.runner import run
from prunebench.scales import REDUCED, Scale
from reproductions.grda.common import parse, print_arms, trained_metrics
from reproductions.grda.table_cifar import VGG16_C10, WRN_C100
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
POINTS = {"paper": 61, "quick": 11, "smoke": 5}  # points of t on the curve (other scales: 11)
DIFFERENCES = ["quick: one mu (0.6), the curve trained 2 epochs, 11 points of t; table_cifar's quick proxies"]


def valley_check(results: pd.DataFrame) -> Verdict:
    m = results.groupby(["cell", "metric"])["value"].mean().unstack()
    needed = {"curve_max_train_loss", "endpoint_max_train_loss", "line_max_train_loss"}
    if not needed <= set(m.columns):
        return Verdict(NOT_RUN, "no curve rows")
    m = m.dropna(subset=list(needed))
    ok = ((m["curve_max_train_loss"] <= 2 * m["endpoint_max_train_loss"]) & (m["line_max_train_loss"] > m["curve_max_train_loss"])).all()
    detail = "; ".join(
        f"{cell}: curve max {r.curve_max_train_loss:.3f}, endpoints max {r.endpoint_max_train_loss:.3f}, segment max {r.line_max_train_loss:.3f}"
        for cell, r in m.iterrows()
    )
    return Verdict(HOLDS if ok else FAILS, detail)


CLAIMS = [Claim("GRDA-C10", "A Bézier curve between the SGD and gRDA minima keeps training loss <= 2x the larger endpoint loss, "
                "while the straight segment shows a barrier.", valley_check)]


def endpoint_arms(scale: Scale, seed: int) -> list[tuple[Pair, float, Arm, Arm]]:
    """(pair, μ, gRDA arm, SGD arm) from table_cifar's arms of `seed` (so the runs are shared)."""
    by_cell = {a.cell: a for a in cifar_arms(scale, (seed,))}
    pairs = scale.pick(PAIRS_AT, what="curve pairs")
    out = []
    for pair in pairs:
        sgd = next(a for cell, a in by_cell.items() if cell.startswith(pair.family) and a.config.method == "sgd")
        for mu in pair.mus:
            cell = next(cell for cell in by_cell if cell.startswith(pair.family) and cell.endswith(f"/c{pair.c:g}/mu{mu:g}"))
            out.append((pair, mu, by_cell[cell], sgd))
    return out


def curve_path(ops: Operational, curve: CurveConfig) -> Path:
    return Path(ops.runs_root) / curve.curve_id / "curve.pt"


def connect(scale: Scale, pair: Pair, grda: RunConfig, sgd: RunConfig, ops: Operational) -> dict:
    """Train (or read back) the curve's middle point and evaluate the curve and the segment."""
    config = CurveConfig(grda.run_id, sgd.run_id, pair.curve_epochs, lr=sgd.optimizer.lr, momentum=pair.momentum,
                         batch_size=sgd.batch_size, seed=sgd.seed)
    path = curve_path(ops, config)
    if path.exists():
        return load_checkpoint(path)
    splits = load_dataset(sgd.dataset, root=ops.data_root, augment=sgd.augment)
    if sgd.train_subset:
        splits.train = splits.train.subset(sgd.train_subset, torch.Generator().manual_seed(0))  # as runner.run
    info = splits.info
    model = build_model(sgd.model, in_channels=info.in_channels, num_classes=info.num_classes, width=sgd.width)
    start = load_checkpoint(RunPaths(grda, ops.runs_root, ops.baselines_root).weights)
    end = load_checkpoint(RunPaths(sgd, ops.runs_root, ops.baselines_root).weights)
    model.load_state_dict(end)
    curve = BezierCurve(model, start, end)
    losses = fit_middle(curve, splits.train, config, ops.device)
    points = scale.pick(POINTS, default=11)
    ts = [i / (points - 1) for i in range(points)]
    evaluation = splits.train.fixed_subset(min(len(splits.train), 10_000), seed=0)
    state = {
        "config": config.__dict__, "fit_losses": losses,
        "curve": evaluate_path(model, curve.weights, ts, evaluation, splits.test, ops.device),
        "line": evaluate_path(model, curve.line, ts, evaluation, splits.test, ops.device),
    }
    save_atomic(state, path)
    return state


def curve_metrics(state: dict) -> dict[str, float]:
    curve, line = pd.DataFrame(state["curve"]), pd.DataFrame(state["line"])
    ends = curve.iloc[[0, -1]]["train_loss"]
    return {
        "curve_max_train_loss": float(curve["train_loss"].max()), "line_max_train_loss": float(line["train_loss"].max()),
        "endpoint_max_train_loss": float(ends.max()), "train_loss_grda_end": float(ends.iloc[0]),
        "train_loss_sgd_end": float(ends.iloc[1]), "curve_max_test_error": float(curve["test_error"].max()),
        "line_max_test_error": float(line["test_error"].max()),
    }


def main(argv: list[str] | None = None) -> int:
    args, scale, ops = parse(f"python -m reproductions.grda.{TABLE}", "Reproduce the gRDA connectivity figures.", argv)
    seed = (args.seeds or [0])[0]
    ends = endpoint_arms(scale, seed)
    endpoint_runs = list({a.config.run_id: a for _, _, g, s in ends for a in (g, s)}.values())
    if args.dry_run:
        print_arms(endpoint_runs)
        print(f"  + one Bézier curve per gRDA run to its SGD run; curve epochs {[p.curve_epochs for p, *_ in ends]}")
        return 0
    execute(PAPER, TABLE, scale.name, [replace(a, metrics=trained_metrics) for a in endpoint_runs], ops, args.results)
    series, out = [], results_csv(scale.name, PAPER, TABLE, args.results)
    for pair, mu, grda, sgd in ends:
        result = run(grda.config, ops)
        if result.diverged or run(sgd.config, ops).diverged:
            continue
        state = connect(scale, pair, grda.config, sgd.config, ops)
        metrics = curve_metrics(state)
        write_rows(out, result_rows(PAPER, TABLE, scale.name, Arm(grda.cell, grda.config, lambda r, m=metrics: m), result, ops))
        panel = f"{pair.family} mu={mu:g}"
        for kind in ("curve", "line"):
            for point in state[kind]:
                for quantity, label in (("train_loss", "training loss"), ("test_error", "test error (%)")):
                    series.append({"panel": f"{panel}: {label}", "series": f"{'Bézier curve' if kind == 'curve' else 'segment'}",
                                   "x": point["t"], "y": point[quantity], "x_label": "t (0: gRDA, 1: SGD)", "y_label": label,
                                   "seed": seed, "run_id": grda.config.run_id, "note": grda.cell})
    write_series(figure_csv(scale.name, PAPER, TABLE, args.results), series)
    judge_claims(PAPER, TABLE, scale.name, args.results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
