"""The options every command that trains shares — where data, runs and results live, the device, speed switches,
precision — and the `Operational` settings they make (`prunebench run` and every reproduction)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prunebench.config import Operational


def add_location_options(parser: argparse.ArgumentParser) -> None:
    """Where data, runs and results live, the device, progress bars: shared by every command that trains."""
    parser.add_argument("--data-root", type=Path,
                        help="data folder (default $PRUNEBENCH_DATA, else ~/.cache/prunebench/data)")
    parser.add_argument("--runs-root", type=Path, default=Path("runs"), help="run folders (checkpoints, logs)")
    parser.add_argument("--baselines-root", type=Path, default=Path("baselines/cache"), help="cached dense baselines")
    parser.add_argument("--results", type=Path, default=Path("results"), help="results folder (a CSV per table)")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--checkpoint-every", type=float, default=600.0, metavar="SECONDS",
                        help="write a run's checkpoint at an epoch's end once this many seconds have passed since the "
                             "last (and after its last epoch); 0: every epoch (default 600)")
    fast = parser.add_argument_group(
        "speed (operational: not in the run id; see the README's 'GPU fast path')")
    fast.add_argument("--data-on-device", action="store_true",
                      help="hold in-memory data sets (CIFAR, ...) on --device and augment there: no per-batch copy")
    fast.add_argument("--cudnn-benchmark", action="store_true",
                      help="let cudnn time its kernels and keep the fastest (not bit-reproducible between runs)")
    fast.add_argument("--channels-last", choices=("auto", "on", "off"), default="auto",
                      help="NHWC memory format: on, off, or auto (the measured rule of prunebench.memory_format)")
    fast.add_argument("--fast", action="store_true", help="all three: --data-on-device --cudnn-benchmark --channels-last on")
    fast.add_argument("--compile", nargs="?", const="inductor", default=None, metavar="BACKEND",
                      help="train the forward through torch.compile (default backend inductor; fused kernels round "
                           "differently, so not bit-identical to eager; evaluation stays eager)")
    parser.add_argument("--amp", choices=("off", "bf16"), default=None,
                        help="bf16 autocast of forward passes and losses for every run and the runs it starts from "
                             "(changes the numbers: part of the run id and of every row); off: float32 throughout; "
                             "default: as each run is declared (float32, a shipped base its own recipe's)")


def operational(args: argparse.Namespace, **more: object) -> Operational:
    """The options of `add_location_options` as an Operational (`more`: its other fields, e.g. the launcher)."""
    from prunebench.config import Operational  # noqa: F811 (imported when a command runs: --help stays quick)

    channels_last = "on" if args.fast else args.channels_last
    if not args.checkpoint_every >= 0:  # NaN too
        raise ValueError(f"--checkpoint-every is {args.checkpoint_every}: give seconds >= 0 (0: every epoch)")
    return Operational(args.runs_root, args.baselines_root, args.data_root, args.device, not args.no_progress,
                       channels_last={"auto": None, "on": True, "off": False}[channels_last],
                       data_on_device=args.fast or args.data_on_device,
                       cudnn_benchmark=args.fast or args.cudnn_benchmark, checkpoint_seconds=args.checkpoint_every,
                       compile_backend=args.compile, **more)


def precision(args: argparse.Namespace) -> str | None:
    """`--amp` as a RunConfig precision; None where it was not given (each run keeps its declared one)."""
    return {None: None, "off": "float32"}.get(args.amp, args.amp)
