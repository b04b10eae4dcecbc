"""Published vs reproduced: one judged row per published number, and the paper's table layout.

Row statuses, first matching rule wins:

- not run: no reproduced row at this scale;
- failed run: at least one seed's value is NaN (diverged / failed); failures count in n;
- no published number: a reproduced headline row the paper does not report (sweep cells, extra metrics), or a
  published row whose value is empty (the paper's number is not available; the row keeps its place in the layout);
- <scale>-scale proxy (not comparable): any scale other than "paper"; Δ is shown in parentheses;
- inconclusive: paper scale with fewer than MIN_SEEDS seeds, or the reproduced mean's 95 % interval straddles an
  edge of the acceptance band;
- reproduced / outside tolerance: paper scale, the reproduced mean's 95 % Student-t interval lies inside the band
  published ± max(tolerance, the paper's own ±) or wholly outside it. The tolerance follows the published number's
  `unit` (`TOLERANCES`): 1 percentage point for %, 2 % of the published value for ratios (×: speedup,
  compression), half a unit of the last digit printed in the published CSV for sizes in M / G (a base model's
  #params, FLOPs), exact for counts, epochs, runs and 0/1 flags. The seeds' spread widens the interval, never the
  band: a noisier reproduction is harder to call reproduced, not easier.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from prunebench.cells import split_cell
from prunebench.evidence import MIN_SEEDS, Interval

HEADLINE_METRICS = (
    "top1_trained", "top5_trained", "top1_hardprune", "top5_hardprune", "top1_start_hardprune",
    "compression_nonbias", "epochs",
)
PAPER_SCALE = "paper"
REPRODUCED, OUTSIDE, NO_PUBLISHED, FAILED = "reproduced", "outside tolerance", "no published number", "failed run"
TOO_FEW, STRADDLES = f"inconclusive: n < {MIN_SEEDS}", "inconclusive: the interval straddles the tolerance"
PAPER_STD_SUFFIX = "_std"  # a published CSV gives the paper's ± of a metric as the metric `<metric>_std`
ROW_NOT_RUN = "not run"
PERCENT_POINTS = 1.0  # minimum tolerance for % metrics, in percentage points
RATIO_RELATIVE = 0.02  # minimum tolerance for × metrics, relative to the published value
EPS = 1e-9  # float noise when comparing |Δ| with a tolerance
DASH = "—"
WIDE = 12  # more published (method, metric) columns than this: the table is shown transposed
PRINT_COLUMNS = 5  # at most this many published columns side by side on a PDF page (A4 landscape)
BOTH = "both"  # a published number shared by every method of its cell (epochs, compression)

TOLERANCE_RULE = (
    f"Judged at paper scale only, on ≥ {MIN_SEEDS} seeds: reproduced when the 95 % interval of the reproduced mean "
    "lies inside published ± max(tolerance, the paper's own ±), outside when it lies wholly outside, inconclusive "
    "otherwise. Tolerance by the published number's unit: 1.00 percentage point for %; 2 % of the published value "
    "for × (speedup, compression); half a unit of the last printed digit for sizes in M / G; exact for counts, "
    "epochs, runs and 0/1 flags. The seeds' spread widens the interval, never the band. "
    "Δ = reproduced mean − published; a Δ in parentheses is shown for information and not judged."
)


def _exact(published: float, printed: str) -> float:
    return 0.0


def _printed_precision(published: float, printed: str) -> float:
    """Half a unit of the last decimal the published CSV prints (a size printed as 0.8530M: ±5e-5, trailing zero
    kept)."""
    decimals = printed.strip().partition(".")[2]
    return 0.5 * 10 ** -len(decimals)


TOLERANCES: dict[str, Callable[[float, str], float]] = {  # published unit -> (published, its text) -> |Δ| allowed
    "%": lambda published, printed: PERCENT_POINTS,
    "x": lambda published, printed: RATIO_RELATIVE * abs(published),
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
    printed: str = ""  # the published number as its CSV prints it (its last digit sets a size's tolerance)
    paper_std: float | None = None  # the paper's own ± of the number, where it prints one
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


def tolerance(unit: str, published: float, printed: str = "") -> float:
    try:
        rule = TOLERANCES[unit]
    except KeyError:
        raise ValueError(f"published unit {unit!r} has no tolerance rule; known units: {sorted(TOLERANCES)}") from None
    return rule(published, printed or repr(float(published)))


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
        row.tolerance = max(tolerance(row.unit, row.published, row.printed), row.paper_std or 0.0)
        row.status = acceptance(Interval.of(row.ok), row.published, row.tolerance)
    return row


def acceptance(interval: Interval, published: float, band: float) -> str:
    """Where the reproduced mean's interval lies against published ± band."""
    if interval.n < MIN_SEEDS:
        return TOO_FEW
    low, high = (interval.mean, interval.mean) if interval.std == 0 else (interval.low, interval.high)
    if published - band - EPS <= low and high <= published + band + EPS:
        return REPRODUCED
    if high < published - band - EPS or low > published + band + EPS:
        return OUTSIDE
    return STRADDLES


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
    paper_std = {(str(r.cell), str(r.method), str(r.metric)[:-len(PAPER_STD_SUFFIX)]): published_number(r.value)
                 for r in pub.itertuples() if str(r.metric).endswith(PAPER_STD_SUFFIX)}
    rows: list[Row] = []
    used: set[tuple[str, str, str]] = set()
    for p in pub.itertuples():
        cell, method, metric, value = str(p.cell), str(p.method), str(p.metric), published_number(p.value)
        key, column, unit = (cell, method, metric), (method, metric), str(p.unit)
        printed = {"printed": str(getattr(p, "value_text", "") or ""), "paper_std": paper_std.get(key)}
        if key in groups or method != BOTH:
            rows.append(Row(cell, method, metric, value, groups.get(key), scale, column, unit, **printed))
            used.add(key)
            continue
        shared = [k for k in groups if k[0] == cell and k[2] == metric and k not in pub_keys]
        for k in shared:
            rows.append(Row(cell, k[1], metric, value, groups[k], scale, column, unit, **printed))
            used.add(k)
        if not shared:
            rows.append(Row(cell, method, metric, value, None, scale, column, unit, **printed))
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

    def parts(self, width: int) -> list[Matrix]:
        """The matrix in pieces of at most `width` printed columns (its columns, or its cells where it is transposed),
        each with the same entries: a page prints every column instead of cutting the right edge off."""
        if self.transposed:
            return [Matrix(self.columns, self.cells[i : i + width], self.entries) for i in range(0, len(self.cells), width)]
        return [Matrix(self.columns[i : i + width], self.cells, self.entries) for i in range(0, len(self.columns), width)]

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


def spread(std: float, mean: float) -> float:
    """A spread of seeds that agree to the last bits of a float (e.g. a parameter count's percentage) is 0, not
    "8.7e-15"."""
    return 0.0 if std <= 1e-9 * max(1.0, abs(mean)) else std


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
    return f"{number(row.mean)} ± {number(spread(row.std, row.mean))} ({count})"


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
