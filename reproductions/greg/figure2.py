"""GReg paper, Figure 2: VGG19's third conv layer, filter L1 norms divided by their max at iterations
0, 10k, 20k and 30k of GReg-2's picking phase — the norms split into a high and a low group.

Claim (GREG-C6, the same as Figure 1's): judged on this run's picking-phase log as well.

Command: make reproduce-greg-figure2 SCALE=quick|paper|smoke
Scales: paper: VGG19/CIFAR-100 at `[1-15:0.7]`, snapshots every 10k iterations; quick: VGG19 at 1/4 width on
3k images of the CIFAR-10 JPEG copy (its base on 12k), picking at the paper's δλ' and τ' (1,000 updates, one per
iteration), snapshots every 100 iterations, 3 seeds; smoke: synthetic data. The runs snapshot the drawn layer only
(every layer's norms every 100 iterations made a 9 MB log).
Output: results/<scale>/figures/greg_figure2.csv.
"""
from __future__ import annotations

from functools import partial

from prunebench.reproduction import Reproduction
from prunebench.reproduction_cli import run_reproduction
from reproductions.greg import figure1
from reproductions.greg.common import PAPER, overrides, pruned_layers

TABLE = "figure2"
ROWS = {"vgg19": ("8.84x", "[1-15:0.7]", 10_000)}
LAYER = r"features\.7"  # the third conv (conv index 2) of the VGG19 feature stack

DIFFERENCES = figure1.DIFFERENCES
CLAIMS = figure1.CLAIMS


def arms(scale, seed_override=None):
    return figure1.arms(scale, seed_override, ROWS, drawn_layers=LAYER)


write_figure = partial(figure1.write_figure, table=TABLE, layers=LAYER)


REPRODUCTION = Reproduction(
    PAPER, TABLE, "Figure 2: VGG-19's third conv layer, filter norms over GReg-2's picking phase", arms,
    claims=CLAIMS, differences=DIFFERENCES, describe=pruned_layers, overrides=overrides,
    after=lambda args, _arms, _ops: write_figure(args.scale, args.results),
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
