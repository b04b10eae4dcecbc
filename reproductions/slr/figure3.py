"""SLR paper, Figure 3: TuSimple hard-prune lane accuracy of SLR and ADMM against the compression rate (the data of
Table 4, drawn as a curve; the gap widens with compression).

Claim (SLR-C2): the SLR − ADMM hard-prune gap grows with compression (judged on the same runs as Table 4).

Command: make reproduce-slr-figure3 SCALE=quick|paper|smoke  (= python -m reproductions.slr.figure3 --scale quick)
Runs: exactly Table 4's (same run ids; whichever script runs first trains them, the other reuses them), so the
scales, the data caveat (quick = a tiny generated set in the TuSimple layout, not TuSimple) and the time are
Table 4's. Output: results/<scale>/figures/slr_figure3.csv (panel "hard-prune", series = method, x = the
published compression rate, y = lane accuracy %, one point per seed; panel "after retraining" likewise).
"""
from __future__ import annotations

from pathlib import Path

from prunebench.config import Operational
from prunebench.figures import write_series
from prunebench.metric_names import after_finalize
from prunebench.paths import figure_csv, results_csv
from prunebench.reproduction import Arm, Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.runner import RunResult
from reproductions.slr import table4
from reproductions.slr.common import PAPER, series_from_runs

FIGURE = "figure3"
CLAIMS = [claim for claim in table4.CLAIMS if claim.id == "SLR-C2"]


def write_figure(scale: str, runs: list[tuple[Arm, RunResult]], results_root: Path, ops: Operational) -> None:
    rate_of = {table4.variant(rate): rate for setting in table4.SETTINGS.values() for rate in setting.rates}
    rows = []
    for arm, result in runs:
        if arm.config.method == "dense":
            continue
        panel = "after retraining" if arm.config.method == "magnitude" else "hard-prune"
        rate = rate_of[arm.variant]
        rows.append({
            "panel": panel, "series": arm.method or arm.config.method, "x": rate, "y": result.metrics[after_finalize("top1", arm.config.method)],
            "x_label": "compression rate (published, x)", "y_label": "TuSimple lane accuracy (%)",
            "seed": arm.config.seed, "run_id": arm.config.run_id,
            "note": f"achieved {result.metrics['compression_nonbias']:.2f}x at this scale",
        })
    write_series(figure_csv(scale, PAPER, FIGURE, results_root), rows, results_csv(scale, PAPER, FIGURE, results_root))


REPRODUCTION = Reproduction(
    PAPER, FIGURE, "Figure 3: TuSimple hard-prune accuracy against compression, SLR vs ADMM (Table 4's runs)", table4.arms,
    claims=CLAIMS, after=series_from_runs(write_figure), not_paper_checked="its runs are SLR Table 4's, checked there",
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
