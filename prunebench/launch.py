"""Where a session's runs execute. `local` (the default) trains each run in this process when `execute`
reaches it. `slurm` first sends the session's unfinished runs to Slurm as job arrays through submitit, one
array per dependency level (a run starts only after its parent finished; a parent shared by many arms is
trained once), and waits for them; `execute` then finds every run finished (runs are cached by id) and only
writes the rows. Scheduling is Slurm's: no queue of our own.

Options (`--launcher-option KEY=VALUE`, repeatable) go to submitit's `update_parameters` unchanged, e.g.
`slurm_partition=gpu`, `timeout_min=600`, `gpus_per_node=1`, `cpus_per_task=8`, `slurm_array_parallelism=16`.
`torchrun` trains each unfinished run, parents first, under DistributedDataParallel in `nproc` processes on this
node (`--nproc N`; NCCL on CUDA, gloo on the CPU) through PyTorch's own launcher, `torch.distributed.run`: for the
ImageNet runs, too large for one GPU's time. `devices` trains the independent runs of a table side by side, each in a
process of its own on one device (`per_device` at a time on each: several small CIFAR runs fill a GPU that one
leaves idle): the right parallelism for a table of dozens of small runs.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import torch

from prunebench.config import Operational, RunConfig
from prunebench.methods import METHODS
from prunebench.options import parse_key_value
from prunebench.paths import RunPaths
from prunebench.registry import Registry
from prunebench.run_kinds import RUN_KINDS
from prunebench.runner import run


class Launcher(Protocol):
    def prepare(self, configs: Sequence[RunConfig], ops: Operational) -> None:
        """Make sure `configs` (and their parents) are finished, or leave them to `execute`'s own loop."""


LAUNCHERS: Registry[type] = Registry("launcher")


class LaunchError(RuntimeError):
    """A run sent elsewhere failed; the message names it and where its log is."""


@LAUNCHERS.register("local")
class InProcess:
    """Runs train in this process, one after another, as `execute` reaches them."""

    def __init__(self, **options: Any):
        if options:
            raise ValueError(f"the local launcher takes no options (got {', '.join(options)})")

    def prepare(self, configs: Sequence[RunConfig], ops: Operational) -> None:
        return None


@LAUNCHERS.register("slurm")
class SlurmArrays:
    """One submitit job array per dependency level; job logs under <runs root>/slurm/. `cluster` is submitit's
    (None: Slurm when `sbatch` exists; "local" runs the jobs as local processes, which the tests use)."""

    def __init__(self, cluster: str | None = None, **parameters: Any):
        self.cluster = cluster
        self.parameters = parameters

    def prepare(self, configs: Sequence[RunConfig], ops: Operational) -> None:
        import submitit

        executor = submitit.AutoExecutor(folder=Path(ops.runs_root) / "slurm" / "%j", cluster=self.cluster)
        executor.update_parameters(**self.parameters)
        in_job = replace(ops, progress=False, launcher="local", launcher_options=())
        for level in pending_levels(configs, ops):
            jobs = executor.map_array(run_in_job, level, [in_job] * len(level))
            failed = [f"{config.run_id} (log: {job.paths.stderr})" for config, job in zip(level, jobs, strict=True)
                      if job.exception() is not None]  # waits for the job
            if failed:
                raise LaunchError(f"{len(failed)} of {len(level)} runs failed: " + "; ".join(failed))


@LAUNCHERS.register("torchrun")
class TorchRun:
    """Each pending run in its own `torch.distributed.run --standalone` of `nproc` processes (prunebench.job);
    each process trains its shard of every batch, rank 0 writes. Logs under <runs root>/torchrun/. A run of a kind
    or method that is not data-parallel (`RunKind.data_parallel`, `Method.data_parallel`: network slimming reads
    batch norm) runs in this process instead, in its turn."""

    def __init__(self, nproc: int = 2, **options: Any):
        if options:
            raise ValueError(f"the torchrun launcher takes only nproc (got {', '.join(options)})")
        if not isinstance(nproc, int) or nproc < 1:
            raise ValueError(f"nproc must be an integer >= 1, got {nproc!r}")
        self.nproc = nproc

    def prepare(self, configs: Sequence[RunConfig], ops: Operational) -> None:
        logs = Path(ops.runs_root) / "torchrun"
        logs.mkdir(parents=True, exist_ok=True)
        in_job = replace(ops, launcher="local", launcher_options=())
        for level in pending_levels(configs, ops):
            for config in level:
                if not (RUN_KINDS.get(config.kind).data_parallel and METHODS.get(config.method).data_parallel):
                    run(config, in_job)
                    continue
                job, log = write_job(config, in_job, logs)
                command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={self.nproc}",
                           "-m", "prunebench.job", str(job)]
                with open(log, "w") as out:
                    finished = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
                job.unlink()
                if finished.returncode != 0:
                    raise LaunchError(f"{config.run_id} failed under torchrun (exit code {finished.returncode}; log: {log})")


@LAUNCHERS.register("devices")
class DevicePool:
    """The pending runs of each dependency level side by side, one process per run (prunebench.job), `per_device`
    at a time on each of `devices` ("cuda:0,cuda:1"; default: every visible GPU, else the CPU). A process on
    cuda:N sees only that GPU (CUDA_VISIBLE_DEVICES); CPU processes share the cores. Logs under <runs root>/devices/.
    `peak`: the most runs that trained at once (for the tests)."""

    Started = tuple[RunConfig, str, Path, Path]  # a running process's run, device, job file and log

    def __init__(self, devices: str | None = None, per_device: int = 1, **options: Any):
        if options:
            raise ValueError(f"the devices launcher takes devices and per_device (got {', '.join(options)})")
        if not isinstance(per_device, int) or per_device < 1:
            raise ValueError(f"per_device must be an integer >= 1, got {per_device!r}")
        found = [f"cuda:{i}" for i in range(torch.cuda.device_count())] or ["cpu"]
        self.devices = found if devices is None else [d.strip() for d in str(devices).split(",") if d.strip()]
        for device in self.devices:
            torch.device(device)  # an unknown device name fails here, before any run
        self.slots = [device for device in self.devices for _ in range(per_device)]
        self.peak = 0

    def prepare(self, configs: Sequence[RunConfig], ops: Operational) -> None:
        logs = Path(ops.runs_root) / "devices"
        logs.mkdir(parents=True, exist_ok=True)
        for level in pending_levels(configs, ops):
            failed = self.run_level(level, ops, logs)
            if failed:
                raise LaunchError(f"{len(failed)} of {len(level)} runs failed: " + "; ".join(failed))

    def run_level(self, level: list[RunConfig], ops: Operational, logs: Path) -> list[str]:
        waiting, failed = list(level), []
        running: dict[subprocess.Popen, DevicePool.Started] = {}
        free = list(self.slots)
        while waiting or running:
            while waiting and free:
                config, device = waiting.pop(0), free.pop(0)
                process, job, log = self.start(config, device, ops, logs)
                running[process] = (config, device, job, log)
            self.peak = max(self.peak, len(running))
            time.sleep(0.2)
            for process in [p for p in running if p.poll() is not None]:
                config, device, job, log = running.pop(process)
                free.append(device)
                job.unlink()
                if process.returncode != 0:
                    failed.append(f"{config.run_id} on {device} (exit code {process.returncode}; log: {log})")
        return failed

    def start(self, config: RunConfig, device: str, ops: Operational,
              logs: Path) -> tuple[subprocess.Popen, Path, Path]:
        on = torch.device(device)
        environment, threads = dict(os.environ), ops.threads
        if on.type == "cuda":
            visible = os.environ.get("CUDA_VISIBLE_DEVICES")  # cuda:N is the N-th of those this process sees
            index = on.index or 0
            environment["CUDA_VISIBLE_DEVICES"] = visible.split(",")[index] if visible else str(index)
        elif not threads:  # the cores shared between the CPU's slots
            threads = max(1, (os.cpu_count() or 1) // len(self.slots))
        in_job = replace(ops, device=on.type, threads=threads, progress=False, launcher="local", launcher_options=())
        job, log = write_job(config, in_job, logs)
        with open(log, "w") as out:
            process = subprocess.Popen([sys.executable, "-m", "prunebench.job", str(job)], stdout=out,
                                       stderr=subprocess.STDOUT, env=environment)
        return process, job, log


def write_job(config: RunConfig, ops: Operational, logs: Path) -> tuple[Path, Path]:
    """The pickled (config, ops) a job process runs, and the path of its log."""
    with tempfile.NamedTemporaryFile(suffix=".pkl", dir=logs, delete=False) as job:
        pickle.dump((config, ops), job)
    return Path(job.name), logs / f"{config.config_hash}-seed{config.seed}.log"


def run_in_job(config: RunConfig, ops: Operational) -> str:
    """What a job runs: the ordinary cached runner (its parent is finished by then, so it is only read)."""
    run(config, ops)
    return config.run_id


def pending_levels(configs: Sequence[RunConfig], ops: Operational) -> list[list[RunConfig]]:
    """The unfinished runs among `configs` and their ancestors, grouped by how many unfinished ancestors
    each has: every run of level k has its inputs (parent, partner) in a level below k (or finished already)."""
    depth: dict[str, int] = {}
    pending: dict[str, RunConfig] = {}

    def visit(config: RunConfig) -> int:  # -1: finished
        if config.run_id not in depth:
            if RunPaths(config, ops.runs_root, ops.baselines_root).result.exists():
                depth[config.run_id] = -1
            else:
                depth[config.run_id] = 1 + max((visit(source) for source in config.inputs), default=-1)
                pending[config.run_id] = config
        return depth[config.run_id]

    for config in configs:
        visit(config)
    levels: list[list[RunConfig]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for run_id, config in pending.items():
        levels[depth[run_id]].append(config)
    return levels


def pending_ids(configs: Sequence[RunConfig], ops: Operational) -> set[str]:
    """The run ids among `configs` and their inputs that have no finished result yet (what a dry run calls "to run")."""
    return {config.run_id for level in pending_levels(configs, ops) for config in level}


def launcher(ops: Operational) -> Launcher:
    return LAUNCHERS.get(ops.launcher)(**dict(ops.launcher_options))


def parse_option(text: str) -> tuple[str, Any]:
    """A `--launcher-option KEY=VALUE`, typed (`prunebench.options`)."""
    return parse_key_value(text, "launcher option")
