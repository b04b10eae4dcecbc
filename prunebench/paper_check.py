"""`prunebench paper-check` (`make paper-check`): every reproduction's paper-scale runs exactly as declared — full-width
models, optimizers, schedules, losses, the run chain (baseline -> prune -> fine-tune) — trained for a bounded number
of steps (`CheckBudget`) on the offline copies of real data, in a scratch folder: nothing is written to results/.

Per table it prints the runs checked, the seconds per training step here, the peak memory of the process, and the
table's training compute at paper scale (6 × MACs × training images × epochs, summed over its runs), so a user can
plan GPU hours. Data sets without an offline stand-in yet are named, and their runs left out.
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from prunebench.config import CheckBudget, Operational, RunConfig

CHECKS = (  # the tables whose declared paper-scale runs have stand-in data (reproductions.plans lists every table)
    "slr/table1", "slr/table2", "slr/figure1", "slr/figure5",
    "greg/table1", "greg/table2", "greg/table7", "greg/table9", "greg/table10",
    "proxns/table1", "proxns/table2", "grda/table_cifar",
)
STAND_INS = {  # the paper's data set -> the offline copy its check trains on
    "cifar10": "cifar10_jpeg",
    "cifar100": "cifar10_jpeg_100class",  # CIFAR-10 images under a 100-way head: the network and cost are right
    "cifar100_cifar10stats": "cifar10_jpeg_100class",
}
PAPER_TRAIN_IMAGES = {"cifar10": 50_000, "cifar100": 50_000, "cifar100_cifar10stats": 50_000, "imagenet": 1_281_167}
FLOPS_PER_MAC_TRAINED = 6  # forward (2 FLOPs per MAC) and backward (about twice the forward)


@dataclass
class TableCheck:
    name: str
    runs: int
    steps: int
    seconds: float  # training steps only (evaluation and setup not counted)
    wall: float  # the whole table's check
    peak_gib: float
    peak_kind: str  # "GPU memory" (this table's peak) or "process RSS so far" (the OS keeps one peak per process)
    paper_pflops: float
    missing: list[str]

    def line(self) -> str:
        per_step = f"{self.seconds / self.steps:.2f} s/step here" if self.steps else "no step"
        missing = f"; not checked (no offline stand-in yet): {', '.join(sorted(set(self.missing)))}" if self.missing else ""
        return (f"{self.name}: {self.runs} runs checked in {self.wall:.0f} s, {per_step}, peak {self.peak_kind} {self.peak_gib:.1f} GiB, "
                f"paper-scale training {self.paper_pflops:,.1f} PFLOP{missing}")


def stand_in(config: RunConfig) -> RunConfig | None:
    """`config` (and its parents) on the offline data copies; None when one of its data sets has none."""
    parent = None
    if config.parent is not None:
        parent = stand_in(config.parent)
        if parent is None:
            return None
    dataset = STAND_INS.get(config.dataset)
    return None if dataset is None else replace(config, dataset=dataset, parent=parent)


def paper_compute(config: RunConfig, macs: float) -> float:
    images = config.train_subset or PAPER_TRAIN_IMAGES.get(config.dataset, 0)
    return FLOPS_PER_MAC_TRAINED * macs * images * config.epochs


def check_table(name: str, ops: Operational, limit: int | None = None) -> TableCheck:
    from prunebench.runner import run
    from prunebench.scales import SCALES
    from reproductions.plans import declared_arms

    arms = declared_arms(name, SCALES.get("paper"), (0,))
    checked: dict[str, tuple[RunConfig, RunConfig]] = {}
    missing = []
    for arm in arms:
        local = stand_in(arm.config)
        if local is None:
            missing.append(arm.config.dataset)
        elif local.run_id not in checked:
            checked[local.run_id] = (arm.config, local)
    chosen = list(checked.values())[:limit]
    import torch

    on_gpu = torch.device(ops.device).type == "cuda"
    if on_gpu:
        torch.cuda.reset_peak_memory_stats()
    steps, seconds, compute, began = 0, 0.0, 0.0, time.perf_counter()
    for paper_config, local in chosen:
        result = run(local, ops)
        steps += sum(int(h.get("steps", 0)) for h in result.history)
        seconds += sum(h.get("train_seconds", 0.0) for h in result.history)
        compute += paper_compute(paper_config, result.metrics.get("macs_dense", 0.0))
    if on_gpu:
        peak, kind = torch.cuda.max_memory_allocated() / 2**30, "GPU memory"
    else:
        peak, kind = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, "process RSS so far"  # KiB on Linux
    return TableCheck(name, len(chosen), steps, seconds, time.perf_counter() - began, peak, kind, compute / 1e15, missing)


def main(argv: list[str] | None = None, prog: str = "python -m prunebench.paper_check") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("tables", nargs="*", metavar="paper/table", help=f"default: all of {', '.join(CHECKS)}")
    parser.add_argument("--steps", type=int, default=2, help="training steps per epoch of each run")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of each run")
    parser.add_argument("--eval-images", type=int, default=64, help="test images each evaluation uses")
    parser.add_argument("--limit", type=int, help="check at most this many runs per table")
    parser.add_argument("--data-root", type=Path, help="data folder (default $PRUNEBENCH_DATA, else ~/.cache/prunebench/data)")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    args = parser.parse_args(argv)
    unknown = [t for t in args.tables if t not in CHECKS]
    if unknown:
        parser.error(f"unknown table(s) {unknown}; known: {', '.join(CHECKS)}")
    budget = CheckBudget(epochs=args.epochs, steps_per_epoch=args.steps, eval_images=args.eval_images)
    with tempfile.TemporaryDirectory(prefix="prunebench-paper-check-") as scratch:
        ops = Operational(Path(scratch) / "runs", Path(scratch) / "baselines", args.data_root, args.device,
                          progress=False, budget=budget)
        for name in args.tables or list(CHECKS):
            print(check_table(name, ops, args.limit).line(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
