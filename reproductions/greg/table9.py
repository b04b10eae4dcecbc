"""GReg paper, Table 9: GReg-1's sensitivity to the update interval K_u.

Claim (GREG-C10): GReg-1 is insensitive to K_u — the spread of its accuracy over K_u is smaller than its
smallest gain over L1 one-shot (same ratio, same filters).

Command: make reproduce-greg-table9 SCALE=quick|paper|smoke
Scales: paper: K_u ∈ {1, 5, 10, 15, 20} at ResNet56 r = 90% and VGG19 r = 70%, 3 seeds, δλ fixed (a larger
K_u means a longer regularisation phase); quick: ResNet56 r = 0.9 at K_u ∈ {1, 5, 10} with the quick δλ,
3 seeds; smoke: K_u ∈ {1, 2}. The L1 one-shot arm is Table 1's (same run ids, run once).
Measured at quick scale on an idle 2-core CPU (2026-12-01): 456 s after Table 1 (the base, L1 one-shot and K_u = 5
arms cached).
"""
from __future__ import annotations

import pandas as pd

from prunebench.claims import NOT_RUN, Claim, Verdict, interval_verdict, seed_values
from prunebench.evidence import Interval
from prunebench.reproduce import Arm
from prunebench.scales import Scale
from reproductions.greg.common import (
    NETWORKS,
    baseline_arm,
    greg_options,
    main,
    pruning_arms,
    quick_notes,
    rows_at,
    seeds,
)
from reproductions.greg.table1 import l1_oneshot_arms, ratio_string

TABLE = "table9"
ROWS = {"resnet56": 0.9, "vgg19": 0.7}
INTERVALS = {"paper": (1, 5, 10, 15, 20), "quick": (1, 5, 10), "smoke": (1, 2)}

DIFFERENCES = [
    "quick: the CIFAR-10 JPEG copy; ResNet56 at 1/4 width, K_u ∈ {1, 5, 10}",
    *quick_notes(),
]


def insensitive_to_interval(results: pd.DataFrame) -> Verdict:
    """Per network and seed: GReg-1's smallest gain over L1 one-shot (same seed) − its spread over K_u; the claim
    holds when that margin's interval lies above 0."""
    rows = results[results["metric"] == "top1_finetuned"]
    if rows.empty:
        return Verdict(NOT_RUN, "no top1_finetuned rows")
    network_of = rows["cell"].str.rsplit("/", n=1).str[0]
    statuses, details, intervals = [], [], []
    for network, g in rows.groupby(network_of):
        greg = g[g["method"] == "greg1"].pivot_table(index="seed", columns="cell", values="value")
        l1 = seed_values(g, "top1_finetuned", "l1_oneshot")
        if greg.shape[1] < 2 or l1.empty:
            continue
        margin = Interval.of(list((greg.sub(l1, axis=0).min(axis=1) - (greg.max(axis=1) - greg.min(axis=1))).dropna()))
        statuses.append(margin.judge("above"))
        intervals.append(margin)
        details.append(f"{network}: GReg-1 over K_u " + ", ".join(f"{c.rsplit('/', 1)[1]} {m:.2f}" for c, m in greg.mean().items())
                       + f", L1 one-shot {l1.mean():.2f}; per seed, smallest gain − spread {margin}")
    if not statuses:
        return Verdict(NOT_RUN, "needs GReg-1 at two or more K_u and the L1 one-shot arm")
    return interval_verdict(statuses, "; ".join(details), intervals)


CLAIMS = [Claim("GREG-C10", "GReg-1's accuracy spread over K_u is smaller than its smallest gain over L1 one-shot.",
                insensitive_to_interval)]


def arms(scale: Scale, seed_override: tuple[int, ...] | None = None) -> list[Arm]:
    rows = rows_at(scale, ROWS)
    out = []
    for key, ratio in rows.items():
        network = NETWORKS[key]
        out.append(baseline_arm(network, scale))
        selection = {"ratios": ratio_string(key, ratio)}
        for seed in seeds(scale, seed_override):
            out += l1_oneshot_arms(key, scale, ratio, seed)
            for interval in scale.pick(INTERVALS, what="K_u values"):
                options = greg_options(network, scale, "greg1", update_interval=interval, **selection)
                out += pruning_arms(network, scale, f"{network.cell}/ku{interval}", "greg1", "greg1", options, seed, ratio)
    return out


if __name__ == "__main__":
    raise SystemExit(main(TABLE, __doc__, arms, None))
