"""GReg paper, Table 10 (Appendix G): one-shot vs GReg-1 on randomly picked filters.

Claims: GREG-C4 — on the same random set, GReg-1 beats one-shot in every run; GREG-C5 — under one-shot, a
random set is worse than the L1 set. Both are judged per network on the runs as seeds (the paired interval of
GReg-1 − random one-shot, and of L1 one-shot − random one-shot, over runs).

Each run index k draws its own random set from a generator seeded with k (the official code's unseeded
numpy draw cannot be repeated, methods.md §7.2), both arms of run k prune exactly that set, and they train with
seed k − 1, the seed of an L1 one-shot arm. The
paper's std is the population std (ddof = 0); the report's is ddof = 1 and says so.

Command: make reproduce-greg-table10 SCALE=quick|paper|smoke
Scales: paper: ResNet56 r = 90% and VGG19 r = 70%, 5 runs; quick: ResNet56 r = 0.9, 3 runs (1/4 width, 3k
images of the CIFAR-10 JPEG copy, budget proxy); smoke: 2 runs. The L1 one-shot arm is Table 1's (run once).
"""
from __future__ import annotations

from prunebench.claims import Claim, beats
from prunebench.reproduction import Arm, Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.scales import Scale
from reproductions.greg import common
from reproductions.greg.common import (
    NETWORKS,
    PAPER,
    baseline_arm,
    oneshot_vs_greg1,
    overrides,
    per_network,
    pruned_layers,
    rows_at,
    seeds,
)
from reproductions.greg.table1 import l1_oneshot_arms, ratio_string

TABLE = "table10"
ROWS = {"resnet56": 0.9, "vgg19": 0.7}
RUNS = {"paper": 5, "quick": 3, "smoke": 2}

DIFFERENCES = [
    "quick: the CIFAR-10 JPEG copy; ResNet56 at 1/4 width, 3 runs instead of 5",
    *common.quick_notes(),
    "std over runs is reported with ddof = 1 (the paper's printed std is ddof = 0)",
]


CLAIMS = [  # the runs of a network are its seeds: run k trains with seed k − 1, as the L1 arm of that seed
    Claim("GREG-C4", "On the same random set, GReg-1 beats one-shot.",
          per_network(beats("top1_finetuned", "greg1", "random_oneshot")),
          source='Appendix G, Table 10 (5 of 5 runs, both networks): "in each run, the regularization-based way also '
                 'significantly surpasses its one-shot counterpart"'),
    Claim("GREG-C5", "Under one-shot, a random set is worse than the L1 set.",
          per_network(beats("top1_finetuned", "l1_oneshot", "random_oneshot")),
          source='Appendix G: "the mean accuracy of pruning randomly picked filters should be less than pruning those '
                 'picked by L1-norm, confirmed by 86.85% vs. 87.34% for ResNet56 and 65.04% vs. 66.05% for VGG19"'),
]


def arms(scale: Scale, seed_override: tuple[int, ...] | None = None) -> list[Arm]:
    rows = rows_at(scale, ROWS)
    out = []
    for key, ratio in rows.items():
        network = NETWORKS[key]
        out.append(baseline_arm(network, scale))
        for seed in seeds(scale, seed_override):
            out += l1_oneshot_arms(key, scale, ratio, seed)
        for run in range(1, scale.pick(RUNS, what="random-selection runs") + 1):
            selection = {"ratios": ratio_string(key, ratio), "criterion": "random", "criterion_seed": run}
            cell = f"{network.cell}/run{run}"
            # training seed run − 1: the same initial data order as the L1 arm of that seed, so C5 pairs by seed
            out += oneshot_vs_greg1(network, scale, cell, "random_oneshot", selection, run - 1, ratio)
    return out


REPRODUCTION = Reproduction(
    PAPER, TABLE, "Table 10: one-shot vs GReg-1 on randomly picked filters", arms,
    claims=CLAIMS, differences=DIFFERENCES, describe=pruned_layers, overrides=overrides,
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
