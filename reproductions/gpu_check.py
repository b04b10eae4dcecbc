"""`make gpu-check`: what a GPU machine must show before paper-scale runs are trusted there, in one command that writes
one JSON file (`--out`, default results/gpu_check.json) for the README's GPU table.

1. Kill and resume: a dropout model (gRDA's VGG16, SGD) and an SLR run, each trained in a child process that is
   SIGKILLed after its first checkpoint, resumed here, and compared with the same run trained without a stop: the
   numbers must be bit-identical (deterministic algorithms on).
2. Seconds per paper-scale CIFAR epoch (50,000 images at 32x32, batch 128, full width) for ResNet-56, ResNet-18 and
   VGG-19: the plain loop in float32, channels-last, bf16 autocast and (on CUDA) `torch.compile`, with peak memory.
3. Every paper-scale reproduction as `make paper-check` walks it (one run per variant, on the offline data), two
   epochs of a few steps each on the device, and each method's seconds per step over a dense step of the same
   network, data and batch (from the runs' second epochs).
4. On a machine with two GPUs or more, a 2-rank DDP run (NCCL).

It also writes the Markdown table of its numbers beside the JSON (`<out>.md`), which the docs' GPU page shows.
`--device cpu` rehearses the whole script on the CPU with a few timed steps and one small table (the numbers then say
nothing about a GPU).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # before CUDA starts: deterministic cuBLAS

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from prunebench.config import CheckBudget, Operational, OptimizerConfig, RunConfig  # noqa: E402
from prunebench.models import build_model  # noqa: E402
from prunebench.paths import RESULTS  # noqa: E402
from prunebench.results import accelerator, environment  # noqa: E402
from prunebench.runner import kill_after_first_checkpoint, run  # noqa: E402

CIFAR_IMAGES, BATCH = 50_000, 128
TIMED_MODELS = ("resnet56", "resnet18_cifar", "vgg19_bn_cifar")
DROPOUT = RunConfig(dataset="synthetic", model="vgg16_nobn_cifar", method="sgd", width=0.25, epochs=3, batch_size=32,
                    train_subset=256, optimizer=OptimizerConfig("sgd", lr=0.05), tag="gpu-check")  # gRDA's plain SGD
DENSE = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.25, epochs=1, batch_size=32, train_subset=256,
                  optimizer=OptimizerConfig("sgd", lr=0.05, momentum=0.9), eval_every=0, tag="gpu-check")
SLR = replace(DENSE, method="slr", epochs=3, prune_rule="residual_branch_convs", prune_ratio=0.9,
              method_options={"rho": 0.1}, parent=DENSE, optimizer=OptimizerConfig("adam", lr=0.01), eval_every=1)


def kill_and_resume(config: RunConfig, ops: Operational) -> dict[str, Any]:
    """`config` killed (SIGKILL) after its first checkpoint and resumed, against the same run without a stop."""
    whole = run(config, replace(ops, runs_root=ops.runs_root / "whole"))
    for parent in config.inputs:
        run(parent, ops)
    killed_after, _ = kill_after_first_checkpoint(config, ops)
    resumed = run(config, ops)
    differ = sorted(k for k in whole.metrics if whole.metrics[k] != resumed.metrics.get(k)
                    and not (math.isnan(whole.metrics[k]) and math.isnan(resumed.metrics.get(k, 0.0))))
    return {"run": config.run_id, "killed_after_epoch": killed_after, "bit_identical": not differ,
            "metrics_that_differ": differ}


def epoch_seconds(name: str, device: str, variant: str, steps: int) -> dict[str, Any]:
    """Seconds per CIFAR epoch of `name` at full width in `variant`, from `steps` timed steps on random data held on
    the device (the loop's own cost: no loader), and the peak memory they took."""
    torch.manual_seed(0)
    model = build_model(name, in_channels=3, num_classes=10, width=1.0).to(device)
    layout = torch.channels_last if variant != "float32" else torch.contiguous_format
    model = model.to(memory_format=layout)
    forward = torch.compile(model) if variant == "compile" else model
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x = torch.randn(BATCH, 3, 32, 32, device=device).to(memory_format=layout)
    y = torch.randint(0, 10, (BATCH,), device=device)
    autocast = torch.autocast(torch.device(device).type, torch.bfloat16, enabled=variant in ("bf16", "compile"))

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with autocast:
            loss = F.cross_entropy(forward(x), y)
        loss.backward()
        optimizer.step()

    cuda = torch.device(device).type == "cuda"
    for _ in range(3):  # warm-up (and compilation)
        step()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(steps):
        began = time.perf_counter()
        step()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - began)
    per_step = statistics.median(times)
    return {"model": name, "variant": variant, "timed_steps": steps, "step_ms": round(1e3 * per_step, 3),
            "epoch_seconds": round(per_step * math.ceil(CIFAR_IMAGES / BATCH), 2),
            "peak_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 3) if cuda else None}


PLAIN_METHODS = ("dense", "sgd")  # a step with no method hooks: the reference of the overhead ratios
REHEARSED_TABLES = ("slr/figure6",)  # the CPU rehearsal's paper-check pass: 3 runs


def paper_check_pass(ops: Operational, tables: tuple[str, ...], steps: int) -> dict[str, Any]:
    """paper-check's walk of `tables` on the device, two epochs of `steps` steps per run; a table that fails is named
    with its error and the others go on."""
    from reproductions.paper_check import check_table

    checked = replace(ops, runs_root=ops.runs_root / "paper-check", baselines_root=ops.runs_root / "paper-check-base",
                      budget=CheckBudget(epochs=2, steps_per_epoch=steps, eval_images=64))
    lines, times, failed = [], [], []
    for name in tables:
        try:
            table = check_table(name, checked)
        except Exception as error:  # noqa: BLE001 (reported, and the next table checked)
            failed.append(f"{name}: {type(error).__name__}: {error}")
            print(f"{name}: FAILED {failed[-1]}", flush=True)
            continue
        lines.append(table.line())
        times.extend(table.step_times)
        print(lines[-1], flush=True)
    return {"tables": lines, "failed": failed, "method_overhead": method_overhead(times)}


def method_overhead(times: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Each method's seconds per step over the fastest plain step of the same network, data, width and batch, over
    the runs where such a step was timed: median, largest, and how many runs."""
    def setting(t: dict[str, Any]) -> tuple:
        return t["model"], t["dataset"], t["width"], t["batch_size"]

    plain: dict[tuple, float] = {}
    for t in times:
        if t["method"] in PLAIN_METHODS:
            plain[setting(t)] = min(plain.get(setting(t), math.inf), t["seconds_per_step"])
    ratios: dict[str, list[float]] = {}
    for t in times:
        if t["method"] not in PLAIN_METHODS and setting(t) in plain:
            ratios.setdefault(t["method"], []).append(t["seconds_per_step"] / plain[setting(t)])
    return {method: {"median": round(statistics.median(r), 3), "max": round(max(r), 3), "runs": len(r)}
            for method, r in sorted(ratios.items())}


def markdown(report: dict[str, Any]) -> str:
    """The GPU page's tables from a gpu-check report."""
    rows = ["| model | variant | s per CIFAR epoch | step (ms) | peak memory (GiB) |", "|---|---|---|---|---|"]
    rows += [f"| {e['model']} | {e['variant']} | {e['epoch_seconds']} | {e['step_ms']} | {e['peak_memory_gib'] or '–'} |"
             for e in report["epoch_seconds"]]
    overhead = report.get("paper_check", {}).get("method_overhead", {})
    rows += ["", "| method | step ÷ dense step (median) | largest | runs |", "|---|---|---|---|"]
    rows += [f"| {m} | {o['median']} | {o['max']} | {o['runs']} |" for m, o in overhead.items()]
    resumed = ", ".join(f"{r['run'].split('/')[0]}: {'bit-identical' if r['bit_identical'] else 'DIFFERS'}"
                        for r in report["resume"])
    failed = report.get("paper_check", {}).get("failed", [])
    return "\n".join([f"Device: {report['device']} (torch {report['torch']}); the whole check took "
                      f"{report['wall_seconds']} s.", "", f"Kill and resume: {resumed}.",
                      f"Paper-check on the device, tables passed: {len(report.get('paper_check', {}).get('tables', []))}, "
                      f"failed: {len(failed)}{': ' + '; '.join(failed) if failed else ''}.", "", *rows, ""])


def ddp_smoke(ops: Operational) -> dict[str, Any]:
    from prunebench.launch import TorchRun

    if torch.device(ops.device).type != "cuda" or torch.cuda.device_count() < 2:
        return {"ran": False, "why": "fewer than 2 GPUs"}
    TorchRun(nproc=2).prepare([SLR], replace(ops, runs_root=ops.runs_root / "ddp"))
    return {"ran": True, "finished": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reproductions.gpu_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu for a rehearsal")
    parser.add_argument("--out", type=Path, default=RESULTS / "gpu_check.json")
    parser.add_argument("--steps", type=int, help="timed steps per model and variant (default 30 on CUDA, 2 on the CPU)")
    args = parser.parse_args(argv)
    cuda = torch.device(args.device).type == "cuda"
    if cuda and not torch.cuda.is_available():
        parser.error("no CUDA device here: run it on a GPU machine, or rehearse with --device cpu")
    torch.use_deterministic_algorithms(True, warn_only=False)
    torch.backends.cudnn.benchmark = False
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as scratch:
        ops = Operational(Path(scratch) / "runs", Path(scratch) / "base", device=args.device, progress=False,
                          checkpoint_seconds=0)
        report: dict[str, Any] = {"device": environment(args.device)["device"], **accelerator(args.device),
                                  "torch": torch.__version__}
        report["resume"] = [kill_and_resume(config, ops) for config in (DROPOUT, SLR)]
        print(f"kill and resume: {report['resume']}", flush=True)
        torch.use_deterministic_algorithms(False)  # the timings are of the fast kernels a run uses
        variants = ("float32", "channels_last", "bf16", *(("compile",) if cuda else ()))
        steps = args.steps or (30 if cuda else 2)
        report["epoch_seconds"] = []
        for name in TIMED_MODELS:
            for variant in variants:
                report["epoch_seconds"].append(epoch_seconds(name, args.device, variant, steps))
                print(report["epoch_seconds"][-1], flush=True)
        from reproductions.paper_check import checked

        report["paper_check"] = paper_check_pass(ops, checked() if cuda else REHEARSED_TABLES, 5 if cuda else 2)
        report["ddp"] = ddp_smoke(ops)
    report["wall_seconds"] = round(time.perf_counter() - began, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(report))
    print(f"{args.out} and {args.out.with_suffix('.md')}: {report['wall_seconds']} s")
    passed = all(r["bit_identical"] for r in report["resume"]) and not report["paper_check"]["failed"]
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
