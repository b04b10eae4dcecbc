"""Every file prunebench reads or writes is named here, relative to the project root by default."""
from __future__ import annotations

from pathlib import Path

from prunebench.config import RunConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path("results")
PUBLISHED = PROJECT_ROOT / "reproductions" / "published"
REPORT_BUILD = Path("report") / "build"
REFERENCE = RESULTS / "reference"  # committed quick-scale results the nightly run compares against
ADHOC = "adhoc"  # `prunebench run` writes here: ad-hoc runs, not a paper table (the report leaves them out)
NIGHTLY = REPORT_BUILD / "nightly"  # the nightly run's comparison and benchmark outputs


class RunPaths:
    """The files of one run. Runs of a method that trains baselines (`Method.trains_baselines`: dense) are cached
    apart, under the baselines folder, so tables and sessions share them."""

    def __init__(self, config: RunConfig, runs_root: Path, baselines_root: Path):
        from prunebench.methods import METHODS  # here, not at import: the report reads paths without torch

        method = METHODS.get(config.method) if config.method in METHODS else None  # a kind may name no Method
        root = baselines_root if method is not None and method.trains_baselines else runs_root
        self.dir = Path(root) / config.run_id
        self.checkpoint = self.dir / "checkpoint.pt"
        self.weights = self.dir / "model.pt"
        self.weights_before_finalize = self.dir / "planned_weights_before_finalize.pt"  # prune-set weights only
        self.result = self.dir / "result.json"
        self.config = self.dir / "config.json"
        self.method_log = self.dir / "method_log.csv"
        self.structure = self.dir / "structure.json"  # filters removed since the base architecture, if any


def results_csv(scale: str, paper: str, table: str, root: Path = RESULTS) -> Path:
    return Path(root) / scale / f"{paper}_{table}.csv"


def method_log_csv(scale: str, paper: str, table: str, root: Path = RESULTS) -> Path:
    """Per-update logs (SLR conditions, step sizes, residuals) of every run of a table, for figures."""
    return Path(root) / scale / "logs" / f"{paper}_{table}_updates.csv"


def figure_csv(scale: str, paper: str, figure: str, root: Path = RESULTS) -> Path:
    """A figure's series in long format (panel, series, x, y, x_label, y_label, ...)."""
    return Path(root) / scale / "figures" / f"{paper}_{figure}.csv"


def published_csv(paper: str, table: str) -> Path:
    return PUBLISHED / f"{paper}_{table}.csv"


def claims_csv(scale: str, paper: str, table: str, root: Path = RESULTS) -> Path:
    """The verdicts of a table's claims, written when the table is reproduced; the report reads them."""
    return Path(root) / scale / "claims" / f"{paper}_{table}.csv"


def meta_json(scale: str, paper: str, table: str, root: Path = RESULTS) -> Path:
    """What the rows of a table cannot say: the command, the differences from the paper, the session."""
    return Path(root) / scale / "meta" / f"{paper}_{table}.json"


def shown_path(path: Path | str) -> str:
    """A path as reports and logs print it: relative to the project (or to where the command ran), never the
    machine's absolute path."""
    path = Path(path).resolve()
    for base in (PROJECT_ROOT, Path.cwd()):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return path.name
