"""Figure series in one long format, so the report can plot any reproduction's figure from a CSV alone.

`results/<scale>/figures/<paper>_<figure>.csv`: one row per point, columns `panel, series, x, y, x_label,
y_label` plus the optional `seed, run_id, note`. A reproduction writes the whole figure at once (it is derived
from its runs, which are cached), atomically.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from prunebench.checkpoint import write_text_atomic

FIGURE_COLUMNS = ["panel", "series", "x", "y", "x_label", "y_label"]
OPTIONAL_COLUMNS = ["seed", "run_id", "note"]


def validate_series(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=None if rows else FIGURE_COLUMNS)
    missing = [c for c in FIGURE_COLUMNS if c not in frame.columns]
    extra = [c for c in frame.columns if c not in FIGURE_COLUMNS + OPTIONAL_COLUMNS]
    if missing or extra:
        raise ValueError(f"figure rows do not match the schema: missing {missing}, unexpected {extra}")
    return frame[[c for c in FIGURE_COLUMNS + OPTIONAL_COLUMNS if c in frame.columns]]


def write_series(path: Path, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Replace the figure CSV at `path` with `rows` (validated), atomically."""
    frame = validate_series(rows)
    write_text_atomic(frame.to_csv(index=False), Path(path))
    return frame
