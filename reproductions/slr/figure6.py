"""SLR paper, Figure 6: whether SLR's surrogate optimality conditions (3) and (8) hold at each multiplier update
over training (1 satisfied, 0 not), for ResNet-18 at 8.71x with s0 = 1e-2, rho = 0.1.

Claim (SLR-C6): violations do not persist: no run of violated (3) is longer than 5 updates. Both evaluations of
the conditions are run (claims.md): the paper's (f on a fixed training subset, per-layer steps) and the
official code's (`prunebench.methods.slr.OFFICIAL_CODE`: epoch-mean CE, global step, the code's W_prev / Z_prev
bookkeeping, ...). Plotted is each test as made, as the code records it; the code forces its first (3) (k == 1).
The paper-faithful arm is Figure 5's default arm (same run id: it runs once for both figures).

Command: make reproduce-slr-figure6 SCALE=quick|paper|smoke  (= python -m reproductions.slr.figure6 --scale quick)
Scales: as Figure 5 (paper: CIFAR-10, 50 epochs, one update per epoch; quick: the CIFAR-10 JPEG copy, 4 epochs).
Outputs: results/<scale>/slr_figure6.csv, results/<scale>/logs/slr_figure6_updates.csv (every logged quantity
per update), results/<scale>/figures/slr_figure6.csv (panels: condition (3), condition (8), and the margin
rhs − lhs of each, > 0 when the condition holds).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from prunebench.config import Operational
from prunebench.figures import write_series
from prunebench.methods.slr import OFFICIAL_CODE
from prunebench.paths import figure_csv, method_log_csv, results_csv
from prunebench.reproduction import Arm, Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.runner import RunResult
from prunebench.scales import Scale
from reproductions.slr import figure5, table1
from reproductions.slr.common import CONDITION_CLAIM, PAPER, series_from_runs

FIGURE = "figure6"
EVALUATIONS = {"paper": {}, "official_code": OFFICIAL_CODE}  # series name -> SLR options


def arms(scale: Scale, seeds: tuple[int, ...] | None = None) -> list[Arm]:
    out = []
    out.append(Arm(figure5.ROW.cell, table1.baseline(figure5.ROW, scale), table1.baseline_metrics))
    for seed in seeds or scale.seeds:
        for name, options in EVALUATIONS.items():
            out.append(figure5.slr_arm(scale, seed, name, table1.pruned_metrics, **options))
    return out


CLAIMS = [
    CONDITION_CLAIM,
]

PANELS = {  # panel -> (column or margin pair, y label)
    "condition (3)": ("cond3_held", "satisfied (1) / not (0)"),  # the test as made (the code's record), not forced
    "condition (8)": ("cond8_held", "satisfied (1) / not (0)"),
    "margin of (3)": (("rhs3", "lhs3"), "rhs − lhs of (3)"),
    "margin of (8)": (("rhs8", "lhs8"), "rhs − lhs of (8)"),
}


def write_figure(scale: str, runs: list[tuple[Arm, RunResult]], results_root: Path, ops: Operational) -> None:
    log = pd.read_csv(method_log_csv(scale, PAPER, FIGURE, results_root))
    rows = []
    for arm, _ in runs:
        if arm.config.method != "slr":
            continue
        updates = log[log["run_id"] == arm.config.run_id]
        series = arm.variant
        for panel, (column, label) in PANELS.items():
            values = updates[column] if isinstance(column, str) else updates[column[0]] - updates[column[1]]
            rows += [
                {"panel": panel, "series": series, "x": int(u), "y": float(v), "x_label": "SLR update (epoch)",
                 "y_label": label, "seed": arm.config.seed, "run_id": arm.config.run_id}
                for u, v in zip(updates["update"], values, strict=True)
            ]
    write_series(figure_csv(scale, PAPER, FIGURE, results_root), rows, results_csv(scale, PAPER, FIGURE, results_root))


REPRODUCTION = Reproduction(
    PAPER, FIGURE, "Figure 6: whether SLR's surrogate optimality conditions (3) and (8) hold at each multiplier update", arms,
    claims=CLAIMS, after=series_from_runs(write_figure), differences=table1.BASE_DIFFERENCES,
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
