"""SLR paper, Figure 5: ablation of SLR's s0, M and r on ResNet-18 at 8.71x (uniform 0.9 on the 16 residual
convs); hard-prune accuracy read periodically during SLR training.

Claim (SLR-C7): s0, M and r matter little for the final hard-prune accuracy; s0 = 1e-2 gives the highest
early accuracy. Swept values (the paper's appear only in the figure; these are claims.md's suggestion):
s0 in {1e-1, 1e-2, 1e-3}, M in {100, 300, 1000}, r in {0.05, 0.1, 0.5}, one at a time around the paper's
default (s0 1e-2, M 300, r 0.1): 7 runs, the default shared by the three panels.

Command: make reproduce-slr-figure5 SCALE=quick|paper|smoke  (= python -m reproductions.slr.figure5 --scale quick)
Scales: paper: CIFAR-10, 50 epochs (Sec. 4.4), read every 10 epochs, 3 seeds. quick: the CIFAR-10 JPEG copy,
1/4 width, the quick scale's 4 epochs, read every epoch, 1 seed, Table 1's cached baseline. smoke: synthetic.
Measured at quick scale on an idle 2-core CPU, on Fashion-MNIST with its earlier seeds (before the quick scale moved to the CIFAR-10 copy; not re-measured yet): 362 s after Figure 4 (the default-setting SLR run and the baseline
cached; 6 SLR runs of 4 epochs, 54-65 s each); about 7.5 min alone.
Outputs: results/<scale>/slr_figure5.csv, results/<scale>/figures/slr_figure5.csv (panel = swept parameter).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from prunebench.claims import FAILS, HOLDS, NOT_RUN, Claim, Verdict
from prunebench.config import Operational
from prunebench.figures import write_series
from prunebench.paths import figure_csv
from prunebench.reproduce import Arm
from prunebench.runner import RunResult
from prunebench.scales import REDUCED, Scale
from reproductions.slr import table1
from reproductions.slr.common import PAPER, main_for, pruned_config

FIGURE = "figure5"
DEFAULT = {"s0": 1e-2, "M": 300.0, "r": 0.1}
SWEEP = {"s0": (1e-1, 1e-2, 1e-3), "M": (100.0, 300.0, 1000.0), "r": (0.05, 0.1, 0.5)}
PAPER_EPOCHS = 50
READ_EVERY = {"paper": 10, REDUCED: 1}  # epochs between the trial hard-prune readings
SPREAD_LIMIT = 1.0  # points (claims.md SLR-C7)
ROW = table1.ROWS[0]  # CIFAR-10 ResNet-18, 8.71x


def read_every(scale: Scale) -> int:
    return scale.pick(READ_EVERY, what="reading interval")


def slr_arm(scale: Scale, seed: int, variant: str, metrics=None, **options: object) -> Arm:
    """ResNet-18 SLR at the published ratio with `options` over the paper's (also Figure 6's arms)."""
    config = pruned_config(
        table1.baseline(ROW, scale, seed), method="slr", prune_rule=ROW.prune_rule, ratio=table1.paper_ratio(ROW),
        epochs=scale.epochs(PAPER_EPOCHS), optimizer=ROW.optimizer, eval_every=read_every(scale),
        method_options=options,
    )
    return Arm(ROW.cell, config, metrics or ablation_metrics, variant=variant)


def arms(scale: Scale, seeds: tuple[int, ...] | None = None) -> list[Arm]:
    out = []
    for seed in seeds or scale.seeds:
        out.append(Arm(ROW.cell, table1.baseline(ROW, scale, seed), table1.baseline_metrics))
        for name, values in SWEEP.items():
            for value in values:
                options = {} if value == DEFAULT[name] else {name: value}  # the default arm: Table 1's options
                out.append(slr_arm(scale, seed, name, **options))
    return out


def ablation_metrics(result: RunResult) -> dict[str, float]:
    reads = [top1 for epoch, top1 in result.per_epoch("test_top1_hardprune") if epoch > 0]
    options = {**DEFAULT, **{k: v for k, v in result.config.method_options.items() if k in DEFAULT}}
    return {
        "top1_hardprune": result.metrics["top1_final"],
        "top1_hardprune_first_read": reads[0],
        "compression": result.metrics["compression_nonbias"],
        **{f"slr_{k}": v for k, v in options.items()},
    }


def insensitive(results: pd.DataFrame) -> Verdict:
    """Per swept parameter (the other two at default): final spread <= 1 point; s0 = 1e-2 best at the first read."""
    rows = results[results["method"] == "slr"]
    if rows.empty:
        return Verdict(NOT_RUN, "no SLR rows")
    # the default arm appears once per panel (cell); its copies are identical
    runs = rows.pivot_table(index=["run_id", "seed"], columns="metric", values="value", aggfunc="first").reset_index()
    verdicts, details = [], []
    for name in SWEEP:
        others = [k for k in DEFAULT if k != name]
        sweep = runs[(runs[[f"slr_{k}" for k in others]] == pd.Series({f"slr_{k}": DEFAULT[k] for k in others})).all(axis=1)]
        if sweep[f"slr_{name}"].nunique() < 2:
            continue
        means = sweep.groupby(f"slr_{name}")[["top1_hardprune", "top1_hardprune_first_read"]].mean()
        spread = means["top1_hardprune"].max() - means["top1_hardprune"].min()
        verdicts.append(spread <= SPREAD_LIMIT)
        finals = ", ".join(f"{v:g}: {a:.2f}" for v, a in means["top1_hardprune"].items())
        details.append(f"{name} final ({finals}) spread {spread:.2f}")
        if name == "s0":
            first = means["top1_hardprune_first_read"]
            verdicts.append(bool(first.get(DEFAULT["s0"], -1.0) >= first.max()))  # ties count as best
            firsts = ", ".join(f"{v:g}: {a:.2f}" for v, a in first.items())
            details.append(f"s0 first read ({firsts}): s0={DEFAULT['s0']:g} {'is' if verdicts[-1] else 'is not'} the best")
    if not verdicts:
        return Verdict(NOT_RUN, "no parameter swept")
    return Verdict(HOLDS if all(verdicts) else FAILS, "; ".join(details) + f"; spread limit {SPREAD_LIMIT:g} point")


CLAIMS = [Claim("SLR-C7", "s0, M and r matter little for the final hard-prune accuracy; s0 = 1e-2 is best early.", insensitive)]


def write_figure(scale: str, runs: list[tuple[Arm, RunResult]], results_root: Path, ops: Operational) -> None:
    rows = []
    for arm, result in runs:
        if arm.config.method == "dense":
            continue
        name = arm.variant
        value = arm.config.method_options.get(name, DEFAULT[name])
        for epoch, top1 in result.per_epoch("test_top1_hardprune"):
            rows.append({
                "panel": name, "series": f"{name}={value:g}", "x": epoch, "y": top1, "x_label": "epoch",
                "y_label": "hard-prune top-1 (%)", "seed": arm.config.seed, "run_id": arm.config.run_id,
            })
    write_series(figure_csv(scale, PAPER, FIGURE, results_root), rows)


def main(argv: list[str] | None = None) -> int:
    return main_for(
        FIGURE, "python -m reproductions.slr.figure5",
        "Reproduce Figure 5 of the SLR paper (ablation of s0, M and r: hard-prune accuracy during SLR).",
        arms, argv, write_figure,
    )


if __name__ == "__main__":
    raise SystemExit(main())
