"""Reading the CSV and JSON files prunebench wrote (or a person edited): every problem is one `DataFileError`
naming the file, and the line where there is one, instead of a number that is silently wrong.

prunebench writes every file atomically and always ends it with a newline, so a file that ends inside a line was
cut (a copy interrupted, a disk that filled up): that last line is left out with a warning and the next write of
the file drops it for good; everything else that is wrong is an error.
"""
from __future__ import annotations

import io
import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd


class DataFileError(ValueError):
    """A results, published, verdict or metadata file cannot be trusted as it is."""


def line_of(index: int) -> int:
    """The file line of a frame's row `index` (line 1 is the header)."""
    return int(index) + 2


def empty(path: Path) -> DataFileError:
    return DataFileError(f"{path} is empty (0 rows, no header); delete it or restore it")


def header(path: Path) -> list[str]:
    """A CSV's column names, from its first line alone."""
    try:
        return list(pd.read_csv(path, nrows=0).columns)
    except pd.errors.EmptyDataError:
        raise empty(path) from None


def read_csv_checked(
    path: Path, columns: list[str] | None = None, required: set[str] | None = None, written_by_us: bool = True,
    as_text: bool = True,
) -> pd.DataFrame:
    """Every cell as text (or with pandas' own types where not `as_text`); `columns`: the exact header expected,
    `required`: columns that must be there. Only in a file prunebench wrote (`written_by_us`) is a missing final
    newline proof of a cut line; a hand-edited file (a published table) may simply lack it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataFileError(f"{path} is not a UTF-8 text file") from None
    if not text.strip():
        raise empty(path)
    if written_by_us and not text.endswith("\n"):
        cut = text.count("\n") + 1
        warnings.warn(f"{path}: line {cut} is cut short (the file ends inside it); that row is left out", stacklevel=2)
        text = text[: text.rfind("\n") + 1]
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False) if as_text else pd.read_csv(io.StringIO(text))
    except pd.errors.ParserError as error:
        raise DataFileError(f"{path} is not a well-formed CSV: {error}") from None
    header = list(frame.columns)
    if columns is not None and header != columns:
        missing = [c for c in columns if c not in header]
        unexpected = [c for c in header if c not in columns]
        detail = f"missing {missing}, unexpected {unexpected}" if missing or unexpected else "columns out of order"
        raise DataFileError(f"{path} does not have the expected header ({detail}); expected: {','.join(columns)}")
    if required is not None and not required <= set(header):
        raise DataFileError(f"{path} lacks the column(s) {sorted(required - set(header))}")
    return frame


def numeric_column(path: Path, frame: pd.DataFrame, column: str, empty_ok: bool = True) -> pd.Series:
    """`column` as floats; an empty cell is NaN where `empty_ok`, any other non-number is an error at its line."""
    text = frame[column].str.strip()
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() & ~(text.str.lower().isin(["nan"]) | ((text == "") & empty_ok))
    if bad.any():
        first = bad.idxmax()
        raise DataFileError(f"{path} line {line_of(first)}: {column} = {frame.at[first, column]!r} is not a number")
    return values.astype(float)


def no_duplicate_keys(path: Path, frame: pd.DataFrame, key: list[str]) -> None:
    duplicated = frame[frame.duplicated(key, keep=False)]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        lines = [line_of(i) for i in duplicated.index[(duplicated[key] == first[key]).all(axis=1)]]
        what = ", ".join(f"{k}={first[k]}" for k in key)
        raise DataFileError(f"{path} lines {', '.join(map(str, lines))} repeat the same row key ({what}); keep one")


def read_json_checked(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path} is not valid JSON ({error}); delete it and it is written again") from None
