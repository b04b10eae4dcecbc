"""Dense bases shipped with the project: a converged network costs up to an hour on a laptop, so the bases a reduced
scale prunes are committed under `baselines/shipped/<run id>/` and a run that needs one copies it into the cache
instead of training it. `baselines/manifest.json` lists each base: its files with their SHA-256, its test top-1, its
recipe (the run's config), the command that re-makes it, the machine and the wall time that made it.
`python -m prunebench.make_bases` (`make baselines`) makes them.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from prunebench.config import RunConfig
from prunebench.disk import file_sha256
from prunebench.paths import PROJECT_ROOT, RunPaths

SHIPPED = PROJECT_ROOT / "baselines" / "shipped"
MANIFEST = PROJECT_ROOT / "baselines" / "manifest.json"
FILES = ("config.json", "model.pt", "result.json")  # result.json last: a run with one is finished


class ShippedBaseError(RuntimeError):
    """A shipped base whose files are missing or differ from the manifest's SHA-256."""


@dataclass(frozen=True)
class ShippedBase:
    run_id: str
    sha256: dict[str, str]  # file name -> SHA-256 of the file under SHIPPED/<run id>/
    top1: float  # test top-1 of the base (result.json's top1_trained)
    recipe: dict[str, Any]  # the run's config: every setting that made it
    command: str  # re-makes it
    machine: str  # result.json's device: CPU model, instruction set, threads
    wall_seconds: float
    finished_at: str

    def folder(self, root: Path = SHIPPED) -> Path:
        return Path(root) / self.run_id


def read_manifest(path: Path = MANIFEST) -> dict[str, ShippedBase]:
    """run id -> its shipped base; empty where nothing is shipped."""
    if not Path(path).exists():
        return {}
    return {entry["run_id"]: ShippedBase(**entry) for entry in json.loads(Path(path).read_text())["bases"]}


def write_manifest(bases: dict[str, ShippedBase], path: Path = MANIFEST) -> None:
    entries = [asdict(bases[run_id]) for run_id in sorted(bases)]
    tmp = Path(path).with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"bases": entries}, indent=1) + "\n")
    os.replace(tmp, path)


def verify(base: ShippedBase, root: Path = SHIPPED) -> None:
    """Every file of `base` is there with the manifest's SHA-256, else a `ShippedBaseError` that says how to mend it."""
    for name, expected in base.sha256.items():
        path = base.folder(root) / name
        found = file_sha256(path) if path.exists() else "no such file"
        if found != expected:
            raise ShippedBaseError(
                f"shipped base {base.run_id}: {path} has SHA-256 {found}, the manifest {MANIFEST.name} says {expected}. "
                f"Restore it (git checkout -- baselines/shipped; a clone without git-lfs files has pointers here) or "
                f"re-make it: python -m prunebench.make_bases --only {base.run_id}")


def install(config: RunConfig, paths: RunPaths, manifest: Path = MANIFEST, root: Path = SHIPPED) -> bool:
    """Copy `config`'s shipped base, verified, into its cache folder; False where none is shipped. Every file lands
    whole (copied beside, then renamed; one name per process, as every data-parallel process may copy it)."""
    base = read_manifest(manifest).get(config.run_id)
    if base is None:
        return False
    verify(base, root)
    paths.dir.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        tmp = paths.dir / f".{name}.{os.getpid()}.tmp"
        shutil.copyfile(base.folder(root) / name, tmp)
        os.replace(tmp, paths.dir / name)
    return True
