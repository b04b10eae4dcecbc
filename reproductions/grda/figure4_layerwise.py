"""gRDA paper (Chao et al., NeurIPS 2020), Figure 4 (right): the fraction of zero weights in each of
ResNet-50's 54 conv / FC weight tensors at the gRDA solution (c 0.005, μ 0.55 and c 0.01, μ 0.4; 0.1 → 0.01
at epoch 140, 150 epochs), beside the published per-layer values.

Claim: GRDA-C8 (the pattern resembles other methods': larger layers are sparser), checked as
Spearman(per-layer sparsity, layer parameter count) > 0.5 in every setting.

Command: make reproduce-grda-figure4_layerwise SCALE=quick|paper|smoke  (= python -m reproductions.grda.figure4_layerwise)
Scales: the two settings' runs of figure4_accuracy_sparsity (same run ids: trained once, shared), paper
(ImageNet, full width) or smoke (synthetic data; the layer names are the same, so each row sits beside its published
layer); not run where figure4_accuracy_sparsity is not (quick: its ResNet-50 stays at chance).
Outputs: results/<scale>/grda_figure4_layerwise.csv (metrics `sparsity/<layer>` in %, `params/<layer>`) and the
figure series results/<scale>/figures/grda_figure4_layerwise.csv (x = layer index, y = sparsity %).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from prunebench.checkpoint import load_checkpoint
from prunebench.claims import FAILS, HOLDS, NOT_RUN, Claim, Verdict
from prunebench.figures import write_series
from prunebench.paths import figure_csv
from prunebench.reproduction import Arm, Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.results import read_results
from prunebench.runner import RunResult
from prunebench.scales import Scale
from reproductions.grda.common import (
    COUNTING_RULE,
    REFUSED,
    c_overrides_of,
    grda_cell,
    grda_config,
    grda_metrics,
    options_detail,
)
from reproductions.grda.figure4_accuracy_sparsity import DROP, POINTS, RESNET50, recipe_for

PAPER, TABLE = "grda", "figure4_layerwise"
SETTINGS = [(0.005, 0.55), (0.01, 0.4)]  # (c, μ), both with the epoch-140 drop, 150 epochs
EPOCHS = 150
DIFFERENCES = ["smoke: the figure4_accuracy_sparsity proxies (width, data, c threshold-matching)"]


def spearman_with_size(threshold: float) -> Callable[[pd.DataFrame], Verdict]:
    """GRDA-C8: in each gRDA cell, Spearman(sparsity/<layer>, params/<layer>) over the layers > threshold."""

    def check(results: pd.DataFrame) -> Verdict:
        rows = results[results["method"] == "grda"]
        verdicts, details = [], []
        for cell, g in rows.groupby("cell"):
            g = g.groupby("metric")["value"].mean()
            layers = [m.split("/", 1)[1] for m in g.index if m.startswith("sparsity/")]
            if len(layers) < 3:
                continue
            sparsity = pd.Series([g[f"sparsity/{n}"] for n in layers])
            size = pd.Series([g[f"params/{n}"] for n in layers])
            rho = sparsity.rank().corr(size.rank())
            verdicts.append(bool(rho > threshold))
            details.append(f"{cell}: Spearman {rho:.2f} over {len(layers)} layers")
        if not verdicts:
            return Verdict(NOT_RUN, "no per-layer sparsity rows")
        return Verdict(HOLDS if all(verdicts) else FAILS, "; ".join(details) + f"; needs > {threshold:g}")

    return check


CLAIMS = [Claim(
    "GRDA-C8", "gRDA's layer-wise sparsity follows layer size (Spearman with parameter count > 0.5).",
    spearman_with_size(0.5),
    source='poster (Figure 4 right): "gRDA generates a layerwise sparsity pattern similar to other pruning '
           'algorithms"; from the published per-layer data, Spearman with parameter count 0.84',
    bound="bound chosen here: Spearman > 0.5 with the layers' parameter counts, a number for 'similar'")]


def layer_metrics(c: float) -> Callable[[RunResult], dict[str, float]]:
    """The gRDA metrics and the sparsity (%) and size of every conv / linear weight of the trained model, read from
    its weights file."""

    def metrics(result: RunResult) -> dict[str, float]:
        out = grda_metrics(c)(result)
        if result.diverged:
            return out
        for name, w in load_checkpoint(result.paths.weights).items():  # conv (4-d) and linear (2-d) weights, in order
            if name.endswith("weight") and w.dim() in (2, 4):
                out[f"sparsity/{name}"] = 100.0 * (1.0 - int(w.count_nonzero()) / w.numel())
                out[f"params/{name}"] = float(w.numel())
        return out

    return metrics


def arms(scale: Scale, seeds: tuple[int, ...] | None = None) -> list[Arm]:
    scale.pick(POINTS, what="gRDA Figure 4 points")  # not run where figure4_accuracy_sparsity is not
    recipe = recipe_for(EPOCHS, scale)
    return [Arm(grda_cell(RESNET50, DROP, c, mu), grda_config(recipe, DROP, scale, seed, c, mu), layer_metrics(c),
                counting_rule=COUNTING_RULE)
            for seed in seeds or (0,) for c, mu in SETTINGS]


def write_figure(scale: str, results_root: Path) -> None:
    frame = read_results(Path(results_root) / scale / f"{PAPER}_{TABLE}.csv")
    rows = []
    for (cell, run_id), g in frame.groupby(["cell", "run_id"]):
        layers = g[g["metric"].str.startswith("sparsity/")]
        for index, (metric, value) in enumerate(zip(layers["metric"], layers["value"], strict=True), start=1):
            rows.append({"panel": "ResNet-50: layer-wise sparsity", "series": cell, "x": index, "y": value,
                         "x_label": "layer (conv / FC weight, network order)", "y_label": "zero weights (%)",
                         "seed": int(g["seed"].iloc[0]), "run_id": run_id, "note": metric.split("/", 1)[1]})
    write_series(figure_csv(scale, PAPER, TABLE, results_root), rows)


REPRODUCTION = Reproduction(
    PAPER, TABLE, "Figure 4 (right): the fraction of zero weights in each layer of ResNet-50 under gRDA", arms,
    claims=CLAIMS, differences=DIFFERENCES, describe=options_detail,
    overrides=c_overrides_of(lambda scale: [recipe_for(EPOCHS, scale)]), refuse=REFUSED,
    after=lambda args, _arms, _ops: write_figure(args.scale, args.results),
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
