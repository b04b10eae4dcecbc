"""Figure series in one long format, so the report can plot any reproduction's figure from a CSV alone.

`results/<scale>/figures/<paper>_<figure>.csv`: one row per point, columns `panel, series, x, y, x_label,
y_label` plus the optional `seed, run_id, note, x_metric, y_metric`. A reproduction writes the whole figure at once (it is derived
from its runs, which are cached), atomically, keeping the points of seeds other sessions added.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from prunebench.checkpoint import write_text_atomic
from prunebench.results import read_results
from prunebench.shared_files import locked

FIGURE_COLUMNS = ["panel", "series", "x", "y", "x_label", "y_label"]
# x_metric / y_metric: the result metrics a point's axes are, where the figure draws a table's numbers; the report
# then draws the paper's own numbers of those metrics (the published table of the same name) beside ours
OPTIONAL_COLUMNS = ["seed", "run_id", "note", "x_metric", "y_metric"]


def validate_series(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=None if rows else FIGURE_COLUMNS)
    missing = [c for c in FIGURE_COLUMNS if c not in frame.columns]
    extra = [c for c in frame.columns if c not in FIGURE_COLUMNS + OPTIONAL_COLUMNS]
    if missing or extra:
        raise ValueError(f"figure rows do not match the schema: missing {missing}, unexpected {extra}")
    return frame[[c for c in FIGURE_COLUMNS + OPTIONAL_COLUMNS if c in frame.columns]]


def write_series(path: Path, rows: list[dict[str, Any]], results: Path | None = None) -> pd.DataFrame:
    """Replace the figure CSV at `path` with `rows` (validated), atomically. With `results`, the CSV of the table the
    figure draws, the points of every other seed that still has result rows there stay: a session that adds a seed
    adds its points and never removes another seed's (whose rows go when their settings change, and their points
    with them)."""
    frame = validate_series(rows)
    with locked(path):
        if results is not None and Path(path).exists() and "seed" in frame.columns:
            old = pd.read_csv(path)
            recorded = set(read_results(results)["seed"]) - set(frame["seed"])
            if "seed" in old.columns:
                frame = validate_series([*old[old["seed"].isin(recorded)].to_dict("records"), *frame.to_dict("records")])
        write_text_atomic(frame.to_csv(index=False), Path(path))
    return frame
