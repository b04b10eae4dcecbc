"""What the SLR paper's reproduction scripts share: the command line, and how a pruning arm is derived from
a dense baseline, so that the same arm in two scripts has the same run id (and runs once)."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from prunebench.claims import Claim, beats, gap_grows, non_increasing
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.reproduce import Arm, execute
from prunebench.runner import RunResult, run
from prunebench.scales import SCALES, Scale

PAPER = "slr"
RHO = 0.1  # every SLR/ADMM comparison of the paper (Sec. 4)


def pruned_config(
    dense: RunConfig, *, method: str, prune_rule: str, ratio: float, epochs: int, optimizer: OptimizerConfig,
    eval_every: int, method_options: dict[str, Any] | None = None, model_options: dict[str, Any] | None = None,
    **changes: Any,
) -> RunConfig:
    """An ADMM/SLR arm that starts from `dense`'s final weights (ρ = 0.1 unless `method_options` says). The
    model options are the architecture's only (no pretrained-weights option: the parent's weights are loaded)."""
    return replace(
        dense, method=method, prune_rule=prune_rule, prune_ratio=ratio, epochs=epochs, optimizer=optimizer,
        eval_every=eval_every, method_options={"rho": RHO, **(method_options or {})}, parent=dense,
        model_options=model_options or {}, **changes,
    )


def comparison_claims(metric: str, what: str) -> list[Claim]:
    """SLR-C1, SLR-C2 and ADMM-C1 on a table's hard-prune `metric` (`what` names it in the statements)."""
    return [
        Claim("SLR-C1", f"SLR's hard-prune {what} beats ADMM's at every compression rate.", beats(metric, "slr", "admm")),
        Claim("SLR-C2", "The SLR − ADMM hard-prune gap grows with the compression rate.", gap_grows(metric, "slr", "admm")),
        Claim("ADMM-C1", f"ADMM's hard-prune {what} falls as compression grows.", non_increasing(metric, "admm")),
    ]


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("--scale", default="quick", choices=SCALES.names(), help="smoke | quick | paper (default quick)")
    p.add_argument("--seeds", type=int, nargs="+", help="override the scale's seeds")
    p.add_argument("--data-root", type=Path, help="where data sets live (default $PRUNEBENCH_DATA)")
    p.add_argument("--runs-root", type=Path, default=Path("runs"), help="run directories (checkpoints, logs)")
    p.add_argument("--baselines-root", type=Path, default=Path("baselines/cache"), help="cached dense baselines")
    p.add_argument("--results", type=Path, default=Path("results"), help="results folder (CSV per table)")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--dry-run", action="store_true", help="print the runs, run nothing")
    return p


def operational(args: argparse.Namespace) -> Operational:
    return Operational(args.runs_root, args.baselines_root, args.data_root, args.device, not args.no_progress)


def main_for(
    table: str, prog: str, description: str, plan: Callable[[Scale, tuple[int, ...] | None], list[Arm]],
    argv: list[str] | None, figure: Callable[[str, list[tuple[Arm, RunResult]], Path, Operational], None] | None = None,
) -> int:
    """Parse the common options, run the plan's arms (each cached), then write the figure series if any
    (from the runs' results; `Operational` says where their files are)."""
    args = parser(prog, description).parse_args(argv)
    scale = SCALES.get(args.scale)
    arms = plan(scale, tuple(args.seeds) if args.seeds else None)
    if args.dry_run:
        for arm in arms:
            print(f"  {arm.cell:32s} {arm.config.run_id}")
        return 0
    ops = operational(args)
    execute(PAPER, table, scale.name, arms, ops, args.results)
    if figure is not None:
        figure(scale.name, [(arm, run(arm.config, ops)) for arm in arms], args.results, ops)
    return 0


def history_series(result: RunResult, key: str) -> list[tuple[int, float]]:
    """(epoch, value) for every epoch of a run's history that recorded `key`."""
    return [(int(h["epoch"]), float(h[key])) for h in result.history if key in h]
