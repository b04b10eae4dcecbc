"""The command line every reproduction script shares: scale, seeds, where data, runs and results live."""
from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from prunebench.cli import COMMAND_ENV, add_location_options
from prunebench.config import Operational
from prunebench.launch import LAUNCHERS, parse_option
from prunebench.reproduce import Arm, execute
from prunebench.scales import SCALES, Scale

Plan = Callable[[Scale, tuple[int, ...] | None], list[Arm]]


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    # `prunebench reproduce <name>` tells the script what the user typed (prunebench.cli.COMMAND_ENV)
    p = argparse.ArgumentParser(prog=os.environ.get(COMMAND_ENV, prog), description=description)
    p.add_argument("--scale", default="quick", choices=SCALES.names(), help="smoke | quick | paper (default quick)")
    p.add_argument("--seeds", type=int, nargs="+", help="override the scale's seeds")
    add_location_options(p)
    p.add_argument("--dry-run", action="store_true", help="print the runs, run nothing")
    p.add_argument("--launcher", default="local", choices=LAUNCHERS.names(),
                   help="local: train in this process (default); slurm: Slurm job arrays through submitit, then "
                        "write the rows here")
    p.add_argument("--launcher-option", action="append", default=[], type=parse_option, metavar="KEY=VALUE",
                   help="passed to the launcher, e.g. slurm_partition=gpu timeout_min=600 gpus_per_node=1 (repeat)")
    return p


def operational(args: argparse.Namespace) -> Operational:
    return Operational(args.runs_root, args.baselines_root, args.data_root, args.device, not args.no_progress,
                       launcher=args.launcher, launcher_options=tuple(args.launcher_option))


def run_plan(
    paper: str, table: str, prog: str, description: str, plan: Plan, argv: list[str] | None, *,
    after: Callable[[argparse.Namespace, list[Arm], Operational], None] | None = None,
    describe: Callable[[Arm], str] | None = None,
) -> int:
    """What every reproduction script does: parse the common options, list the plan's arms (`--dry-run`, with
    `describe`'s detail per arm) or run them (each cached and resumable), then `after` (figure series)."""
    args = parser(prog, description).parse_args(argv)
    scale = SCALES.get(args.scale)
    arms = plan(scale, tuple(args.seeds) if args.seeds else None)
    if args.dry_run:
        for arm in arms:
            print(f"  {arm.cell:34s} {arm.method or arm.config.method:14s} {arm.config.run_id}")
            detail = describe(arm) if describe else ""
            if detail:
                print("    " + detail.replace("\n", "\n    "))
        return 0
    ops = operational(args)
    execute(paper, table, scale.name, arms, ops, args.results)
    if after is not None:
        after(args, arms, ops)
    return 0
