"""One pickled (config, ops) run in a process of its own: `python -m prunebench.job JOB.pkl`, started by a launcher
(prunebench.launch) that wrote the file. Under `torch.distributed.run` (RANK, WORLD_SIZE, LOCAL_RANK and the
rendezvous in the environment) the process joins the group and trains its shard of every batch; otherwise it trains
the whole run on `ops.device`."""
from __future__ import annotations

import os
import pickle
import sys
from dataclasses import replace

import torch
import torch.distributed as dist

from prunebench.config import Operational, RunConfig
from prunebench.runner import run


def data_parallel(config: RunConfig, ops: Operational) -> None:
    rank, world, local = (int(os.environ[name]) for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))
    cuda = torch.device(ops.device).type == "cuda"
    device = f"cuda:{local}" if cuda else ops.device
    if cuda:
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if cuda else "gloo")
    try:
        run(config, replace(ops, device=device, rank=rank, world_size=world, progress=ops.progress and rank == 0))
    finally:
        dist.destroy_process_group()


def main(job: str) -> int:
    with open(job, "rb") as file:
        config, ops = pickle.load(file)
    if "RANK" in os.environ:
        data_parallel(config, ops)
    else:
        run(config, ops)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
