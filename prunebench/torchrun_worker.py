"""One process of a `--launcher torchrun` run: joins the process group torchrun set up (RANK, WORLD_SIZE, LOCAL_RANK
and the rendezvous in the environment), then trains the pickled (config, ops) on its shard of every batch.
`python -m prunebench.torchrun_worker JOB.pkl`; the launcher writes the file and starts torchrun."""
from __future__ import annotations

import os
import pickle
import sys
from dataclasses import replace

import torch
import torch.distributed as dist

from prunebench.runner import run


def main(job: str) -> int:
    with open(job, "rb") as file:
        config, ops = pickle.load(file)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
