"""The command line every reproduction script shares: scale, seeds, where data, runs and results live."""
from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from prunebench import COMMAND_ENV
from prunebench.cli import add_location_options, operational, precision
from prunebench.config import Operational
from prunebench.launch import LAUNCHERS, parse_option, pending_ids
from prunebench.paths import meta_json
from prunebench.reproduce import Arm, execute, print_overrides, record_not_run
from prunebench.runner import validate
from prunebench.scales import SCALES, NotRunAtScale, Override, Scale
from reproductions.plans import declaration

Plan = Callable[[Scale, tuple[int, ...] | None], list[Arm]]


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    # `prunebench reproduce <name>` tells the script what the user typed (prunebench.COMMAND_ENV)
    p = argparse.ArgumentParser(prog=os.environ.get(COMMAND_ENV, prog), description=description)
    p.add_argument("--scale", default="quick", choices=SCALES.names(), help="smoke | quick | paper (default quick)")
    p.add_argument("--seeds", type=int, nargs="+", help="override the scale's seeds")
    add_location_options(p)
    p.add_argument("--dry-run", action="store_true", help="print the runs, run nothing")
    p.add_argument("--launcher", default="local", choices=LAUNCHERS.names(),
                   help="local: train in this process (default); slurm: Slurm job arrays through submitit, then "
                        "write the rows here; torchrun: each run data-parallel in --nproc processes on this node")
    p.add_argument("--launcher-option", action="append", default=[], type=parse_option, metavar="KEY=VALUE",
                   help="passed to the launcher, e.g. slurm_partition=gpu timeout_min=600 gpus_per_node=1 (repeat)")
    p.add_argument("--with-method", action="append", default=[], metavar="NAME[:k=v,...]",
                   help="also run a registered method (e.g. imp:rounds=1) in every cell whose protocol fits it (same "
                        "baseline, budget, prune target, seeds); reported beside the paper's methods, not judged by "
                        "the claims (repeatable)")
    p.add_argument("--nproc", type=int, help="with --launcher torchrun: data-parallel processes per run (default 2)")
    return p


def session(args: argparse.Namespace) -> Operational:
    options = tuple(args.launcher_option)
    if args.nproc is not None:
        if args.launcher != "torchrun":
            raise SystemExit("--nproc needs --launcher torchrun")
        options += (("nproc", args.nproc),)
    return operational(args, launcher=args.launcher, launcher_options=options)


FollowUp = Callable[[list[Arm], argparse.Namespace, Operational], list[Arm]]
REFUSABLE = {"amp": lambda args: args.amp != "off", "with_method": lambda args: bool(args.with_method)}


def declared(plan: Plan, scale: Scale, args: argparse.Namespace, add_methods: bool = True) -> list[Arm]:
    """The plan's arms at `scale`, with the `--with-method` arms (unless the table adds them itself), in the
    precision `--amp` asks for."""
    from prunebench.with_method import parse_spec, with_method

    arms = plan(scale, tuple(args.seeds) if args.seeds else None)
    for spec in args.with_method if add_methods else ():
        arms = with_method(arms, *parse_spec(spec))
    return [replace(arm, config=arm.config.with_precision(precision(args))) for arm in arms]


def dry_run_summary(paper: str, table: str, scale: str, arms: list[Arm], pending: set[str], results: Path) -> str:
    """The header of a dry run: how many runs the table declares (their inputs included), how many are cached (not
    in `pending`), and an estimate of the time left from the table's own recorded session (its metadata), scaled by
    the runs left."""
    every = {c.run_id for a in arms for c in a.config.lineage}
    line = (f"{paper} {table} at {scale} scale: {len(arms)} arms, {len(every)} runs with their inputs, "
            f"{len(every) - len(pending)} cached, {len(pending)} to train")
    meta = meta_json(scale, paper, table, results)
    recorded = json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}
    seconds, runs = recorded.get("session_wall_seconds"), recorded.get("runs")
    if pending and seconds and runs:
        left = seconds * len(pending) / max(int(runs), len(pending))
        line += (f"; about {left / 60:.0f} min left, estimated from the recorded session ({seconds / 60:.0f} min for "
                 f"{runs} runs on {recorded.get('hardware', {}).get('processor', 'its machine')})")
    elif pending:
        line += "; no recorded session of this table at this scale to estimate the time from"
    return line


def run_plan(
    paper: str, table: str, prog: str, description: str, plan: Plan, argv: list[str] | None, *,
    after: Callable[[argparse.Namespace, list[Arm], Operational], None] | None = None,
    describe: Callable[[Arm], str] | None = None, overrides: Callable[[Scale], list[Override]] | None = None,
    follow_up: FollowUp | None = None, follow_up_note: str = "", methods_in_follow_up: bool = False,
    refuse: dict[str, str] | None = None,
) -> int:
    """What every reproduction script does: parse the common options, list the plan's arms (`--dry-run`, with
    `describe`'s detail per arm) or run them (each cached and resumable) — or, where the table declares `NotRun` at
    the scale, record why instead (`reproduce.record_not_run`) — then the arms `follow_up` derives from
    their results (known only after training; `follow_up_note` says what they are in a dry run; with
    `methods_in_follow_up` it adds the `--with-method` arms too), then `after` (figure series). `overrides`: the
    method hyperparameters the scale changes, printed in both cases; `refuse`: options this table cannot honour
    ("amp", "with_method"), with the reason, a usage error rather than ignored."""
    cli = parser(prog, description)
    args = cli.parse_args(argv)
    for option, why in (refuse or {}).items():
        if REFUSABLE[option](args):
            cli.error(f"--{option.replace('_', '-')} is not available in this reproduction: {why}")
    scale = SCALES.get(args.scale)
    try:  # a --with-method, --amp or location option the table cannot take is a usage error, before any run
        ops = session(args)
        arms = declared(plan, scale, args, add_methods=not methods_in_follow_up)
        for arm in arms:
            validate(arm.config)
    except ValueError as error:
        cli.error(str(error))
    except NotRunAtScale as skipped:
        if args.dry_run:
            print(f"{paper} {table}: {skipped}")
        else:
            record_not_run(paper, table, scale.name, skipped.why, declaration(paper, table), args.results)
        return 0
    changed = overrides(scale) if overrides else []
    if args.dry_run:
        pending = pending_ids([a.config for a in arms], ops)
        print(dry_run_summary(paper, table, scale.name, arms, pending, args.results))
        print_overrides(changed, scale.name)
        for arm in arms:
            state = "to run" if arm.config.run_id in pending else "cached"
            print(f"  {arm.cell:34s} {arm.method or arm.config.method:14s} {state:7s} {arm.config.run_id}")
            detail = describe(arm) if describe else ""
            if detail:
                print("    " + detail.replace("\n", "\n    "))
        if follow_up_note:
            print(f"  + {follow_up_note}")
        return 0
    execute(paper, table, scale.name, arms, ops, args.results, overrides=changed, declaration=declaration(paper, table),
            follow_up=(lambda: follow_up(arms, args, ops)) if follow_up else None)
    if after is not None:
        after(args, arms, ops)
    return 0
