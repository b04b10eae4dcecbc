"""`prunebench paper-check` (`make paper-check`): every reproduction's paper-scale runs exactly as declared — full-width
models, optimizers, schedules, losses, the run chain (baseline -> prune -> fine-tune) — trained for a bounded number
of steps (`CheckBudget`) on the offline copies of real data, in a scratch folder: nothing is written to results/.

Per table it prints the runs checked, the seconds per training step here, the peak memory of the process, and the
table's training compute at paper scale (6 × MACs × training images × epochs, summed over its runs), so a user can
plan GPU hours. One run per table is killed (SIGKILL, in a child process, after its first checkpoint) and resumed
here to its end. On a CPU, a batch whose forward pass would exceed `CPU_STEP_MACS` is cut to a power of two below
it, evaluations then use no more test images than that batch, and the line says so (on a GPU nothing is cut).
Pretrained weights absent from the machine are named (the run starts from a random init); data sets without an
offline stand-in are named, and their runs left out; reproductions it cannot walk are listed with the reason.
"""
from __future__ import annotations

import argparse
import functools
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from prunebench.config import CheckBudget, Operational, RunConfig
from prunebench.data.image_folders import TINY_AS_IMAGENET
from prunebench.metric_names import after_finalize
from prunebench.reproduction import load, scripts
from prunebench.run_kinds import RUN_KINDS


def not_checked() -> dict[str, str]:
    """The reproductions whose runs paper-check cannot walk, and why (each says so in its declaration)."""
    return {name: why for name in scripts() if (why := load(name).not_paper_checked)}


def checked() -> list[str]:
    """Every other reproduction, in the order `scripts` gives."""
    skipped = not_checked()
    return [name for name in scripts() if name not in skipped]


STAND_INS = {  # the paper's data set -> the offline copy its check trains on
    "cifar10": "cifar10_jpeg",
    "cifar100": "cifar10_jpeg_100class",  # CIFAR-10 images under a 100-way head: the network and cost are right
    "cifar100_cifar10stats": "cifar10_jpeg_100class",
    "imagenet": TINY_AS_IMAGENET,  # Tiny-ImageNet through the ImageNet loader at 224×224 under a 1000-way head
    "tusimple": "tusimple_sample10_upscaled",  # the 10 real frames offline, labels at 1280×720, both splits
}
PAPER_TRAIN_IMAGES = {"cifar10": 50_000, "cifar100": 50_000, "cifar100_cifar10stats": 50_000, "imagenet": 1_281_167,
                      "tusimple": 3_626}
FLOPS_PER_MAC_TRAINED = 6  # forward (2 FLOPs per MAC) and backward (about twice the forward)
CPU_STEP_MACS = 20e9  # on a CPU, at most this many forward MACs per training step or evaluation (WRN-28-10 at batch
# 128 is 672e9: 10 s per step on 2 cores)


@dataclass
class TableCheck:
    name: str
    runs: int
    declared: int  # the table's paper-scale runs that have stand-in data (seed 0)
    steps: int
    seconds: float  # training steps only (evaluation and setup not counted)
    wall: float  # the whole table's check
    peak_gib: float
    peak_kind: str  # "GPU memory" (this table's peak) or "process RSS so far" (the OS keeps one peak per process)
    paper_pflops: float
    missing: list[str]
    resumed: str  # what the kill-and-resume check saw
    batch_cuts: list[str] = field(default_factory=list)  # "model batch paper→here", CPU only
    unloaded: list[str] = field(default_factory=list)  # pretrained weights not on this machine
    step_times: list[dict] = field(default_factory=list)  # per run trained (inputs too): its last epoch's s/step

    def line(self) -> str:
        per_step = f"{self.seconds / self.steps:.2f} s/step here" if self.steps else "no step"
        cuts = f"; CPU batch cut: {', '.join(sorted(set(self.batch_cuts)))}" if self.batch_cuts else ""
        cuts += f"; not loaded: {', '.join(sorted(set(self.unloaded)))}" if self.unloaded else ""
        missing = f"; not checked: {', '.join(sorted(set(self.missing)))}" if self.missing else ""
        return (f"{self.name}: {self.runs} of {self.declared} runs checked in {self.wall:.0f} s, {per_step}, peak {self.peak_kind} {self.peak_gib:.1f} GiB, "
                f"paper-scale training {self.paper_pflops:,.1f} PFLOP; {self.resumed}{cuts}{missing}")


def with_inputs(config: RunConfig, change: Callable[[RunConfig], RunConfig | None]) -> RunConfig | None:
    """`config` with `change` applied to its inputs (parent, partner), then to itself; None if any gives None."""
    inputs = {}
    for name in ("parent", "partner"):
        source = getattr(config, name)
        if source is not None:
            inputs[name] = with_inputs(source, change)
            if inputs[name] is None:
                return None
    return change(replace(config, **inputs))


def stand_in(config: RunConfig) -> RunConfig | None:
    """`config` (and its inputs) on the offline data copies; None when one of its data sets has none."""
    def local(c: RunConfig) -> RunConfig | None:
        dataset = STAND_INS.get(c.dataset)
        return None if dataset is None else replace(c, dataset=dataset)

    return with_inputs(config, local)


def without_absent_weights(config: RunConfig, data_root: Path | None) -> tuple[RunConfig, list[str]]:
    """`config` (and its inputs) with pretrained `weights` dropped where their file is not on this machine (the
    run then starts from a random init), and a note for each drop."""
    notes: list[str] = []

    def drop(c: RunConfig) -> RunConfig:
        options = dict(c.model_options)
        if "weights" in options and not pretrained_present(c.dataset, data_root, c.model, frozen(options)):
            notes.append(f"{c.model} {options.pop('weights')} (random init: weights file absent)")
        return replace(c, model_options=options)

    return with_inputs(config, drop), notes


def frozen(options: dict) -> tuple:
    """Model options as a hashable key (for the caches below)."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))


@functools.cache
def pretrained_present(dataset: str, data_root: Path | None, model: str, model_options: tuple) -> bool:
    """Whether the pretrained weights the options name are on this machine (building the model loads them)."""
    from prunebench.models.common import PretrainedWeightsMissing

    try:
        build(dataset, data_root, model, 1.0, model_options)
    except PretrainedWeightsMissing:
        return False
    return True


def build(dataset: str, data_root: Path | None, model: str, width: float, model_options: tuple):
    """The config's network for its data set, as the runner builds it, and one test input."""
    from prunebench.models import build_model

    splits = data(dataset, data_root)
    info = splits.info
    net = build_model(model, in_channels=info.in_channels, num_classes=info.num_classes, width=width, **dict(model_options))
    return net, next(iter(splits.test.fixed_subset(1).batches(1)))[0]


@functools.cache
def data(dataset: str, data_root: Path | None):
    from prunebench.data import load_dataset

    return load_dataset(dataset, root=data_root, augment=False)


def cut_for_cpu(config: RunConfig, data_root: Path | None) -> RunConfig:
    """`config` (and its inputs) with each batch cut to the largest power of two whose forward pass stays within
    `CPU_STEP_MACS`, where it exceeds that."""
    def cut(c: RunConfig) -> RunConfig:
        per_image = macs_per_image(c, data_root)
        if c.batch_size * per_image <= CPU_STEP_MACS:
            return c
        return replace(c, batch_size=2 ** max(0, int(CPU_STEP_MACS // per_image).bit_length() - 1))

    return with_inputs(config, cut)


def macs_per_image(config: RunConfig, data_root: Path | None) -> float:
    """Forward MACs of the config's network for one input of its data set (pretrained weights change no MAC)."""
    options = frozen({k: v for k, v in config.model_options.items() if k != "weights"})
    return image_macs(config.dataset, data_root, config.model, config.width, options)


@functools.cache
def image_macs(dataset: str, data_root: Path | None, model: str, width: float, model_options: tuple) -> float:
    """Forward MACs of the network for one input of the data set."""
    from prunebench.sparsity import multiply_accumulates

    net, example = build(dataset, data_root, model, width, model_options)
    return float(multiply_accumulates(net, example)[0])


def paper_compute(config: RunConfig, macs: float) -> float:
    images = config.train_subset or PAPER_TRAIN_IMAGES.get(config.dataset, 0)
    return FLOPS_PER_MAC_TRAINED * macs * images * config.epochs


def variant(config: RunConfig) -> tuple:
    """What decides which code a run (and its chain) goes through: methods, model, data, width, batch, optimizer
    and schedule names, prune set, the names of model options, and method options that are switches (identifiers
    and booleans). Runs that differ only in numbers (ratios, μ, c, lr, epochs, seeds) share a variant."""
    o = config.optimizer
    switches = sorted((k, v) for k, v in config.method_options.items()
                      if isinstance(v, bool) or (isinstance(v, str) and v.isidentifier()))
    return (config.kind, config.method, config.model, config.dataset, config.width, config.batch_size, o.name,
            o.schedule, config.prune_rule, tuple(sorted(config.model_options)), tuple(switches),
            *(variant(source) for source in config.inputs))


def check_table(name: str, ops: Operational, limit: int | None = None, all_runs: bool = False) -> TableCheck:
    """One run per variant of the table's declared paper-scale runs (every run with `all_runs`), at most `limit`."""
    import torch

    from prunebench.data import DatasetNotFoundError
    from prunebench.runner import run
    from prunebench.scales import SCALES

    on_gpu = torch.device(ops.device).type == "cuda"
    arms = load(name).arms(SCALES.get("paper"), (0,))
    stand_ins: dict[str, tuple[RunConfig, RunConfig]] = {}
    missing, unloaded = [], []
    for arm in arms:
        local = stand_in(arm.config)
        if local is None:
            missing.append(f"{arm.config.dataset} (no offline stand-in)")
        else:
            stand_ins.setdefault(local.run_id, (arm.config, local))
    declared, compute = [], 0.0
    for paper, local in stand_ins.values():
        try:
            compute += paper_compute(paper, macs_per_image(local, ops.data_root))
        except DatasetNotFoundError:
            missing.append(f"{paper.dataset} (its copy {local.dataset} is not in the data root: `make data`)")
            continue
        declared.append((paper, local))
    selected, seen = [], set()
    for paper, local in declared:  # the first run of each variant, or every run
        key = variant(local)
        if all_runs or key not in seen:
            seen.add(key)
            selected.append((paper, local))
    chosen = []
    for paper_config, local in selected[:limit]:
        local, absent = without_absent_weights(local, ops.data_root)
        unloaded.extend(absent)
        chosen.append((paper_config, local if on_gpu else cut_for_cpu(local, ops.data_root)))
    if on_gpu:
        torch.cuda.reset_peak_memory_stats()
    steps, seconds, began = 0, 0.0, time.perf_counter()
    budget = ops.budget or CheckBudget()
    timed: dict[str, dict] = {}
    for _, local in chosen:
        checked = replace(ops, budget=replace(budget, eval_images=min(budget.eval_images, local.batch_size)))
        result = run(local, checked)
        steps += sum(int(h.get("steps", 0)) for h in result.history)
        seconds += sum(h.get("train_seconds", 0.0) for h in result.history)
        for config in chain(local):  # the inputs' results are cached by now: read, not trained
            timed.setdefault(config.run_id, step_time(config, run(config, checked).history))
    resumed = kill_and_resume([local for _, local in chosen], ops)
    cuts = [f"{c.model} {p.batch_size}→{c.batch_size}" for paper, local in chosen
            for p, c in zip(chain(paper), chain(local), strict=True) if p.batch_size != c.batch_size]
    if on_gpu:
        peak, kind = torch.cuda.max_memory_allocated() / 2**30, "GPU memory"
    else:
        peak, kind = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, "process RSS so far"  # KiB on Linux
    return TableCheck(name, len(chosen), len(declared), steps, seconds, time.perf_counter() - began, peak, kind,
                      compute / 1e15, missing, resumed, cuts, unloaded, [t for t in timed.values() if t])


def step_time(config: RunConfig, history: list[dict]) -> dict:
    """Seconds per training step in the run's last trained epoch (the first pays for warm-up: cuDNN's choices,
    allocations), with what the time depends on; empty for a run without training steps."""
    trained = [h for h in history if h.get("steps")]
    if not trained:
        return {}
    last = trained[-1]
    return {"run": config.run_id, "method": config.method, "model": config.model, "dataset": config.dataset,
            "width": config.width, "batch_size": config.batch_size, "epoch": last["epoch"],
            "seconds_per_step": last["train_seconds"] / last["steps"]}


def chain(config: RunConfig) -> list[RunConfig]:
    """The config and its ancestors."""
    return [config] + (chain(config.parent) if config.parent is not None else [])


def kill_and_resume(configs: list[RunConfig], ops: Operational) -> str:
    """Train the last of `configs` that checkpoints, has a parent and two or more epochs again, for two budgeted epochs, in a
    child process; SIGKILL it as soon as its first checkpoint exists, then resume it here to its end. The
    parents are finished (cached) by then, so only this run trains."""
    from prunebench.paths import RunPaths
    from prunebench.runner import kill_after_first_checkpoint, run

    fit = [c for c in configs if c.epochs >= 2 and c.stop_within_start_top1 is None  # no early stop after epoch 1
           and RUN_KINDS.get(c.kind).checkpoints]
    candidates = [c for c in fit if c.parent is not None] or fit
    if not candidates:
        return "no run of two or more epochs without an early stop to kill and resume"
    config = replace(candidates[-1], tag=f"{candidates[-1].tag}-killed".lstrip("-"))
    budget = ops.budget or CheckBudget()
    budget = replace(budget, epochs=2, eval_images=min(budget.eval_images, config.batch_size))
    child_ops = replace(ops, budget=budget, progress=False, checkpoint_seconds=0)  # a checkpoint to kill after
    epoch, exit_code = kill_after_first_checkpoint(config, child_ops)
    if epoch is None:
        if exit_code == 0 and RunPaths(config, ops.runs_root, ops.baselines_root).result.exists():
            return f"{config.model} finished before it could be killed (no checkpoint seen): resume not checked"
        raise RuntimeError(f"the child training {config.run_id} ended (exit code {exit_code}) before its first "
                           "checkpoint; nothing to resume")
    result = run(config, child_ops)
    return (f"{config.model} killed after epoch {epoch} and resumed to epoch {result.history[-1]['epoch']} "
            f"(final accuracy {result.metrics[after_finalize('top1', config.method)]:.1f} %)")


def main(argv: list[str] | None = None, prog: str = "python -m reproductions.paper_check") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("tables", nargs="*", metavar="paper/table", help="default: every reproduction but those that say why not (`Reproduction.not_paper_checked`)")
    parser.add_argument("--steps", type=int, default=2, help="training steps per epoch of each run")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of each run")
    parser.add_argument("--eval-images", type=int, default=64, help="test images each evaluation uses")
    parser.add_argument("--limit", type=int, help="check at most this many runs per table")
    parser.add_argument("--all-runs", action="store_true",
                        help="check every declared run, not one per variant (runs that differ only in numbers: "
                             "ratios, μ, c, lr, epochs share one)")
    parser.add_argument("--data-root", type=Path, help="data folder (default $PRUNEBENCH_DATA, else ~/.cache/prunebench/data)")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    args = parser.parse_args(argv)
    checks = checked()
    unknown = [t for t in args.tables if t not in checks]
    if unknown:
        parser.error(f"unknown table(s) {unknown}; known: {', '.join(checks)}")
    budget = CheckBudget(epochs=args.epochs, steps_per_epoch=args.steps, eval_images=args.eval_images)
    with tempfile.TemporaryDirectory(prefix="prunebench-paper-check-") as scratch:
        ops = Operational(Path(scratch) / "runs", Path(scratch) / "baselines", args.data_root, args.device,
                          progress=False, budget=budget)
        for name in args.tables or checks:
            print(check_table(name, ops, args.limit, args.all_runs).line(), flush=True)
    if not args.tables:
        for name, why in not_checked().items():
            print(f"{name}: not checked: {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
