"""Where a session's runs execute. `local` (the default) trains each run in this process when `execute`
reaches it. `slurm` first sends the session's unfinished runs to Slurm as job arrays through submitit, one
array per dependency level (a run starts only after its parent finished; a parent shared by many arms is
trained once), and waits for them; `execute` then finds every run finished (runs are cached by id) and only
writes the rows. Scheduling is Slurm's: no queue of our own.

Options (`--launcher-option KEY=VALUE`, repeatable) go to submitit's `update_parameters` unchanged, e.g.
`slurm_partition=gpu`, `timeout_min=600`, `gpus_per_node=1`, `cpus_per_task=8`, `slurm_array_parallelism=16`.
`torchrun` trains each unfinished run, parents first, under DistributedDataParallel in `nproc` processes on this
node (`--nproc N`; NCCL on CUDA, gloo on the CPU) through PyTorch's own launcher, `torch.distributed.run`.
"""
from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from prunebench.config import Operational, RunConfig
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
    """Each pending run in its own `torch.distributed.run --standalone` of `nproc` processes (prunebench.torchrun_worker);
    each process trains its shard of every batch, rank 0 writes. Logs under <runs root>/torchrun/. A run of a kind
    that is not data-parallel (`RunKind.data_parallel`) runs in this process instead, in its turn."""

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
                if not RUN_KINDS.get(config.kind).data_parallel:
                    run(config, in_job)
                    continue
                with tempfile.NamedTemporaryFile(suffix=".pkl", dir=logs, delete=False) as job:
                    pickle.dump((config, in_job), job)
                log = logs / f"{config.config_hash}-seed{config.seed}.log"
                command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={self.nproc}",
                           "-m", "prunebench.torchrun_worker", job.name]
                with open(log, "w") as out:
                    finished = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
                Path(job.name).unlink()
                if finished.returncode != 0:
                    raise LaunchError(f"{config.run_id} failed under torchrun (exit code {finished.returncode}; log: {log})")


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


def launcher(ops: Operational) -> Launcher:
    return LAUNCHERS.get(ops.launcher)(**dict(ops.launcher_options))


def parse_option(text: str) -> tuple[str, Any]:
    """A `--launcher-option KEY=VALUE`, typed (`prunebench.options`)."""
    return parse_key_value(text, "launcher option")
