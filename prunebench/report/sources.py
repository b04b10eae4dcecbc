"""Everything the report reads, found on disk; nothing is trained, loaded or imported from a reproduction.

- published tables:  reproductions/published/<paper>_<table>.csv
- published figures: reproductions/published/<paper>_<figure>.csv (told apart by the panel/series/x/y columns)
- results:           results/<scale>/<paper>_<table>.csv (results.COLUMNS)
- figure series:     results/<scale>/figures/<paper>_<figure>.csv
- claim verdicts:    results/<scale>/claims/<paper>_<table>.csv (written when the table is reproduced)
- table metadata:    results/<scale>/meta/<paper>_<table>.json (written by reproduce.execute, or by record_not_run for a
                     table that runs nothing at that scale: its reason)
`results/reference/` (the nightly baseline) and `results/adhoc/` (`prunebench run`) are not scales and are skipped.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from prunebench.csv_files import (
    header,
    no_duplicate_keys,
    numeric_column,
    read_csv_checked,
    read_json_checked,
)
from prunebench.evidence import CHANCE_METRIC
from prunebench.paths import ADHOC, REFERENCE
from prunebench.results import read_results
from prunebench.scales import SCALES

PAPER_SCALE = "paper"
# the required columns of prunebench.figures.FIGURE_COLUMNS (not imported: that module loads torch)
FIGURE_REQUIRED = {"panel", "series", "x", "y"}
PUBLISHED_COLUMNS = ["paper", "table", "cell", "dataset", "model", "method", "metric", "value", "unit", "source", "note"]


@dataclass
class TableData:
    paper: str
    table: str
    published: pd.DataFrame
    results: dict[str, pd.DataFrame] = field(default_factory=dict)  # scale -> long results frame
    claims: dict[str, pd.DataFrame] = field(default_factory=dict)  # scale -> claim verdicts
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)  # scale -> metadata JSON
    sources: dict[str, Path] = field(default_factory=dict)  # "published" / scale -> CSV path


@dataclass
class FigureData:
    paper: str
    figure: str
    published: pd.DataFrame | None = None
    series: dict[str, pd.DataFrame] = field(default_factory=dict)  # scale -> our series
    sources: dict[str, Path] = field(default_factory=dict)
    chance: dict[str, float] = field(default_factory=dict)  # scale -> top-1 at chance of the runs drawn (their rows)
    published_table: pd.DataFrame | None = None  # the paper's numbers of the same name, where they are a table


PAPERS_CSV = "papers.csv"  # in the published folder: paper, title (each paper the project reproduces)


def read_papers(published_root: Path) -> dict[str, str]:
    """Paper name -> the title the report gives it, in the declared order."""
    path = Path(published_root) / PAPERS_CSV
    if not path.exists():
        return {}
    frame = read_csv_checked(path, required={"paper", "title"}, written_by_us=False)
    return dict(zip(frame["paper"], frame["title"], strict=True))


def split_name(path: Path, papers: Iterable[str] = ()) -> tuple[str, str]:
    """'<paper>_<name>.csv' -> (paper, name): the longest known paper name the file name starts with (a paper
    name may hold '_'), else what comes before the first '_'."""
    stem = path.stem
    known = sorted((p for p in papers if stem.startswith(f"{p}_")), key=len, reverse=True)
    if known:
        return known[0], stem[len(known[0]) + 1:]
    paper, _, name = stem.partition("_")
    return paper, name


def scale_order(scales: list[str]) -> list[str]:
    """paper first, then the registered scales, then any other folder name, alphabetically."""
    known = SCALES.names()
    return sorted(set(scales), key=lambda s: (s != PAPER_SCALE, s not in known, s))


def scale_dirs(results_root: Path) -> list[Path]:
    root = Path(results_root)
    if not root.is_dir():
        return []
    dirs = [d for d in root.iterdir() if d.is_dir() and d.name not in (REFERENCE.name, ADHOC)]
    order = scale_order([d.name for d in dirs])
    return sorted(dirs, key=lambda d: order.index(d.name))


def _is_figure(path: Path) -> bool:
    return FIGURE_REQUIRED <= set(header(path))


def read_published(path: Path) -> pd.DataFrame:
    """A published table, checked: the exact header, each value a number or empty (the paper prints none there;
    `n/a` and the like are errors, not a missing number), each (cell, method, metric) once."""
    frame = read_csv_checked(path, PUBLISHED_COLUMNS, written_by_us=False)
    no_duplicate_keys(path, frame, ["cell", "method", "metric"])
    frame["value_text"] = frame["value"].astype(str)  # as printed: a size's last digit sets its tolerance
    frame["value"] = numeric_column(path, frame, "value")
    return frame


def _table_key(path: Path, frame: pd.DataFrame, papers: Iterable[str]) -> tuple[str, str]:
    """(paper, table) from the CSV's own columns, else from '<paper>_<table>.csv'."""
    if not frame.empty and {"paper", "table"} <= set(frame.columns):
        return str(frame["paper"].iloc[0]), str(frame["table"].iloc[0])
    return split_name(path, papers)


def discover_tables(results_root: Path, published_root: Path) -> dict[tuple[str, str], TableData]:
    found: dict[tuple[str, str], TableData] = {}
    papers = read_papers(published_root)
    for path in sorted(Path(published_root).glob("*_*.csv")):
        if _is_figure(path):
            continue
        frame = read_published(path)
        key = _table_key(path, frame, papers)
        found[key] = TableData(*key, published=frame, sources={"published": path})
    for scale_dir in scale_dirs(results_root):
        scale = scale_dir.name
        for path in sorted(scale_dir.glob("*_*.csv")):
            frame = read_results(path)
            key = _table_key(path, frame, papers)
            data = found.setdefault(key, TableData(*key, published=pd.DataFrame(columns=PUBLISHED_COLUMNS)))
            if not frame.empty:
                data.results[scale] = frame
                data.sources[scale] = path
        for path in sorted((scale_dir / "claims").glob("*_*.csv")):
            if split_name(path, papers) in found:
                found[split_name(path, papers)].claims[scale] = read_csv_checked(path, required={"claim", "status"})
        for path in sorted((scale_dir / "meta").glob("*_*.json")):
            if split_name(path, papers) in found:
                data = found[split_name(path, papers)]
                data.meta[scale] = read_json_checked(path)
                data.sources.setdefault(scale, path)  # a table not run at this scale: its metadata says why
    return dict(sorted(found.items()))


def discover_figures(results_root: Path, published_root: Path,
                     tables: dict[tuple[str, str], TableData]) -> dict[tuple[str, str], FigureData]:
    """Every figure with published or our series; from `tables` (already read), the table of the same name: its
    runs' chance level and, where the paper's numbers are a table rather than series, that table."""
    found: dict[tuple[str, str], FigureData] = {}
    papers = read_papers(published_root)
    for path in sorted(Path(published_root).glob("*_*.csv")):
        if _is_figure(path):
            data = found.setdefault(split_name(path, papers), FigureData(*split_name(path, papers)))
            data.published, data.sources["published"] = pd.read_csv(path), path  # a figure: columns checked by _is_figure
    for scale_dir in scale_dirs(results_root):
        for path in sorted((scale_dir / "figures").glob("*_*.csv")):
            frame = read_csv_checked(path, required=FIGURE_REQUIRED, as_text=False)
            data = found.setdefault(split_name(path, papers), FigureData(*split_name(path, papers)))
            data.series[scale_dir.name], data.sources[scale_dir.name] = frame, path
    for key, data in found.items():
        table = tables.get(key)
        if table is None:
            continue
        data.chance = {scale: float(rows.loc[rows["metric"] == CHANCE_METRIC, "value"].median())
                       for scale, rows in table.results.items() if (rows["metric"] == CHANCE_METRIC).any()}
        if data.published is None and not table.published.empty:
            data.published_table = table.published
    return dict(sorted(found.items()))
