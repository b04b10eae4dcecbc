"""GReg paper, Figure 1: under a uniformly growing L2 penalty (GReg-2's picking phase) the filter norms
separate — row 1: the normalised std (std/mean) of each layer's filter L1 norms against λ; row 2: one
layer's filter norms divided by their max at a few iterations.

Claim (GREG-C6): the normalised std rises with λ in (nearly) every pruned layer — Spearman(λ, std/mean)
> 0.9 in at least 90% of the layers, judged per run from the picking-phase log.

Command: make reproduce-greg-figure1 SCALE=quick|paper|smoke
Scales: paper: GReg-2 on ResNet56/CIFAR-10 (2.55× ratios) and ResNet50/ImageNet (2.31×), snapshots every
5k iterations (ResNet50 layer2.3.conv1 in the paper's row 2); quick: Table 2's GReg-2 runs — ResNet56 at 1/4
width on 3k images of the CIFAR-10 JPEG copy, picking at the paper's δλ' and τ' (1,000 updates, one per
iteration), snapshots every 100 iterations, 3 seeds; smoke: synthetic data.
Output: results/<scale>/figures/greg_figure1.csv (panel, series, x, y, labels) for the report. Row 2 keeps
snapshots taken after picking (at paper scale most published ones are), their series marked with the phase.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from prunebench.checkpoint import write_text_atomic
from prunebench.claims import Claim, at_least
from prunebench.paths import figure_csv, method_log_csv
from prunebench.reproduction import Arm, Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.scales import Scale
from reproductions.greg import common
from reproductions.greg.common import (
    NETWORKS,
    PAPER,
    baseline_arm,
    greg_options,
    overrides,
    pruned_layers,
    pruning_arms,
    rows_at,
)

TABLE = "figure1"
ROWS = {"resnet56": ("2.55x", "[0,0.75,0.75,0.32,0]", 5000), "resnet50": ("2.31x", "[0,0.6,0.6,0.6,0.21,0]", 5000)}

DIFFERENCES = [
    "quick: the CIFAR-10 JPEG copy; ResNet56 at 1/4 width; Table 2's GReg-2 runs (3 seeds), snapshots every 100 iterations",
    *common.quick_notes(greg2=True),
]

CLAIMS = [Claim(
    "GREG-C6", "The normalised std of filter norms rises with λ in ≥ 90% of the pruned layers.",
    at_least("pick_std_monotone_fraction", "greg2", 0.9),
    source='Sec. 3.3, Figure 1 (row 1): "the normalized L1-norm stddev grows larger and larger as λ grows. This '
           'phenomenon consistently appears across different models and datasets."',
    bound="bounds chosen here: 'rises' is a Spearman correlation with λ above 0.9 in a layer, 'consistently' ≥ 90 % "
          "of the pruned layers")]


def arms(scale: Scale, seed_override: tuple[int, ...] | None = None, rows: dict | None = None,
         drawn_layers: str | None = None) -> list[Arm]:
    """`drawn_layers`: the only layers whose filter norms the runs snapshot (Figure 2 draws one layer of runs no
    other table reads); None keeps every layer, so that at reduced scales these are Table 2's GReg-2 runs."""
    rows = rows or rows_at(scale, ROWS)
    out = []
    for key, (speedup, ratios, every) in rows.items():
        network = NETWORKS[key]
        # reduced scales snapshot through the budget, so these are Table 2's GReg-2 runs (run once)
        logging = {} if scale.reduced else {"snapshot_every": every, "log_every": 1}
        if drawn_layers is not None:
            logging["snapshot_layers"] = drawn_layers
        options = greg_options(network, scale, "greg2", ratios=ratios, **logging)
        out.append(baseline_arm(network, scale))
        for seed in common.seeds(scale, seed_override):
            prune, _finetune = pruning_arms(network, scale, f"{network.cell}/{speedup}", "greg2", "greg2", options, seed, 0.0)
            out.append(prune)  # the figure reads the pruning run's log; its fine-tuning is Table 2's
    return out


def series(logs: pd.DataFrame, layers: str | None = None) -> pd.DataFrame:
    """Figure rows from a table's GReg-2 logs: std/mean against λ in the picking phase (row 1) and the
    normalised filter norms at every snapshot (row 2), for layers matching `layers`.

    Row 2 keeps the snapshots after picking too: with the paper's τ' picking ends near iteration 10k (VGG19) /
    5k (ResNet50), so most of the published snapshots (10k-30k) fall in the growth phase; a snapshot taken
    after picking says so in its series name."""
    network = logs["cell"].astype(str).str.split("/").str[1]
    updates = logs[(logs["kind"] == "lambda_update") & (logs["phase"] == "pick")].assign(network=network)
    row1 = pd.DataFrame({
        "panel": "normalised std of filter L1 norms: " + updates["network"],
        "series": updates["layer"], "x": updates["lambda_pruned"], "y": updates["normalized_std"],
        "x_label": "λ", "y_label": "std / mean of filter L1 norms", "seed": updates["seed"], "run_id": updates["run_id"],
    })
    norms = logs[logs["kind"] == "filter_norms"].assign(network=network)
    if layers is not None:
        norms = norms[norms["layer"].astype(str).str.fullmatch(layers)]
    after_picking = norms["phase"].astype(str).map(lambda phase: "" if phase == "pick" else f" ({phase} phase)")
    row2 = pd.DataFrame({
        "panel": "filter norms / max: " + norms["network"] + " " + norms["layer"].astype(str),
        "series": "iteration " + norms["iteration"].astype(int).astype(str) + after_picking,
        "x": norms["filter"],
        "y": norms["norm_over_max"], "x_label": "filter index", "y_label": "L1 norm / max",
        "seed": norms["seed"], "run_id": norms["run_id"],
    })
    return pd.concat([row1, row2], ignore_index=True)


def write_figure(scale: str, results: Path, table: str = TABLE, layers: str | None = r"layer2\.3\.conv1") -> None:
    logs = pd.read_csv(method_log_csv(scale, PAPER, table, results))
    write_text_atomic(series(logs, layers).to_csv(index=False), figure_csv(scale, PAPER, table, results))


REPRODUCTION = Reproduction(
    PAPER, TABLE, "Figure 1: filter norms separate under a growing L2 penalty (GReg-2's picking phase)", arms,
    claims=CLAIMS, differences=DIFFERENCES, describe=pruned_layers, overrides=overrides,
    after=lambda args, _arms, _ops: write_figure(args.scale, args.results),
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
