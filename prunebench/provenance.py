"""Per-table metadata written when a table is reproduced: what its result rows cannot say.

`results/<scale>/meta/<paper>_<table>.json` (paths.meta_json) holds the command, the reproduction's title,
the settings of the scale that differ from the paper plus any the reproduction declares (`DIFFERENCES`),
the session's hardware and library versions, and its wall time. The report reads it beside the CSV.
"""
from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

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
               started_at: str, finished_at: str, wall_seconds: float, runs: int) -> dict[str, Any]:
    """The JSON object of paths.meta_json for one `reproduce.execute` session."""
    doc = (module.__doc__ or "").strip().splitlines() if module else []
    declared = list(getattr(module, "DIFFERENCES", ())) if module else []
    return {
        "paper": paper, "table": table, "scale": scale,
        "title": doc[0] if doc else f"{paper} {table}",
        "command": make_command(paper, table, scale),
        "argv": " ".join([os.path.basename(sys.executable), _script(), *sys.argv[1:]]),
        "scale_description": SCALES.get(scale).description if scale in SCALES else "",
        "differences": [*(scale_differences(SCALES.get(scale)) if scale in SCALES else []), *declared],
        "hardware": hardware(device), "versions": versions(), "git_sha": git_sha(),
        "started_at": started_at, "finished_at": finished_at,
        "session_wall_seconds": round(wall_seconds, 3), "runs": runs,
    }
