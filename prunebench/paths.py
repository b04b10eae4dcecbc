"""Every file prunebench reads or writes is named here, relative to the project root by default."""
from __future__ import annotations

from pathlib import Path

from prunebench.config import RunConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path("results")
PUBLISHED = PROJECT_ROOT / "reproductions" / "published"
REPORT_BUILD = Path("report") / "build"


class RunPaths:
    """The files of one run. Dense baselines are cached apart, under baselines/cache/."""

    def __init__(self, config: RunConfig, runs_root: Path, baselines_root: Path):
        root = baselines_root if config.method == "dense" else runs_root
        self.dir = Path(root) / config.run_id
        self.checkpoint = self.dir / "checkpoint.pt"
        self.weights = self.dir / "model.pt"
        self.result = self.dir / "result.json"
        self.config = self.dir / "config.json"
        self.method_log = self.dir / "method_log.csv"


def results_csv(scale: str, paper: str, table: str, root: Path = RESULTS) -> Path:
    return Path(root) / scale / f"{paper}_{table}.csv"


def method_log_csv(scale: str, paper: str, table: str, root: Path = RESULTS) -> Path:
    """Per-update logs (SLR conditions, step sizes, residuals) of every run of a table, for figures."""
    return Path(root) / scale / "logs" / f"{paper}_{table}_updates.csv"


def published_csv(paper: str, table: str) -> Path:
    return PUBLISHED / f"{paper}_{table}.csv"
