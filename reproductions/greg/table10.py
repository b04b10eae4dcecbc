"""GReg paper, Table 10 (Appendix G): one-shot vs GReg-1 on randomly picked filters.

Claims: GREG-C4 — on the same random set, GReg-1 beats one-shot in every run; GREG-C5 — under one-shot, a
random set is worse than the L1 set (mean over runs).

Each run index k draws its own random set from a generator seeded with k (the official code's unseeded
numpy draw cannot be repeated, methods.md §7.2) and both arms of run k prune exactly that set. The
paper's std is the population std (ddof = 0); the report's is ddof = 1 and says so.

Command: make reproduce-greg-table10 SCALE=quick|paper|smoke
Scales: paper: ResNet56 r = 90% and VGG19 r = 70%, 5 runs; quick: ResNet56 r = 0.9, 3 runs (1/4 width, 3k
images of the CIFAR-10 JPEG copy, budget proxy); smoke: 2 runs. The L1 one-shot arm is Table 1's (run once).
Measured at quick scale on an idle 2-core CPU, on Fashion-MNIST with its earlier seeds (before the quick scale moved to the CIFAR-10 copy; not re-measured yet): 255 s after Table 1 (the dense base and L1 one-shot arms cached).
"""
from __future__ import annotations

import pandas as pd

from prunebench.claims import FAILS, HOLDS, NOT_RUN, Claim, Verdict, arm_stats, beats
from prunebench.reproduce import Arm
from prunebench.scales import Scale
from reproductions.greg.common import NETWORKS, baseline_arm, main, oneshot_vs_greg1, rows_at, seeds
from reproductions.greg.table1 import l1_oneshot_arms, ratio_string

TABLE = "table10"
ROWS = {"resnet56": 0.9, "vgg19": 0.7}
RUNS = {"paper": 5, "quick": 3, "smoke": 2}

DIFFERENCES = [
    "quick: the CIFAR-10 JPEG copy; ResNet56 at 1/4 width, 3 runs instead of 5, budget proxy of the regularisation phase",
    "std over runs is reported with ddof = 1 (the paper's printed std is ddof = 0)",
]


def random_worse_than_l1(results: pd.DataFrame) -> Verdict:
    stats = arm_stats(results, "top1_finetuned")
    stats["network"] = stats["cell"].astype(str).str.rsplit("/", n=1).str[0]
    details, verdicts = [], []
    for network, g in stats.groupby("network"):
        random, l1 = g[g["method"] == "random_oneshot"], g[g["method"] == "l1_oneshot"]
        if random.empty or l1.empty:
            continue
        mean_random = (random["mean"] * random["n"]).sum() / random["n"].sum()
        verdicts.append(mean_random < l1["mean"].iloc[0])
        details.append(f"{network}: random one-shot {mean_random:.2f} (over {int(random['n'].sum())} runs) "
                       f"vs L1 one-shot {l1['mean'].iloc[0]:.2f}")
    if not verdicts:
        return Verdict(NOT_RUN, "needs random and L1 one-shot rows")
    return Verdict(HOLDS if all(verdicts) else FAILS, "; ".join(details))


CLAIMS = [
    Claim("GREG-C4", "On the same random set, GReg-1 beats one-shot in every run.",
          beats("top1_finetuned", "greg1", "random_oneshot")),
    Claim("GREG-C5", "Under one-shot, a random set is worse than the L1 set.", random_worse_than_l1),
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
            out += oneshot_vs_greg1(network, scale, cell, "random_oneshot", selection, run, ratio)
    return out


if __name__ == "__main__":
    raise SystemExit(main(TABLE, __doc__, arms, None))
