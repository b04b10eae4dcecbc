"""Published vs reproduced: one judged row per published number, and the paper's table layout.

Row statuses, first matching rule wins:

- not run: no reproduced row at this scale;
- failed run: at least one seed's value is NaN (diverged / failed); failures count in n;
- no published number: a reproduced headline row the paper does not report (sweep cells, extra metrics), or a
  published row whose value is empty (the paper's number is not available; the row keeps its place in the layout);
- <scale>-scale proxy (not comparable): any scale other than "paper"; Δ is shown in parentheses;
- reproduced / outside tolerance: paper scale, |Δ| <= tolerance or not, where the tolerance follows the
  published number's `unit` (`TOLERANCES`): max(1 percentage point, 2·std over seeds) for %, max(2 % of the
  published value, 2·std) for ratios (×: speedup, compression), half a unit of the last printed digit for sizes
  in M / G (a base model's #params, FLOPs), exact for counts, epochs, runs and 0/1 flags.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from prunebench.cells import split_cell

HEADLINE_METRICS = (
    "top1_baseline", "top5_baseline", "top1_hardprune", "top5_hardprune", "top1_oneshot_magnitude",
    "compression", "epochs",
)
PAPER_SCALE = "paper"
REPRODUCED, OUTSIDE, NO_PUBLISHED, FAILED = "reproduced", "outside tolerance", "no published number", "failed run"
ROW_NOT_RUN = "not run"
PERCENT_POINTS = 1.0  # minimum tolerance for % metrics, in percentage points
RATIO_RELATIVE = 0.02  # minimum tolerance for × metrics, relative to the published value
EPS = 1e-9  # float noise when comparing |Δ| with a tolerance
DASH = "—"
WIDE = 12  # more published (method, metric) columns than this: the table is shown transposed
BOTH = "both"  # a published number shared by every method of its cell (epochs, compression)

TOLERANCE_RULE = (
    "Tolerance (judged at paper scale only), by the published number's unit: |Δ| ≤ max(1.00 percentage point, "
    "2·std over seeds) for %; ≤ max(2 % of the published value, 2·std) for × (speedup, compression); half a unit "
    "of the last printed digit for sizes in M / G; exact for counts, epochs, runs and 0/1 flags. "
    "Δ = reproduced mean − published; a Δ in parentheses is shown for information and not judged."
)


def _exact(published: float, std: float) -> float:
    return 0.0


def _spread(std: float) -> float:
    return 2 * std if not math.isnan(std) else 0.0


def _printed_precision(published: float, std: float) -> float:
    """Half a unit of the published number's last decimal (a size printed as 0.8530M, 3.66G)."""
    decimals = repr(float(published)).partition(".")[2]
    return 0.5 * 10 ** -len(decimals.rstrip("0") or "")


TOLERANCES: dict[str, Callable[[float, float], float]] = {  # published unit -> (published, std over seeds) -> |Δ| allowed
    "%": lambda published, std: max(PERCENT_POINTS, _spread(std)),
    "x": lambda published, std: max(RATIO_RELATIVE * abs(published), _spread(std)),
    "M": _printed_precision,  # millions (a base model's #params)
    "G": _printed_precision,  # billions (a base model's FLOPs)
    "epochs": _exact,
    "count": _exact,
    "runs": _exact,
    "0/1": _exact,
}


def proxy_status(scale: str) -> str:
    return f"{scale}-scale proxy (not comparable)"


@dataclass
class Row:
    cell: str
    method: str
    metric: str
    published: float | None
    values: list[float] | None  # one value per run (seed); None: not run
    scale: str
    column: tuple[str, str] | None = None  # the published (method, metric) it is set beside; None: not in the published CSV
    unit: str = ""  # the published number's unit, which picks its tolerance
    status: str = ""
    delta: float | None = None
    tolerance: float | None = None

    @property
    def ok(self) -> list[float]:
        return [v for v in self.values or [] if not math.isnan(v)]

    @property
    def failed(self) -> int:
        return sum(math.isnan(v) for v in self.values or [])

    @property
    def mean(self) -> float:
        return sum(self.ok) / len(self.ok) if self.ok else math.nan

    @property
    def std(self) -> float:
        """Sample std (ddof=1), as `prunebench.claims`; NaN with fewer than two successful seeds."""
        ok = self.ok
        if len(ok) < 2:
            return math.nan
        m = sum(ok) / len(ok)
        return math.sqrt(sum((v - m) ** 2 for v in ok) / (len(ok) - 1))


def tolerance(unit: str, published: float, std: float) -> float:
    try:
        rule = TOLERANCES[unit]
    except KeyError:
        raise ValueError(f"published unit {unit!r} has no tolerance rule; known units: {sorted(TOLERANCES)}") from None
    return rule(published, std)


def judge(row: Row) -> Row:
    """Fill status, Δ and tolerance (see the module docstring for the rules)."""
    if row.values is None:
        row.status = ROW_NOT_RUN
        return row
    if row.published is not None and row.ok:
        row.delta = row.mean - row.published
    if row.failed:
        row.status = FAILED
    elif row.published is None:
        row.status = NO_PUBLISHED
    elif row.scale != PAPER_SCALE:
        row.status = proxy_status(row.scale)
    else:
        row.tolerance = tolerance(row.unit, row.published, row.std)
        row.status = REPRODUCED if abs(row.delta) <= row.tolerance + EPS else OUTSIDE
    return row


def published_number(value: object) -> float | None:
    """A published CSV's value; empty (NaN once pandas reads it) means the paper gives no number there."""
    if pd.isna(value) or not str(value).strip():
        return None
    return float(value)


def _cell_order(cell: str, base_rank: dict[str, int]) -> tuple:
    base, suffix = split_cell(cell)
    rank = base_rank.setdefault(base, len(base_rank))
    if not suffix:
        return (rank, 0, 0.0, "")
    try:
        ratio = float(suffix.lstrip("p"))
    except ValueError:
        ratio = math.inf
    return (rank, 1, ratio, suffix)


def comparison_rows(published: pd.DataFrame, results: pd.DataFrame | None, scale: str) -> list[Row]:
    """One row per published number (cell, method, metric) plus the reproduced headline rows that have none.

    A published method "both" (e.g. the epochs or compression shared by SLR and ADMM) is compared with
    every reproduced method of that cell that reports the metric and has no published number of its own."""
    groups: dict[tuple[str, str, str], list[float]] = {}
    if results is not None and not results.empty:
        values = pd.to_numeric(results["value"], errors="coerce")
        for key, vals in values.groupby([results["cell"], results["method"], results["metric"]], sort=False):
            groups[tuple(map(str, key))] = [float(v) for v in vals]
    pub = published.drop_duplicates(["cell", "method", "metric"]) if not published.empty else published
    pub_keys = {(str(r.cell), str(r.method), str(r.metric)) for r in pub.itertuples()}
    rows: list[Row] = []
    used: set[tuple[str, str, str]] = set()
    for p in pub.itertuples():
        cell, method, metric, value = str(p.cell), str(p.method), str(p.metric), published_number(p.value)
        key, column, unit = (cell, method, metric), (method, metric), str(p.unit)
        if key in groups or method != BOTH:
            rows.append(Row(cell, method, metric, value, groups.get(key), scale, column, unit))
            used.add(key)
            continue
        shared = [k for k in groups if k[0] == cell and k[2] == metric and k not in pub_keys]
        for k in shared:
            rows.append(Row(cell, k[1], metric, value, groups[k], scale, column, unit))
            used.add(k)
        if not shared:
            rows.append(Row(cell, method, metric, value, None, scale, column, unit))
    for key, vals in groups.items():
        if key not in used and key[2] in HEADLINE_METRICS:
            rows.append(Row(*key, None, vals, scale))
    base_rank: dict[str, int] = {}
    for cell in [*map(str, pub["cell"]), *(k[0] for k in groups)]:
        _cell_order(cell, base_rank)
    method_rank: dict[str, int] = {}
    for m in [*map(str, pub["method"]), *(k[1] for k in groups)]:
        method_rank.setdefault(m, len(method_rank))
    metric_rank = {m: i for i, m in enumerate(HEADLINE_METRICS)}
    rows.sort(key=lambda r: (_cell_order(r.cell, base_rank), method_rank.get(r.method, len(method_rank)),
                             metric_rank.get(r.metric, len(metric_rank)), r.metric))
    return [judge(r) for r in rows]


# ---------------------------------------------------------------- the paper's layout


@dataclass
class Matrix:
    """The published table's shape: a row per published cell, a column per published (method, metric);
    each entry holds the judged rows set beside that published number (several for a "both" column)."""

    columns: list[tuple[str, str]]
    cells: list[str]
    entries: dict[tuple[str, tuple[str, str]], list[Row]] = field(default_factory=dict)
    unpublished: list[Row] = field(default_factory=list)  # reproduced rows without a published number

    def entry(self, cell: str, column: tuple[str, str]) -> list[Row]:
        return self.entries.get((cell, column), [])

    @property
    def transposed(self) -> bool:
        """Many method x metric columns and few cells (e.g. GReg Table 2): a row per column reads better."""
        return len(self.columns) > WIDE and len(self.columns) > len(self.cells)

    @property
    def method_groups(self) -> list[tuple[str, int]]:
        """(method, number of adjacent columns) for the first header row."""
        groups: list[tuple[str, int]] = []
        for method, _ in self.columns:
            if groups and groups[-1][0] == method:
                groups[-1] = (method, groups[-1][1] + 1)
            else:
                groups.append((method, 1))
        return groups


def matrix(rows: list[Row], published: pd.DataFrame) -> Matrix:
    """Arrange judged rows in the paper's layout: columns grouped by method, both in the published CSV's order."""
    order = list(dict.fromkeys(zip(published["method"].astype(str), published["metric"].astype(str), strict=True)))
    methods = list(dict.fromkeys(m for m, _ in order))
    beside = [r for r in rows if r.column is not None]
    columns = sorted(dict.fromkeys(r.column for r in beside), key=lambda c: (methods.index(c[0]), order.index(c)))
    out = Matrix(columns, list(dict.fromkeys(r.cell for r in beside)))
    for r in beside:
        out.entries.setdefault((r.cell, r.column), []).append(r)
    out.unpublished = [r for r in rows if r.column is None]
    return out


# ---------------------------------------------------------------- formatting


def number(x: float, sign: bool = False) -> str:
    """Two decimals, except where they mislead: counts (integral, >= 1000) get thousands separators and no
    decimals ("12,128,560", not "12128560.00"); a non-zero |x| < 0.01 keeps 3 significant digits, not "0.00"."""
    x, plus = float(x), "+" if sign else ""
    if x.is_integer() and abs(x) >= 1000:
        return f"{x:{plus},.0f}"
    if x != 0 and abs(x) < 0.01:
        return f"{x:{plus}.3g}"
    return f"{x:{plus}.2f}"


def fmt(x: float | None) -> str:
    return DASH if x is None or math.isnan(x) else number(x)


def fmt_reproduced(row: Row) -> str:
    if row.values is None:
        return DASH
    n, failed, ok = len(row.values), row.failed, row.ok
    if not ok:
        return f"all failed (n={n})"
    count = f"n={n}" + (f", {failed} failed" if failed else "")
    if len(ok) == 1:
        return f"{number(ok[0])} ({count})"
    return f"{number(row.mean)} ± {number(row.std)} ({count})"


def fmt_delta(row: Row) -> str:
    if row.delta is None:
        return DASH
    text = number(row.delta, sign=True)
    return text if row.status in (REPRODUCED, OUTSIDE) else f"({text})"


def status_counts(rows: list[Row]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts
