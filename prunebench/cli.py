"""`prunebench`: run reproductions, single runs and the report from the command line.

Errors a user can cause (unknown names, numbers out of range, missing data, corrupt checkpoints or result files,
a folder that cannot be written) end in one `prunebench: error: ...` line (plus how to fix it, where there is a
fix) and exit code 2, never a traceback, and never a partial result row. Only argparse is imported up front:
`--help` answers at once, and each command imports what it needs when it runs.
"""
from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from prunebench import COMMAND_ENV
from prunebench.training_options import add_location_options, operational, precision

if TYPE_CHECKING:
    pass

def user_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that are the user's to fix (imported only once a command runs)."""
    from prunebench.checkpoint import CheckpointError
    from prunebench.csv_files import DataFileError
    from prunebench.data import DatasetNotFoundError
    from prunebench.disk import DiskError
    from prunebench.launch import LaunchError
    from prunebench.models.common import PretrainedWeightsMissing
    from prunebench.registry import UnknownNameError
    from prunebench.shared_files import FileBusyError

    return (UnknownNameError, DatasetNotFoundError, PretrainedWeightsMissing, CheckpointError, DataFileError, DiskError,
            FileBusyError, LaunchError, ValueError, TypeError)


def _reproduce(args: argparse.Namespace, rest: list[str]) -> int:
    """One reproduction, or each one a group selects (a paper, or a table name such as table1) in turn, each
    exactly as `python -m reproductions.<paper>.<table>` runs it; a group stops at the first that fails."""
    from prunebench.reproduction import selected

    if args.name is None:
        print(REPRODUCE_HELP)
        return 0
    for name in selected(args.name):
        code = run_module(f"reproductions.{name.replace('/', '.')}", rest, f"prunebench reproduce {name}")
        if code:
            return code
    return 0


def run_module(module: str, argv: list[str], typed: str) -> int:
    """Exactly what `python -m <module> <argv>` does, `--help` included: the commands that walk the reproductions
    (a script, paper-check, claims) are found by module name, as `make` finds them, so no core module imports one.
    `typed`: what the user typed, for the scripts' metadata (COMMAND_ENV)."""
    saved_argv, saved_command = sys.argv, os.environ.get(COMMAND_ENV)
    sys.argv = [module, *argv]
    os.environ[COMMAND_ENV] = typed
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    finally:
        sys.argv = saved_argv
        if saved_command is None:
            os.environ.pop(COMMAND_ENV, None)
        else:
            os.environ[COMMAND_ENV] = saved_command
    return 0


def _run(args: argparse.Namespace, rest: list[str]) -> int:
    from dataclasses import replace

    from prunebench.config import OptimizerConfig, RunConfig
    from prunebench.paths import ADHOC
    from prunebench.reproduce import execute
    from prunebench.reproduction import Arm

    optimizer = OptimizerConfig(args.optimizer, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    dense = RunConfig(
        dataset=args.dataset, model=args.model, width=args.width, epochs=args.baseline_epochs,
        batch_size=args.batch_size, optimizer=optimizer, train_subset=args.train_subset, seed=args.seed, eval_every=0,
    )
    config = replace(
        dense, method=args.method, prune_rule=args.prune_rule, prune_ratio=args.ratio, epochs=args.epochs,
        method_options=method_options(args), parent=dense, eval_every=args.eval_every,
    ).with_precision(precision(args) or "float32")
    ops = operational(args)
    if args.dry_run:
        from prunebench.launch import pending_ids
        from prunebench.runner import validate

        validate(config)
        pending = pending_ids([config], ops)
        for run in (dense, config):
            print(f"{'to run' if run.run_id in pending else 'cached':7s} {run.run_id}")
        return 0
    frame = execute(ADHOC, "runs", ADHOC, [Arm(ADHOC, config, lambda r: r.metrics)], ops, args.results)
    row = frame[frame["run_id"] == config.run_id]
    for metric, value in zip(row["metric"], row["value"], strict=True):
        print(f"{metric:40s} {value:.4f}")
    return 0


def method_options(args: argparse.Namespace) -> dict[str, object]:
    """`--option NAME=VALUE` pairs and the method's own flags (`--rho 0.1`) that were given."""
    from prunebench.options import parse_key_value

    flags = {k.removeprefix(METHOD_OPTION): v for k, v in vars(args).items() if k.startswith(METHOD_OPTION)}
    return {**dict(parse_key_value(o, "method option") for o in args.option), **flags}


def _report(args: argparse.Namespace, rest: list[str]) -> int:
    from prunebench.report.build import main as report_main

    return report_main(rest, prog="prunebench report")


def _paper_check(args: argparse.Namespace, rest: list[str]) -> int:
    return run_module("reproductions.paper_check", rest, "prunebench paper-check")


def _claims(args: argparse.Namespace, rest: list[str]) -> int:
    return run_module("reproductions.judge", ["--results", str(args.results), *rest], "prunebench claims")


def _list(args: argparse.Namespace, rest: list[str]) -> int:
    from prunebench.catalog import render
    from prunebench.reproduction import scripts

    print(render({name: f"python -m {module}" for name, module in scripts().items()}))
    return 0


REPRODUCE_HELP = (
    "usage: prunebench reproduce NAME [options of that reproduction]\n\n"
    "Run one reproduction (e.g. slr/table1), every table of a paper (slr) or one table of every paper (table1);\n"
    "`prunebench reproduce NAME --help` shows a reproduction's own options (--scale, --seeds, ...).\n"
    "The names: `prunebench list`."
)


METHOD_OPTION = "method_option_"  # dest prefix of the flags made from a method's Options


def add_method_options(parser: argparse.ArgumentParser, name: str) -> None:
    """One flag per field of the method's `Options` (`--rho 0.1`), typed by its annotation, default: the method's."""
    import dataclasses
    import typing

    from prunebench.methods import METHODS
    from prunebench.registry import UnknownNameError

    try:
        options = METHODS.get(name).Options
    except UnknownNameError:
        return  # `_run` names the unknown method with the known ones
    group = parser.add_argument_group(f"options of method {name} (its Options; see docs/methods/)")
    hints = typing.get_type_hints(options)
    for field in dataclasses.fields(options):
        kinds = [k for k in typing.get_args(hints[field.name]) if k is not type(None)] or [hints[field.name]]
        kind = {bool: _boolean}.get(kinds[0], kinds[0])
        group.add_argument(f"--{field.name.replace('_', '-')}", dest=METHOD_OPTION + field.name, type=kind,
                           metavar=kinds[0].__name__.upper(), default=argparse.SUPPRESS,
                           help=f"the method's default: {field.default!r}")


def _boolean(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
    return text.lower() == "true"


def method_named(argv: list[str]) -> str | None:
    """The method a `prunebench run` command line asks for (its default when none), before parsing it."""
    if not argv or argv[0] != "run":
        return None
    for i, arg in enumerate(argv):
        if arg == "--method" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--method="):
            return arg.split("=", 1)[1]
    return RUN_DEFAULT_METHOD


RUN_DEFAULT_METHOD = "slr"


def build_parser(method: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prunebench",
        description="Reproduce published pruning results (SLR vs ADMM, GReg, proximal NS, gRDA) and report them "
        "beside the published numbers.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    # no help of its own: `prunebench reproduce NAME --help` is the script's help
    rep = sub.add_parser("reproduce", add_help=False, help="run one reproduction, e.g. `prunebench reproduce slr/table1 "
                         "--scale quick` (its options: `prunebench reproduce slr/table1 --help`)")
    rep.add_argument("name", nargs="?")
    rep.set_defaults(handler=_reproduce)

    one = sub.add_parser(
        "run", help="one pruning run from a freshly trained dense baseline",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Train a dense baseline (cached), prune it with a method, print the metrics and append them to "
        "<results>/adhoc/adhoc_runs.csv (ad-hoc runs: not part of the report). With the defaults it trains ResNet-18 "
        "at 1/4 width on all 60k Fashion-MNIST images, 2 + 2 epochs; `--dry-run` shows which of the two runs are "
        "cached, and every name and number is checked before anything trains.")
    one.add_argument("--dry-run", action="store_true", help="check the run and list it and its baseline, train nothing")
    one.add_argument("--dataset", default="fashion_mnist", help="data set name (see `prunebench list`)")
    one.add_argument("--model", default="resnet18_cifar", help="model name (see `prunebench list`)")
    one.add_argument("--width", type=float, default=0.25, help="channel width multiplier, > 0")
    one.add_argument("--method", default=RUN_DEFAULT_METHOD,
                     help="pruning method (see `prunebench list`); its options become flags, see `--method NAME --help`")
    one.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                     help="method option, repeatable (e.g. rho=0.1); see docs/methods/")
    one.add_argument("--prune-rule", default="residual_branch_convs", help="which weights are pruned (a prune set)")
    one.add_argument("--ratio", type=float, default=0.9, help="fraction of each pruned layer's weights set to zero, in [0, 1)")
    one.add_argument("--epochs", type=int, default=2, help="epochs of the pruning method, >= 0")
    one.add_argument("--baseline-epochs", type=int, default=2, help="epochs of dense baseline training, >= 0")
    one.add_argument("--eval-every", type=int, default=1, help="epochs between trial hard-prune evaluations (0: end only)")
    one.add_argument("--batch-size", type=int, default=128, help="training batch size, >= 1")
    one.add_argument("--optimizer", default="adam", help="adam | sgd")
    one.add_argument("--lr", type=float, default=0.01, help="learning rate, > 0")
    one.add_argument("--momentum", type=float, default=0.0, help="SGD momentum, >= 0")
    one.add_argument("--weight-decay", type=float, default=0.0, help="weight decay, >= 0")
    one.add_argument("--train-subset", type=int, help="use only this many training images (>= 1; default: all)")
    one.add_argument("--seed", type=int, default=0, help="seed, >= 0")
    add_location_options(one)
    if method is not None:
        add_method_options(one, method)
    one.set_defaults(handler=_run)

    report = sub.add_parser("report", add_help=False, help="build the report from results/*.csv "
                            "(options: `prunebench report --help`)")
    report.set_defaults(handler=_report)
    check = sub.add_parser("paper-check", add_help=False, help="every reproduction's paper-scale runs for a few steps on "
                           "the offline real data, nothing written to results/ (options: `prunebench paper-check --help`)")
    check.set_defaults(handler=_paper_check)
    claims = sub.add_parser("claims", help="re-judge every table's declared claims on its results CSV",
                            description="Write results/<scale>/claims/<paper>_<table>.csv (the verdicts the report "
                            "shows) from the existing results, without running anything.")
    claims.add_argument("--results", type=Path, default=Path("results"), help="results folder")
    claims.set_defaults(handler=_claims)
    listing = sub.add_parser("list", help="list data sets, models, methods, prune sets, scales, reproductions")
    listing.set_defaults(handler=_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(method_named(argv))
    args, rest = parser.parse_known_args(argv)
    if rest and args.command not in ("reproduce", "report", "paper-check"):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        return args.handler(args, rest)
    except user_errors() as error:
        message = str(error).strip() or type(error).__name__
        print(f"prunebench: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
