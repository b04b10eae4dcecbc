"""GReg paper, Table 9: GReg-1's sensitivity to the update interval K_u.

Claims: GREG-C10, every K_u beats L1 one-shot on the same filters (paired by seed, per K_u); GREG-C10b, GReg-1 is
insensitive to K_u (each K_u within ±1 point of the first, paired by seed: an equivalence test).

Command: make reproduce-greg-table9 SCALE=quick|paper|smoke
Scales: paper: K_u ∈ {1, 5, 10, 15, 20} at ResNet56 r = 90% and VGG19 r = 70%, 3 seeds, δλ fixed (a larger
K_u means a longer regularisation phase); quick: ResNet56 r = 0.9 at K_u ∈ {1, 5, 10} with the quick δλ,
3 seeds; smoke: K_u ∈ {1, 2}. The L1 one-shot arm is Table 1's (same run ids, run once).
"""
from __future__ import annotations

import pandas as pd

from prunebench.claims import NOT_RUN, Claim, Verdict, interval_verdict, seed_values
from prunebench.evidence import Interval
from prunebench.reproduction import Arm, Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.scales import Scale
from reproductions.greg.common import (
    NETWORKS,
    PAPER,
    baseline_arm,
    greg_options,
    overrides,
    pruned_layers,
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


SPREAD_POINTS = 1.0  # a difference between two K_u that still counts as "insensitive"


def per_interval(results: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, pd.Series]]:
    """Per network: GReg-1's fine-tuned top-1 per seed (rows) and K_u cell (columns), and L1 one-shot's per seed."""
    rows = results[results["metric"] == "top1_finetuned"]
    out = {}
    for network, g in rows.groupby(rows["cell"].str.rsplit("/", n=1).str[0]):
        greg = g[g["method"] == "greg1"].pivot_table(index="seed", columns="cell", values="value")
        l1 = seed_values(g, "top1_finetuned", "l1_oneshot")
        if greg.shape[1] >= 2 and not l1.empty:
            out[network] = (greg, l1)
    return out


def every_interval_beats_l1(results: pd.DataFrame) -> Verdict:
    """Per network and K_u, paired by seed: GReg-1 at that K_u − L1 one-shot, interval above 0 (Holm over all)."""
    tests, details, intervals = [], [], []
    for network, (greg, l1) in per_interval(results).items():
        for cell, column in greg.items():
            gain = Interval.of(list((column - l1).dropna()))
            tests.append(gain.judge("above"))
            intervals.append(gain)
            details.append(f"{network} {cell.rsplit('/', 1)[1]} − L1 one-shot: {gain}")
    if not tests:
        return Verdict(NOT_RUN, "needs GReg-1 at two or more K_u and the L1 one-shot arm")
    return interval_verdict(tests, "; ".join(details), intervals)


def insensitive_to_interval(results: pd.DataFrame) -> Verdict:
    """Per network, paired by seed: GReg-1 at each K_u − GReg-1 at the first, inside ±SPREAD_POINTS (both one-sided
    tests on the claimed side: an equivalence test), fails when a difference lies wholly outside."""
    tests, details, intervals = [], [], []
    for network, (greg, _) in per_interval(results).items():
        first, *others = greg.columns
        for cell in others:
            change = Interval.of(list((greg[cell] - greg[first]).dropna()))
            tests += [change.judge("above", -SPREAD_POINTS), change.judge("below", SPREAD_POINTS)]
            intervals.append(change)
            details.append(f"{network} {cell.rsplit('/', 1)[1]} − {first.rsplit('/', 1)[1]}: {change}")
    if not tests:
        return Verdict(NOT_RUN, "needs GReg-1 at two or more K_u")
    return interval_verdict(tests, "; ".join(details) + f"; claimed: inside ±{SPREAD_POINTS:g}", intervals)


TABLE9 = "Table 9 (ResNet56 r = 90 %, VGG19 r = 70 %)"
CLAIMS = [
    Claim("GREG-C10", "GReg-1 at every update interval K_u beats L1 one-shot on the same filters.",
          every_interval_beats_l1,
          source=f"{TABLE9}: the worst K_u still beats L1 one-shot by 2.04 and 0.88 points"),
    Claim("GREG-C10b", "GReg-1's accuracy is insensitive to the update interval K_u.", insensitive_to_interval,
          source=f"{TABLE9}: accuracy spread over K_u ∈ {{1, 5, 10, 15, 20}} of 0.31 and 0.42 points",
          bound=f"bound chosen here: every K_u within ±{SPREAD_POINTS:g} point of the first, paired by seed"),
]


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


REPRODUCTION = Reproduction(
    PAPER, TABLE, "Table 9: GReg-1's sensitivity to the update interval K_u", arms,
    claims=CLAIMS, differences=DIFFERENCES, describe=pruned_layers, overrides=overrides,
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
