"""Proximal NS paper (Bui et al., LOD 2023): the distribution of the BN scaling factors after one training
pass, network slimming (|γ|) vs proximal NS (|γ| and its auxiliary ξ), for each network of Table 1.

The point of the figure: subgradient NS leaves many small but non-zero |γ| (a threshold must be chosen),
proximal NS makes ξ exactly zero for whole channels. Claims: NS-C4 (≤ 1% exact zeros under NS) and PNS-C1
(≥ 20% of ξ exactly zero).

Command: make reproduce-proxns-figure_scaling_factors SCALE=quick|paper|smoke
         (= python -m reproductions.proxns.figure_scaling_factors)
Runs: Table 1's trained networks (same run ids: nothing is trained twice; the NS factors are read at its
pruning step, which loads the trained weights). Outputs: results/<scale>/proxns_figure_scaling_factors.csv
(zero counts), the per-channel factors in results/<scale>/logs/, and the histogram series
results/<scale>/figures/proxns_figure_scaling_factors.csv (panel = network, with its λ sweep tag if any; series = method and factor;
x = bin centre of |factor| over 40 equal bins up to the largest value; exact zeros as their own series at x = 0).
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from prunebench.claims import Claim
from prunebench.config import Operational
from prunebench.figures import write_series
from prunebench.paths import figure_csv, method_log_csv
from prunebench.reproduction import Arm, Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.scales import Scale
from reproductions.proxns import table1
from reproductions.proxns.common import CLAIMS as TABLE_CLAIMS
from reproductions.proxns.common import PAPER, SWEEP

TABLE = "figure_scaling_factors"
BINS = 40
DIFFERENCES = table1.DIFFERENCES
CLAIMS: list[Claim] = [c for c in TABLE_CLAIMS if c.id in {"NS-C4", "PNS-C1"}]


def panel(cell: str) -> str:
    """'cifar10/vgg19/ns-p0.7@lam978x' -> 'cifar10/vgg19@lam978x': the network, and the λ sweep if any."""
    head, _, sweep = str(cell).partition(SWEEP)
    return head.rsplit("/", 1)[0] + (SWEEP + sweep if sweep else "")


def arms(scale: Scale, seed_override: tuple[int, ...] | None = None) -> list[Arm]:
    """Table 1's runs that hold the factors after training: the first NS pruning step of each network and λ
    (its parent is the trained network) and each proximal NS training."""
    out, seen = [], set()
    for arm in table1.arms(scale, seed_override):
        first_ns = arm.method == "ns" and arm.config.epochs == 0 and (panel(arm.cell), arm.config.seed) not in seen
        if first_ns:
            seen.add((panel(arm.cell), arm.config.seed))
        if first_ns or arm.config.method == "proximal_slimming":
            out.append(arm)
    return out


def histogram_rows(log: pd.DataFrame) -> list[dict]:
    """Per network, method and factor: counts of |factor| in BINS equal bins, plus the exact zeros."""
    rows = []
    log = log.assign(network=log["cell"].map(panel))
    for (network, method), group in log.groupby(["network", "method"], sort=True):
        label = "NS" if method == "network_slimming" else "proximal NS"
        for factor in ("gamma", "xi"):
            if factor not in group or group[factor].isna().all():
                continue
            values = group[factor].abs().to_numpy()
            name = f"{label} |{'γ' if factor == 'gamma' else 'ξ'}|"
            counts, edges = np.histogram(values[values > 0], bins=BINS, range=(0.0, float(values.max()) or 1.0))
            common = {"panel": network, "x_label": "|scaling factor|", "y_label": "channels"}
            rows += [{**common, "series": name, "x": float((lo + hi) / 2), "y": float(n)}
                     for lo, hi, n in zip(edges[:-1], edges[1:], counts, strict=True)]
            rows.append({**common, "series": f"{name} exactly 0", "x": 0.0, "y": float((values == 0).sum()),
                         "note": f"{int((values == 0).sum())} of {len(values)} channels exactly zero"})
    return rows


def write_figure(args: argparse.Namespace, arms: list[Arm], ops: Operational) -> None:
    log = pd.read_csv(method_log_csv(args.scale, PAPER, TABLE, args.results))
    path = figure_csv(args.scale, PAPER, TABLE, args.results)
    write_series(path, histogram_rows(log))
    print(f"scaling-factor histograms -> {path}")


REPRODUCTION = Reproduction(
    PAPER, TABLE, "Scaling factors after one training pass: network slimming (|γ|) vs proximal NS (|γ| and ξ)", arms,
    claims=CLAIMS, differences=DIFFERENCES, after=write_figure,
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
