"""SLR paper, Figure 4: one layer's weights before pruning and after SLR and ADMM training, (a) at the same
compression and epochs, (b) at the same accuracy.

Claim (SLR-C8): SLR moves the weights toward the sparse set faster than ADMM: at the same compression and
epochs, the mass outside the kept support ||W − Π(W)|| / ||W|| (measured before the hard prune) is smaller for
SLR. Our proxy (claims.md); the paper's evidence is the heat maps alone.

Command: make reproduce-slr-figure4 SCALE=quick|paper|smoke  (= python -m reproductions.slr.figure4 --scale quick)
Runs: (a) Figure 5's default SLR arm and the ADMM arm with the same config; (b) Figure 1's arms, which stop
at the same accuracy threshold (dense − 3 points); panel (b) says in a note when an arm did not reach it.
All are shared with those figures (same run ids), so this script trains only the ADMM arm of (a).
Deviation: the paper's Figure 4 is a TuSimple (Ultra-Fast-Lane-Detection, ResNet-18) layer at 77x; we use the
CIFAR-10 ResNet-18 arms at 8.71x at every scale, since the figure needs only one ResNet-18 layer's weights.
Outputs: results/<scale>/figures/slr_figure4/<panel>__<series>.csv (the layer as a matrix: rows = output
channels, columns = fan-in, for the heat maps), results/<scale>/figures/slr_figure4.csv (per series the
fraction of weights with |w| <= x · RMS(dense layer), x log-spaced: the heat maps' "more zeroed" in numbers),
and results/<scale>/slr_figure4.csv (per arm: hard-prune accuracy, mass outside the support).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from prunebench.checkpoint import load_checkpoint, write_text_atomic
from prunebench.claims import NOT_RUN, Claim, Verdict, interval_verdict, paired
from prunebench.config import Operational
from prunebench.figures import write_series
from prunebench.paths import figure_csv, results_csv
from prunebench.reproduction import Arm, Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.runner import RunResult, run
from prunebench.scales import Scale
from reproductions.slr import figure1, figure5, table1
from reproductions.slr.common import PAPER, series_from_runs

FIGURE = "figure4"
LAYER = "layer2.1.conv1.weight"  # one residual 3x3 conv of the prune set
THRESHOLDS = np.logspace(-4, 0, 17)  # |w| / RMS(dense layer)
MASS = "mass_outside_support_before_hardprune"
PANELS = {"same_compression": "(a) same compression and epochs", "same_accuracy": "(b) same accuracy (threshold)"}


def arms(scale: Scale, seeds: tuple[int, ...] | None = None) -> list[Arm]:
    out = []
    for seed in seeds or scale.seeds:
        slr = figure5.slr_arm(scale, seed, "same_compression", table1.pruned_metrics)
        admm = replace(slr.config, method="admm", method_options={"rho": slr.config.method_options["rho"]})
        out += [slr, replace(slr, config=admm)]
        out += [
            Arm(arm.cell, arm.config, figure1.threshold_metrics, variant="same_accuracy")
            for arm in figure1.arms(scale, (seed,)) if arm.config.method != "dense"
        ]
    return out


def closer_to_sparse(results: pd.DataFrame) -> Verdict:
    """Per cell and ratio, SLR's ||W − Π(W)|| / ||W|| before the hard prune is below ADMM's: per seed, SLR − ADMM,
    interval below 0."""
    pairs = paired(results, MASS, "slr", "admm")
    if not pairs:
        return Verdict(NOT_RUN, f"no {MASS} rows for both SLR and ADMM")
    return interval_verdict([p.judge("below") for p in pairs],
                            "; ".join(p.describe("SLR", "ADMM") for p in pairs) + " (lower is closer to the sparse set)",
                            [p.interval for p in pairs])


CLAIMS = [
    Claim("SLR-C8", "At the same compression and epochs SLR leaves less weight mass outside the kept support than ADMM.",
          closer_to_sparse,
          source='Figure 4 caption (TuSimple ResNet-18 at 77×, heat maps): "Weights are more zeroed out with SLR '
                 'compared to ADMM."',
          bound="measure chosen here: ‖W − Π(W)‖ / ‖W‖ before the hard prune, a number for what the heat maps show"),
]


def layer_weights(arm: Arm, result: RunResult, ops: Operational) -> dict[str, torch.Tensor]:
    """The layer in the dense parent, as trained (before the hard prune), and after the hard prune."""
    parent = run(arm.config.parent, ops)  # finished: read back
    return {
        "dense": load_checkpoint(parent.paths.weights)[LAYER],
        f"{arm.config.method}_trained": load_checkpoint(result.paths.weights_before_finalize)[LAYER],
        f"{arm.config.method}_hardpruned": load_checkpoint(result.paths.weights)[LAYER],
    }


def write_figure(scale: str, runs: list[tuple[Arm, RunResult]], results_root: Path, ops: Operational) -> None:
    folder = figure_csv(scale, PAPER, FIGURE, results_root).with_suffix("")
    rows, done = [], set()
    for arm, result in runs:
        panel = arm.variant
        weights = layer_weights(arm, result, ops)
        rms = float(weights["dense"].pow(2).mean().sqrt())
        reached = panel != "same_accuracy" or figure1.threshold_metrics(result)["reached_threshold"]
        for series, w in weights.items():
            if (panel, series, arm.config.seed) in done:  # the dense parent is shared by both arms
                continue
            done.add((panel, series, arm.config.seed))
            write_text_atomic(
                "\n".join(",".join(f"{v:.6g}" for v in line) for line in w.flatten(1).numpy()) + "\n",
                folder / f"{panel}__{series}__seed{arm.config.seed}.csv",
            )
            magnitude = w.abs().flatten() / rms
            rows += [
                {"panel": PANELS[panel], "series": series, "x": float(t), "y": float((magnitude <= t).float().mean()),
                 "x_label": "|w| / RMS(dense layer)", "y_label": "fraction of weights <= x", "seed": arm.config.seed,
                 "run_id": arm.config.parent.run_id if series == "dense" else arm.config.run_id,
                 "note": "" if reached or series == "dense" else "threshold not reached: stopped at the horizon"}
                for t in THRESHOLDS
            ]
    write_series(figure_csv(scale, PAPER, FIGURE, results_root), rows, results_csv(scale, PAPER, FIGURE, results_root))


REPRODUCTION = Reproduction(
    PAPER, FIGURE, "Figure 4: one layer's weights before pruning and after SLR and ADMM training", arms,
    claims=CLAIMS, after=series_from_runs(write_figure),
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
