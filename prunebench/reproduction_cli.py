"""The command line every reproduction shares (scale, seeds, where data, runs and results live, launchers, extra
methods), and running a `Reproduction` from it: list its runs, or run them and write its rows."""
from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace
from pathlib import Path

from prunebench import COMMAND_ENV
from prunebench.config import Operational
from prunebench.launch import LAUNCHERS, parse_option, pending_ids
from prunebench.paths import meta_json
from prunebench.reproduce import execute, print_overrides, record_not_run
from prunebench.reproduction import Arm, Reproduction
from prunebench.runner import validate
from prunebench.scales import SCALES, NotRunAtScale, Override, Scale
from prunebench.training_options import add_location_options, operational, precision


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


REFUSABLE = {"amp": lambda args: args.amp not in (None, "off"), "with_method": lambda args: bool(args.with_method)}


def arms_to_run(reproduction: Reproduction, scale: Scale, args: argparse.Namespace) -> list[Arm]:
    """The reproduction's arms at `scale`, with the `--with-method` arms (unless its follow-up adds them), in the
    precision `--amp` asks for (as declared where it asks for none)."""
    from prunebench.with_method import parse_spec, with_method

    arms = reproduction.arms(scale, tuple(args.seeds) if args.seeds else None)
    for spec in () if reproduction.methods_in_follow_up else args.with_method:
        arms = with_method(arms, *parse_spec(spec))
    chosen = precision(args)
    return arms if chosen is None else [replace(arm, config=arm.config.with_precision(chosen)) for arm in arms]


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


def run_reproduction(reproduction: Reproduction, argv: list[str] | None = None) -> int:
    """Parse the common options, then list the reproduction's arms (`--dry-run`, with its `describe` detail per arm)
    or run them (each cached and resumable) and its follow-up arms, then its `after` (figure series) — or, where
    the table declares `NotRun` at the scale, record why instead (`reproduce.record_not_run`). An option the table
    refuses, or a `--with-method`, `--amp` or location it cannot take, is a usage error before any run."""
    rep = reproduction
    cli = parser(f"python -m reproductions.{rep.paper}.{rep.table}", f"Reproduce {rep.paper} {rep.title}")
    args = cli.parse_args(argv)
    for option, why in rep.refuse.items():
        if REFUSABLE[option](args):
            cli.error(f"--{option.replace('_', '-')} is not available in this reproduction: {why}")
    scale = SCALES.get(args.scale)
    try:
        ops = session(args)
        arms = arms_to_run(rep, scale, args)
        for arm in arms:
            validate(arm.config)
    except ValueError as error:
        cli.error(str(error))
    except NotRunAtScale as skipped:
        if args.dry_run:
            print(f"{rep.paper} {rep.table}: {skipped}")
        else:
            record_not_run(rep.paper, rep.table, scale.name, skipped.why, rep, args.results)
        return 0
    changed = rep.overrides(scale) if rep.overrides else []
    if args.dry_run:
        dry_run(rep, arms, pending_ids([a.config for a in arms], ops), args, changed)
        return 0
    follow_up = (lambda: rep.follow_up(arms, args, ops)) if rep.follow_up else None
    execute(rep.paper, rep.table, scale.name, arms, ops, args.results, overrides=changed, reproduction=rep,
            follow_up=follow_up)
    if rep.after is not None:
        rep.after(args, arms, ops)
    return 0


def dry_run(rep: Reproduction, arms: list[Arm], pending: set[str], args: argparse.Namespace,
            changed: list[Override]) -> None:
    """The summary line and the scale's overrides, then each arm: cell, method, cached or to run, run id, and the
    reproduction's detail."""
    print(dry_run_summary(rep.paper, rep.table, args.scale, arms, pending, args.results))
    print_overrides(changed, args.scale)
    for arm in arms:
        state = "to run" if arm.config.run_id in pending else "cached"
        print(f"  {arm.cell:34s} {arm.method or arm.config.method:14s} {state:7s} {arm.config.run_id}")
        detail = rep.describe(arm) if rep.describe else ""
        if detail:
            print("    " + detail.replace("\n", "\n    "))
    if rep.follow_up_note:
        print(f"  + {rep.follow_up_note}")
