"""Per-table metadata written when a table is reproduced: what its result rows cannot say.

`results/<scale>/meta/<paper>_<table>.json` (paths.meta_json) holds the command, the reproduction's title,
the settings of its runs that differ from the paper (read from the run configs, since a reproduction may shrink
a scale further) plus any the reproduction declares (`DIFFERENCES`),
the session's hardware and library versions, and its wall time. The report reads it beside the CSV.
"""
from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from prunebench.config import RunConfig
from prunebench.paths import PROJECT_ROOT
from prunebench.results import git_sha
from prunebench.scales import SCALES, Scale

PACKAGES = ("torch", "torchvision", "numpy", "pandas", "prunebench")


def make_command(paper: str, table: str, scale: str) -> str:
    return f"make reproduce-{paper}-{table} SCALE={scale}"


def scale_differences(scale: Scale) -> list[str]:
    """How a reduced scale departs from the paper's settings (nothing at paper scale)."""
    if scale.name == "paper":
        return []
    out = [f"data set {scale.dataset} instead of the paper's"] if scale.dataset else []
    if scale.width != 1.0:
        out.append(f"models at {scale.width:g}× width")
    if scale.max_epochs is not None:
        out.append(f"at most {scale.max_epochs} epochs per run")
    if scale.train_subset:
        out.append(f"{scale.train_subset} training images")
    if scale.batch_size:
        out.append(f"batch size {scale.batch_size}")
    out.append(f"seed(s) {', '.join(map(str, scale.seeds))}")
    return out


def run_differences(configs: Sequence[RunConfig], scale: str) -> list[str]:
    """What the table's runs actually used where a reduced scale departs from the paper: data, widths, epochs,
    training images, batch sizes and seeds, each as the set of values over the runs."""
    if scale == "paper" or not configs:
        return []

    def values(get: Callable[[RunConfig], Any]) -> list[str]:
        return [str(v) for v in sorted({get(c) for c in configs}, key=lambda v: (str(type(v)), v))]

    widths = [f"{float(w):g}×" for w in values(lambda c: c.width) if float(w) != 1.0]
    images = values(lambda c: c.train_subset or 0)
    return [
        f"data set {', '.join(values(lambda c: c.dataset))} instead of the paper's",
        *([f"models at {', '.join(widths)} width"] if widths else []),
        f"at most {max(c.epochs for c in configs)} epochs per run",
        *([f"training images per run: {', '.join('all' if i == '0' else i for i in images)}"] if images != ["0"] else []),
        f"batch size {', '.join(values(lambda c: c.batch_size))}",
        f"seed(s) {', '.join(values(lambda c: c.seed))}",
    ]


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def hardware(device: str) -> dict[str, Any]:
    info: dict[str, Any] = {
        "device": device, "machine": platform.machine(), "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(), "system": platform.platform(),
    }
    if device.startswith("cuda"):
        import torch

        info["accelerator"] = torch.cuda.get_device_name(torch.device(device))
    return info


def _script() -> str:
    """sys.argv[0] relative to the project (no machine-specific path in committed metadata)."""
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else Path("?")
    return str(script.relative_to(PROJECT_ROOT)) if script.is_relative_to(PROJECT_ROOT) else script.name


def table_meta(paper: str, table: str, scale: str, module: ModuleType | None, device: str, *,
               configs: Sequence[RunConfig], started_at: str, finished_at: str, wall_seconds: float) -> dict[str, Any]:
    """The JSON object of paths.meta_json for one `reproduce.execute` session that ran `configs`."""
    doc = (module.__doc__ or "").strip().splitlines() if module else []
    declared = list(getattr(module, "DIFFERENCES", ())) if module else []
    return {
        "paper": paper, "table": table, "scale": scale,
        "title": doc[0] if doc else f"{paper} {table}",
        "command": make_command(paper, table, scale),
        "argv": " ".join([os.path.basename(sys.executable), _script(), *sys.argv[1:]]),
        "scale_description": SCALES.get(scale).description if scale in SCALES else "",
        "differences": [*run_differences(configs, scale), *declared],
        "hardware": hardware(device), "versions": versions(), "git_sha": git_sha(),
        "started_at": started_at, "finished_at": finished_at,
        "session_wall_seconds": round(wall_seconds, 3), "runs": len(configs),
    }
