"""The fixed-schema long results table: one row per (run, metric), written atomically.

Every row carries what is needed to judge it without the run directory: scale, seed, the settings id its arm's
seeds share (`RunConfig.settings_id`), the counting
rule behind its sparsity and compression, params and MACs dense and non-zero, wall time, device,
versions and git sha. Re-running a cell replaces its rows instead of duplicating them.
"""
from __future__ import annotations

import datetime as dt
import functools
import platform
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd

import prunebench
from prunebench.csv_files import DataFileError, line_of, no_duplicate_keys, numeric_column, read_csv_checked
from prunebench.paths import PROJECT_ROOT
from prunebench.shared_files import locked

COLUMNS = [
    "paper", "table", "cell", "scale", "run_id", "settings_id", "method", "model", "dataset", "seed",
    "metric", "value", "prune_ratio", "sparsity", "compression", "counting_rule",
    "params_dense", "params_nonzero", "macs_dense", "macs_nonzero",
    "epochs", "precision", "wall_seconds", "device", "torch_version", "prunebench_version", "git_sha", "finished_at",
]
KEY = ["paper", "table", "cell", "scale", "run_id", "metric"]


@functools.cache
def git_sha() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@functools.cache
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def accelerator(device: str) -> dict[str, Any]:
    """What decides a GPU run's last bits besides the code: the GPU, the CUDA and cuDNN builds, and whether matrix
    products and convolutions may round through TF32. Empty for a CPU run."""
    import torch

    if torch.device(device).type != "cuda":
        return {}
    major, minor = torch.cuda.get_device_capability(torch.device(device))
    return {
        "accelerator": torch.cuda.get_device_name(torch.device(device)), "compute_capability": f"{major}.{minor}",
        "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
        "tf32_matmul": torch.backends.cuda.matmul.allow_tf32, "tf32_cudnn": torch.backends.cudnn.allow_tf32,
    }


def environment(device: str) -> dict[str, Any]:
    """Provenance columns shared by every row of a session (torch imported here: readers need not). The device
    names the CPU model, the instruction set torch's kernels use and the thread count, and on a GPU its `accelerator`
    facts: float results differ in the last bits between them, and a few epochs make that points of accuracy, so the
    nightly compares numbers made on different machines as distributions."""
    import torch

    isa = torch.backends.cpu.get_cpu_capability()
    gpu = accelerator(device)
    on_gpu = (f"{gpu['accelerator']}; CUDA {gpu['cuda']}; cuDNN {gpu['cudnn']}; TF32 matmul "
              f"{'on' if gpu['tf32_matmul'] else 'off'}, convolutions {'on' if gpu['tf32_cudnn'] else 'off'}; host "
              if gpu else "")
    return {
        "device": f"{device} ({on_gpu}{cpu_model()}; {isa}; {torch.get_num_threads()} threads)",
        "torch_version": torch.__version__,
        "prunebench_version": prunebench.__version__,
        "git_sha": git_sha(),
    }


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate_rows(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    missing = [c for c in COLUMNS if c not in frame.columns]
    extra = [c for c in frame.columns if c not in COLUMNS]
    if missing or extra:
        raise ValueError(f"result rows do not match the schema: missing {missing}, unexpected {extra}")
    return frame[COLUMNS]


NUMERIC = ["value", "prune_ratio", "sparsity", "compression", "params_dense", "params_nonzero", "macs_dense",
           "macs_nonzero", "epochs", "wall_seconds"]


def read_results(path: Path) -> pd.DataFrame:
    """A results CSV, checked: the exact header, a number wherever one belongs (NaN only as a diverged run
    writes it), an integer seed, no empty key and no key twice (a repeated row would count as a second seed)."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    frame = read_csv_checked(path, COLUMNS)
    for column in KEY + ["method", "settings_id"]:
        empty = frame[column].str.strip() == ""
        if empty.any():
            raise DataFileError(f"{path} line {line_of(empty.idxmax())}: empty {column}")
    no_duplicate_keys(path, frame, KEY)
    for column in NUMERIC:
        frame[column] = numeric_column(path, frame, column)
    seeds = numeric_column(path, frame, "seed", empty_ok=False)
    fractional = seeds != seeds.round()
    if fractional.any():
        raise DataFileError(f"{path} line {line_of(fractional.idxmax())}: seed = {seeds[fractional.idxmax()]} is not an integer")
    frame["seed"] = seeds.astype(int)
    return frame


def backup_of(path: Path) -> Path:
    """Where the rows a clean-up removed stay (the whole file before it) until the next write of `path`."""
    return Path(path).with_name(Path(path).name + ".bak")


def write_rows(path: Path, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Merge `rows` into the CSV at `path` (same key -> replaced), atomically and under the file's lock, so
    concurrent writers (parallel seeds, tables) lose no row. A clean-up's backup goes once this write succeeds."""
    from prunebench.checkpoint import write_text_atomic  # imports torch; readers of results need not

    new = validate_rows(rows)
    with locked(path):
        old = read_results(path)
        if not old.empty:
            keys = set(map(tuple, new[KEY].astype(str).values))
            old = old[[tuple(k) not in keys for k in old[KEY].astype(str).values]]
        merged = pd.concat([old, new], ignore_index=True) if not old.empty else new
        merged = merged.sort_values(["cell", "method", "seed", "metric"], kind="stable")
        write_text_atomic(merged.to_csv(index=False), Path(path))
        backup_of(path).unlink(missing_ok=True)
    return merged
