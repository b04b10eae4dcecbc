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
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prunebench import COMMAND_ENV
from prunebench.config import RunConfig
from prunebench.paths import PROJECT_ROOT
from prunebench.results import accelerator, cpu_model, git_sha
from prunebench.scales import SCALES, Override, Scale

if TYPE_CHECKING:
    from prunebench.reproduction import Reproduction

PACKAGES = ("torch", "torchvision", "numpy", "pandas", "prunebench")


def make_command(paper: str, table: str, scale: str) -> str:
    return f"make reproduce-{paper}-{table} SCALE={scale}"


def departures(datasets: Sequence[str], widths: Iterable[float], max_epochs: int | None, images: Iterable[int | None],
               batches: Sequence[int], seeds: Iterable[int]) -> list[str]:
    """The settings a reduced scale may change, phrased once for a scale's declaration and for a table's runs
    (each argument the values in use; an image count of None is the whole training split)."""
    def listed(values: Iterable[Any]) -> str:
        return ", ".join(map(str, values))

    images = sorted(set(images), key=lambda n: (n is not None, n or 0))
    widths = [f"{w:g}×" for w in sorted(set(widths)) if w != 1.0]
    out = [f"data set {listed(sorted(set(datasets)))} instead of the paper's"] if datasets else []
    if widths:
        out.append(f"models at {listed(widths)} width")
    if max_epochs is not None:
        out.append(f"at most {max_epochs} epochs per run")
    if images != [None]:
        out.append(f"training images per run: {listed('all' if n is None else n for n in images)}")
    if batches:
        out.append(f"batch size {listed(sorted(set(batches)))}")
    out.append(f"seed(s) {listed(sorted(set(seeds)))}")
    return out


def scale_differences(scale: Scale) -> list[str]:
    """How a reduced scale's declaration departs from the paper's settings (nothing at paper scale)."""
    if not scale.reduced:
        return []
    return departures(scale.substitutes, [scale.width, *dict(scale.widths).values()], scale.max_epochs, [scale.train_subset],
                      [scale.batch_size] if scale.batch_size else [], scale.seeds)


def run_differences(configs: Sequence[RunConfig], scale: str) -> list[str]:
    """What the table's runs actually used where a reduced scale departs from the paper, each setting as the
    set of its values over the runs."""
    if scale == "paper" or not configs:
        return []
    return departures([c.dataset for c in configs], [c.width for c in configs], max(c.epochs for c in configs),
                      [c.train_subset for c in configs], [c.batch_size for c in configs], [c.seed for c in configs])


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def hardware(device: str) -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {
        "device": device, "machine": platform.machine(), "processor": cpu_model(),
        "instruction_set": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(), "system": platform.platform(),
    }
    return {**info, **accelerator(device)}


def invoked_command() -> str:
    """The command as the user typed it: `prunebench reproduce <name> ...`, else `python <script> ...`."""
    typed = os.environ.get(COMMAND_ENV)
    head = [typed] if typed else [os.path.basename(sys.executable), _script()]
    return " ".join([*head, *sys.argv[1:]])


def _script() -> str:
    """sys.argv[0] relative to the project (no machine-specific path in committed metadata)."""
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else Path("?")
    return str(script.relative_to(PROJECT_ROOT)) if script.is_relative_to(PROJECT_ROOT) else script.name


def _table_identity(paper: str, table: str, scale: str, reproduction: Reproduction | None) -> dict[str, Any]:
    """The fields every table metadata object opens with: which table, at which scale, and the command for it."""
    return {
        "paper": paper, "table": table, "scale": scale,
        "title": reproduction.title if reproduction else f"{paper} {table}",
        "command": make_command(paper, table, scale),
    }


def not_run_meta(paper: str, table: str, scale: str, reproduction: Reproduction | None, why: str) -> dict[str, Any]:
    """The JSON object of paths.meta_json for a table that declares it runs nothing at `scale` (`scales.NotRun`)."""
    return {**_table_identity(paper, table, scale, reproduction), "not_run": why, "git_sha": git_sha()}


def table_meta(paper: str, table: str, scale: str, reproduction: Reproduction | None, device: str, *,
               configs: Sequence[RunConfig], started_at: str, finished_at: str, wall_seconds: float,
               overrides: Sequence[Override] = ()) -> dict[str, Any]:
    """The JSON object of paths.meta_json for one `reproduce.execute` session that ran `configs`."""
    declared = list(reproduction.differences) if reproduction else []
    return {
        **_table_identity(paper, table, scale, reproduction),
        "argv": invoked_command(),
        "scale_description": SCALES.get(scale).description if scale in SCALES else "",
        "differences": [*run_differences(configs, scale), *map(str, overrides), *declared],
        "hardware": hardware(device), "versions": versions(), "git_sha": git_sha(),
        "started_at": started_at, "finished_at": finished_at,
        "session_wall_seconds": round(wall_seconds, 3), "runs": len(configs),
    }
