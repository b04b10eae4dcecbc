"""The minimal report: published vs reproduced numbers and the papers' claims, built from CSVs only.

    python -m prunebench.report [--results results] [--out report/build]

Reads every `reproductions/published/<paper>_<table>.csv` and every `results/<scale>/<paper>_<table>.csv`,
writes `report.md` (Markdown) and `index.html` (the same tables as plain HTML, no external assets) and
prints the Markdown. Nothing is trained or loaded here: a row of the report is a pure function of the CSVs.

Per (paper, table) there is one comparison table per scale with results (or one "not run" table with the
published numbers when nothing ran) and one claims table. Row statuses, first matching rule wins:

- not run: no reproduced row at this scale;
- failed run: at least one seed's value is NaN (diverged / failed); failures count in n;
- no published number: a reproduced headline row the paper does not report (sweep cells, extra metrics);
- <scale>-scale proxy (not comparable): any scale other than "paper"; Δ is shown in parentheses;
- reproduced / outside tolerance: paper scale, |Δ| <= tolerance or not, where the tolerance is
  max(1 percentage point, 2·std over seeds) for % metrics, 2 % of the published value for `compression`
  and exact equality for `epochs`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.util
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from prunebench.claims import NOT_RUN, Claim, evaluate_claims
from prunebench.paths import PROJECT_ROOT, PUBLISHED, REPORT_BUILD, RESULTS
from prunebench.results import git_sha, read_results
from prunebench.scales import SCALES

HEADLINE_METRICS = (
    "top1_baseline", "top5_baseline", "top1_hardprune", "top5_hardprune", "top1_oneshot_magnitude",
    "compression", "epochs",
)
PAPER_SCALE = "paper"
REPRODUCED, OUTSIDE, NO_PUBLISHED, FAILED = "reproduced", "outside tolerance", "no published number", "failed run"
ROW_NOT_RUN = "not run"
PERCENT_POINTS = 1.0  # minimum tolerance for % metrics, in percentage points
COMPRESSION_RELATIVE = 0.02
EPS = 1e-9  # float noise when comparing |Δ| with a tolerance
DASH = "—"

LEGEND = (
    "Statuses: **reproduced** = paper scale, |Δ| within tolerance · **outside tolerance** = paper scale, |Δ| beyond it · "
    "**quick/smoke-scale proxy (not comparable)** = reduced-scale run, never a reproduction of the paper's number · "
    "**no published number** = reproduced row the paper does not report · **failed run** = at least one seed gave NaN · "
    "**not run** = no result at that scale."
)
TOLERANCE_RULE = (
    "Tolerance (judged at paper scale only): |Δ| ≤ max(1.00 percentage point, 2·std over seeds) for % metrics; "
    "≤ 2 % of the published value for `compression`; exact for `epochs`. "
    "Δ = reproduced mean − published; a Δ in parentheses is shown for information and not judged."
)
COLUMNS = ["cell", "method", "metric", "published", "reproduced", "Δ", "scale", "status"]
ALIGN = ["l", "l", "l", "r", "r", "r", "l", "l"]
CLAIM_COLUMNS = ["id", "statement", "scale", "verdict", "evidence"]

ClaimsRegistry = dict[tuple[str, str], list[Claim]]


def proxy_status(scale: str) -> str:
    return f"{scale}-scale proxy (not comparable)"


def command(paper: str, table: str, scale: str) -> str:
    return f"make reproduce-{paper}-{table} SCALE={scale}"


# ---------------------------------------------------------------- discovery


@dataclass
class Reproduction:
    paper: str
    table: str
    published: pd.DataFrame
    results: dict[str, pd.DataFrame] = field(default_factory=dict)  # scale -> long results frame
    sources: dict[str, Path] = field(default_factory=dict)  # "published" / scale -> CSV path


def _key_of(path: Path, frame: pd.DataFrame) -> tuple[str, str]:
    """(paper, table) from the CSV's own columns, else from '<paper>_<table>.csv'."""
    if not frame.empty and {"paper", "table"} <= set(frame.columns):
        return str(frame["paper"].iloc[0]), str(frame["table"].iloc[0])
    paper, _, table = path.stem.rpartition("_")
    return (paper, table) if paper else (path.stem, "")


def scale_order(scales: Sequence[str]) -> list[str]:
    """paper first, then the registered scales, then any other folder name, alphabetically."""
    known = SCALES.names()
    return sorted(set(scales), key=lambda s: (s != PAPER_SCALE, s not in known, s))


def discover(results_root: Path, published_root: Path) -> dict[tuple[str, str], Reproduction]:
    found: dict[tuple[str, str], Reproduction] = {}
    for path in sorted(Path(published_root).glob("*_*.csv")):
        frame = pd.read_csv(path)
        key = _key_of(path, frame)
        found[key] = Reproduction(*key, published=frame, sources={"published": path})
    results_root = Path(results_root)
    scale_dirs = [d for d in results_root.iterdir() if d.is_dir()] if results_root.is_dir() else []
    for scale_dir in sorted(scale_dirs, key=lambda d: d.name):
        for path in sorted(scale_dir.glob("*_*.csv")):
            frame = read_results(path)
            key = _key_of(path, frame)
            if key not in found:
                found[key] = Reproduction(*key, published=pd.DataFrame(columns=["cell", "method", "metric", "value", "unit"]))
            if not frame.empty:
                found[key].results[scale_dir.name] = frame
                found[key].sources[scale_dir.name] = path
    return dict(sorted(found.items()))


def load_claims(paper: str, table: str, claims: ClaimsRegistry | None = None) -> list[Claim] | None:
    """The reproduction's claims: from `claims` when given, else `reproductions.<paper>.<table>.CLAIMS`
    imported lazily (None: no such module or no CLAIMS attribute)."""
    if claims is not None:
        return claims.get((paper, table))
    if importlib.util.find_spec("reproductions") is None and str(PROJECT_ROOT) not in sys.path:
        sys.path.append(str(PROJECT_ROOT))
    name = f"reproductions.{paper}.{table}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name in {"reproductions", f"reproductions.{paper}", name}:
            return None
        raise
    found = getattr(module, "CLAIMS", None)
    return list(found) if found is not None else None


# ---------------------------------------------------------------- comparison rows


@dataclass
class Row:
    cell: str
    method: str
    metric: str
    published: float | None
    values: list[float] | None  # one value per run (seed); None: not run
    scale: str
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


def tolerance(metric: str, published: float, std: float) -> float:
    if metric == "epochs":
        return 0.0
    if metric == "compression":
        return COMPRESSION_RELATIVE * abs(published)
    return max(PERCENT_POINTS, 2 * std if not math.isnan(std) else 0.0)


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
        row.tolerance = tolerance(row.metric, row.published, row.std)
        row.status = REPRODUCED if abs(row.delta) <= row.tolerance + EPS else OUTSIDE
    return row


def _cell_order(cell: str, base_rank: dict[str, int]) -> tuple:
    base, _, suffix = cell.partition("~")
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
        cell, method, metric, value = str(p.cell), str(p.method), str(p.metric), float(p.value)
        key = (cell, method, metric)
        if key in groups or method != "both":
            rows.append(Row(cell, method, metric, value, groups.get(key), scale))
            used.add(key)
            continue
        shared = [k for k in groups if k[0] == cell and k[2] == metric and k not in pub_keys]
        for k in shared:
            rows.append(Row(cell, k[1], metric, value, groups[k], scale))
            used.add(k)
        if not shared:
            rows.append(Row(cell, method, metric, value, None, scale))
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


# ---------------------------------------------------------------- formatting


def fmt(x: float | None) -> str:
    return DASH if x is None or math.isnan(x) else f"{x:.2f}"


def fmt_reproduced(row: Row) -> str:
    if row.values is None:
        return DASH
    n, failed, ok = len(row.values), row.failed, row.ok
    if not ok:
        return f"all failed (n={n})"
    count = f"n={n}" + (f", {failed} failed" if failed else "")
    if len(ok) == 1:
        return f"{ok[0]:.2f} ({count})"
    return f"{row.mean:.2f} ± {row.std:.2f} ({count})"


def fmt_delta(row: Row) -> str:
    if row.delta is None:
        return DASH
    text = f"{row.delta:+.2f}"
    return text if row.status in (REPRODUCED, OUTSIDE) else f"({text})"


def row_cells(row: Row) -> list[str]:
    return [row.cell, row.method, row.metric, fmt(row.published), fmt_reproduced(row), fmt_delta(row),
            row.scale, row.status]


@dataclass
class Block:
    """One titled table with notes above and below; rendered to Markdown and to HTML alike."""

    title: str
    headers: list[str]
    align: list[str]
    rows: list[list[str]]
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    empty: str = ""  # said instead of the table when there are no rows


@dataclass
class Section:
    title: str
    intro: list[str]
    blocks: list[Block]


def provenance(frame: pd.DataFrame) -> str:
    runs = frame.drop_duplicates("run_id")
    wall = pd.to_numeric(runs["wall_seconds"], errors="coerce").sum()
    devices = ", ".join(sorted(map(str, frame["device"].dropna().unique()))) or "unknown"
    shas = ", ".join(sorted(map(str, frame["git_sha"].dropna().unique()))) or "unknown"
    return f"Provenance: {len(runs)} run(s), {wall:.2f} wall-seconds in total; device(s): {devices}; git sha(s): {shas}."


def scale_description(scale: str) -> str:
    return SCALES.get(scale).description if scale in SCALES else "not a registered scale"


def status_counts(rows: list[Row]) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    return "Status counts: " + " · ".join(f"{s} {n}" for s, n in counts.items()) + "."


def comparison_block(rep: Reproduction, scale: str | None) -> Block:
    frame = rep.results.get(scale) if scale else None
    rows = comparison_rows(rep.published, frame, scale or DASH)
    if scale is None:
        scales = "|".join(scale_order(SCALES.names()))
        before = [f"No results at any scale. Command: `{command(rep.paper, rep.table, scales)}`."]
        title = "Published numbers (not run at any scale)"
    else:
        before = [
            f"Scale `{scale}`: {scale_description(scale)}.",
            f"Command: `{command(rep.paper, rep.table, scale)}`; results: `{rep.sources[scale]}`.",
            provenance(frame),
        ]
        title = f"Scale: {scale}"
    after = [TOLERANCE_RULE, status_counts(rows)] if rows else [TOLERANCE_RULE]
    return Block(title, COLUMNS, ALIGN, [row_cells(r) for r in rows], before, after,
                 empty="No published numbers and no headline rows.")


def claims_block(rep: Reproduction, claims: list[Claim] | None) -> Block:
    title = "Claims"
    if not claims:
        return Block(title, CLAIM_COLUMNS, ["l"] * 5, [],
                     empty=f"No claims registered for {rep.paper} {rep.table} "
                           f"(no `reproductions.{rep.paper}.{rep.table}.CLAIMS`).")
    scales = scale_order([*SCALES.names(), *rep.results])
    verdicts = {s: evaluate_claims(claims, rep.results[s]) for s in scales if s in rep.results}
    missing = [s for s in scales if s not in verdicts]
    rows = []
    for i, claim in enumerate(claims):
        for s, judged in verdicts.items():
            verdict = judged[i][1]
            rows.append([claim.id, claim.statement, s, verdict.status, verdict.evidence])
        if missing:
            rows.append([claim.id, claim.statement, ", ".join(missing), NOT_RUN, "no results at this scale"])
    after = ["Claims are judged on the results CSV of each scale alone (sweep cells count with their published "
             "cell); a verdict at quick or smoke scale is about the proxy runs, not the paper's setting."]
    return Block(title, CLAIM_COLUMNS, ["l"] * 5, rows, after=after)


def section(rep: Reproduction, claims: list[Claim] | None) -> Section:
    intro = []
    if "published" in rep.sources:
        intro.append(f"Published numbers: `{rep.sources['published'].name}`"
                     + (f" ({'; '.join(sorted(map(str, rep.published['source'].dropna().unique())))})"
                        if "source" in rep.published.columns and not rep.published.empty else "") + ".")
    else:
        intro.append("No published numbers for this table.")
    scales = scale_order(list(rep.results))
    blocks = [comparison_block(rep, s) for s in scales] or [comparison_block(rep, None)]
    return Section(f"{rep.paper} · {rep.table}", intro, [*blocks, claims_block(rep, claims)])


# ---------------------------------------------------------------- rendering


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: list[str], align: list[str], rows: list[list[str]]) -> list[str]:
    cells = [[_md_escape(c) for c in r] for r in [headers, *rows]]
    widths = [max(3, *(len(r[i]) for r in cells)) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(r, widths, align, strict=True)) + " |"

    rule = "| " + " | ".join("-" * (w - 1) + ":" if a == "r" else "-" * w for w, a in zip(widths, align, strict=True)) + " |"
    return [line(cells[0]), rule, *(line(r) for r in cells[1:])]


def render_markdown(header: list[str], sections: list[Section]) -> str:
    out = ["# prunebench reproduction report", ""]
    for line in header:
        out += [line, ""]
    for sec in sections:
        out += [f"## {sec.title}", "", *sec.intro, ""]
        for block in sec.blocks:
            out += [f"### {block.title}", ""]
            if block.before:
                out += ["  \n".join(block.before), ""]
            out += [*markdown_table(block.headers, block.align, block.rows), ""] if block.rows else [block.empty, ""]
            if block.after:
                out += ["  \n".join(block.after), ""]
    return "\n".join(out).rstrip() + "\n"


HTML_SOURCE = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>prunebench reproduction report</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:110em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #bbb;padding:.2em .5em;vertical-align:top}
th{background:#eee}
td.r{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
p.note{color:#444;font-size:.9em;margin:.2em 0}
</style></head><body>
<h1>prunebench reproduction report</h1>
{% for line in header %}<p>{{ line | md }}</p>
{% endfor %}
{% for sec in sections %}<h2>{{ sec.title }}</h2>
{% for line in sec.intro %}<p>{{ line | md }}</p>
{% endfor %}
{% for block in sec.blocks %}<h3>{{ block.title }}</h3>
{% for line in block.before %}<p class="note">{{ line | md }}</p>
{% endfor %}
{% if block.rows %}<table>
<tr>{% for h in block.headers %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in block.rows %}<tr>{% for c in row %}<td class="{{ block.align[loop.index0] }}">{{ c }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% else %}<p>{{ block.empty | md }}</p>
{% endif %}
{% for line in block.after %}<p class="note">{{ line | md }}</p>
{% endfor %}
{% endfor %}
{% endfor %}
</body></html>
"""
)


def _inline_md(text: str) -> Markup:
    """The little Markdown the notes use: `code` and **bold**, after escaping."""
    escaped = str(escape(text))
    parts = escaped.split("`")
    escaped = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    parts = escaped.split("**")
    escaped = "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))
    return Markup(escaped)


_ENV = jinja2.Environment(autoescape=True)
_ENV.filters["md"] = _inline_md
HTML_TEMPLATE = _ENV.from_string(HTML_SOURCE)


def render_html(header: list[str], sections: list[Section]) -> str:
    return HTML_TEMPLATE.render(header=header, sections=sections)


# ---------------------------------------------------------------- entry points


def build_report(
    results_root: Path = RESULTS,
    out_dir: Path = REPORT_BUILD,
    published_root: Path = PUBLISHED,
    claims: ClaimsRegistry | None = None,
) -> Path:
    """Write `out_dir/report.md` and `out_dir/index.html`; return the Markdown path.

    `claims` maps (paper, table) to that reproduction's claims; None imports
    `reproductions.<paper>.<table>.CLAIMS` for each reproduction found (missing module: no claims)."""
    reproductions = discover(Path(results_root), Path(published_root))
    sections = [section(rep, load_claims(rep.paper, rep.table, claims)) for rep in reproductions.values()]
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    header = [
        f"Generated {now} at git sha `{git_sha()}` from `{results_root}` and `{published_root}`.",
        LEGEND,
    ]
    if not sections:
        header.append("No published numbers and no results found.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path = out_dir / "report.md"
    md_path.write_text(render_markdown(header, sections), encoding="utf-8")
    (out_dir / "index.html").write_text(render_html(header, sections), encoding="utf-8")
    return md_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m prunebench.report",
        description="Build the Markdown + HTML report (published vs reproduced numbers, claims) from the CSVs.",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="results folder, one sub-folder per scale")
    parser.add_argument("--out", type=Path, default=REPORT_BUILD, help="where report.md and index.html go")
    parser.add_argument("--published", type=Path, default=PUBLISHED, help="folder of published <paper>_<table>.csv")
    args = parser.parse_args(argv)
    path = build_report(args.results, args.out, args.published)
    sys.stdout.write(path.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
