"""What the templates show, computed from the discovered CSVs: per paper its tables (per scale: the paper's
layout, provenance), its claims and its figures, plus the nightly regressions."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from prunebench.cells import published_cell
from prunebench.evidence import NOT_RUN, RULE, STATUSES
from prunebench.paths import shown_path
from prunebench.provenance import make_command, scale_differences
from prunebench.report.sources import FigureData, TableData, scale_order
from prunebench.report.tables import (
    DASH,
    FAILED,
    NO_PUBLISHED,
    OUTSIDE,
    REPRODUCED,
    ROW_NOT_RUN,
    STRADDLES,
    TOO_FEW,
    Matrix,
    Row,
    comparison_rows,
    matrix,
    status_counts,
)
from prunebench.reproduction import in_paper_order
from prunebench.scales import SCALES

NOT_JUDGED = "not judged"
CLAIM_NOT_RUN = "not run"


def badge(status: str) -> tuple[str, str]:
    """(css class, short label) of a row status."""
    fixed = {REPRODUCED: ("ok", "reproduced"), OUTSIDE: ("bad", "outside tolerance"), ROW_NOT_RUN: ("na", "not run"),
             NO_PUBLISHED: ("info", "no published number"), FAILED: ("bad", "failed run"),
             TOO_FEW: ("na", TOO_FEW), STRADDLES: ("na", "inconclusive")}
    if status in fixed:
        return fixed[status]
    return "proxy", status.replace(" (not comparable)", "")  # "<scale>-scale proxy"


LONG_TABLE_COLUMNS = 80  # published columns beyond which a table is a download and a figure, not a grid


@dataclass
class ScaleView:
    table_key: str  # <paper>_<table>
    scale: str | None  # None: not run at any scale
    description: str
    rows: list[Row]
    matrix: Matrix
    provenance: list[tuple[str, str]]
    counts: dict[str, int]
    source: str

    @property
    def download(self) -> str | None:
        """Where a table too long to print keeps its comparison (relative to the report), None for the others."""
        return f"tables/{self.table_key}_{self.scale}.csv" if self.too_long else None

    @property
    def too_long(self) -> bool:
        """A per-layer table (gRDA's 54 layers × 2 metrics): a CSV to download and its figure, not pages of grid."""
        return self.scale is not None and len(self.matrix.columns) > LONG_TABLE_COLUMNS and not self.all_not_run

    @property
    def all_not_run(self) -> bool:
        """Every published number of the table lacks a result at this scale: one line says so instead of a grid."""
        return self.scale is not None and bool(self.rows) and all(r.status == ROW_NOT_RUN for r in self.rows)


@dataclass
class VerdictView:
    scale: str
    status: str
    evidence: str
    n: str = ""  # seeds or runs judged ("" where the verdict file predates it)
    interval: str = ""  # 95 % interval of the judged difference(s)
    rule: str = ""
    beside_paper: str = ""  # the interval's half-width beside the paper's own difference (claims.beside_the_paper)

    @property
    def words(self) -> str:
        """The status with its scope ("fails at quick scale"), so a reduced-scale verdict never reads as the paper's."""
        return f"{self.status} at {self.scale} scale" if self.status in STATUSES and self.status != NOT_RUN else self.status


@dataclass
class ClaimView:
    id: str
    statement: str
    verdicts: list[VerdictView]
    source: str = ""  # the paper's words and where
    bound: str = ""  # a threshold chosen here, and why


@dataclass
class TableView:
    paper: str
    table: str
    title: str
    published_source: str
    scales: list[ScaleView]
    claims: list[ClaimView]
    claims_note: str
    figures: list[FigureView] = field(default_factory=list)  # the figures drawn from this table's runs


@dataclass
class FigureView:
    paper: str
    figure: str
    scale: str | None
    image: str  # path relative to the output folder
    sources: str


@dataclass
class PaperView:
    key: str
    title: str
    tables: list[TableView] = field(default_factory=list)
    figures: list[FigureView] = field(default_factory=list)  # figures of no table of the paper's (at its end)

    @property
    def every_figure(self) -> list[FigureView]:
        return [*(f for t in self.tables for f in t.figures), *self.figures]


# ---------------------------------------------------------------- provenance


def _unique(frame: pd.DataFrame, column: str) -> str:
    values = sorted(map(str, frame[column].dropna().unique())) if column in frame.columns else []
    return ", ".join(values) or "unknown"


def _data_differences(data: TableData, frame: pd.DataFrame) -> list[str]:
    """Data sets used vs the published ones, for the published cells that ran."""
    if data.published.empty or "dataset" not in data.published.columns:
        return []
    cells = {published_cell(c) for c in frame["cell"].astype(str)}
    paper = set(map(str, data.published[data.published["cell"].isin(cells)]["dataset"].dropna()))
    ours = set(map(str, frame["dataset"].dropna()))
    if not paper or ours <= paper:
        return []
    return [f"data: {', '.join(sorted(ours))} (paper: {', '.join(sorted(paper))})"]


def reasons_once(differences: list[str]) -> list[str]:
    """Overrides that share a reason ("greg1/2 τ: 80 (paper: 1); <why>", one per option) as one entry: the changes,
    then the reason once. Other entries as they are (a repeated one once), in their order."""
    groups: dict[str, list[str]] = {}  # the reason (or the whole text, where two entries share none) -> texts
    for text in differences:
        groups.setdefault(text.partition("; ")[2] or text, []).append(text)
    return [texts[0] if len(texts) == 1 or why == texts[0] else f"{', '.join(t.partition('; ')[0] for t in texts)}; {why}"
            for why, texts in groups.items()]


def provenance(data: TableData, scale: str) -> list[tuple[str, str]]:
    frame, meta = data.results[scale], data.meta.get(scale, {})
    runs = frame.drop_duplicates("run_id")
    seconds = pd.to_numeric(runs["wall_seconds"], errors="coerce").sum()
    declared = meta.get("differences")
    if declared is None and scale in SCALES:  # results older than the metadata files: the scale's own declaration
        declared = [*scale_differences(SCALES.get(scale)), "(from the scale's declaration: no metadata file)"]
    differences = [*(declared or []), *_data_differences(data, frame)]
    hardware = meta.get("hardware", {})
    machine = ", ".join(f"{k} {v}" for k, v in hardware.items() if k in ("processor", "cpus", "accelerator", "system"))
    versions = f"torch {_unique(frame, 'torch_version')}, prunebench {_unique(frame, 'prunebench_version')}"
    if meta.get("versions"):
        versions += "; session: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    defaults = (f"{SCALES.get(scale).description} (the scale's defaults; what these runs used is on the next line)"
                if scale in SCALES else "not a registered scale")
    out = [
        ("command", f"`{meta.get('command', make_command(data.paper, data.table, scale))}`"),
        ("scale", f"{scale} — {defaults}"),
        ("differs from the paper", "; ".join(reasons_once(differences)) or "none declared"),
        ("hardware", _unique(frame, "device") + (f" ({machine})" if machine else "")),
        ("versions", versions),
        ("git sha", _unique(frame, "git_sha")),
        ("runs", f"{len(runs)} run(s) of {frame['seed'].nunique()} seed(s), finished "
                 f"{frame['finished_at'].min()} … {frame['finished_at'].max()}"),
        ("device-seconds", f"{seconds:.1f} (Σ of each run's wall seconds, one device per run)"),
    ]
    if meta:
        out.append(("wall time", f"{meta.get('session_wall_seconds', math.nan):.1f} s wall for {meta.get('runs')} "
                                    f"run(s) (finished runs are skipped), `{meta.get('argv', '')}`"))
    return out


# ---------------------------------------------------------------- tables, claims


def runs_used(frame: pd.DataFrame) -> str:
    """This table's own settings at a scale, read from its rows (a scale's defaults may not be what a table ran:
    gRDA's and proximal NS's quick recipes are their own): data sets, models, epochs per run, seeds, precision."""
    runs = frame.drop_duplicates("run_id")
    epochs = pd.to_numeric(runs["epochs"], errors="coerce").dropna()
    span = "" if epochs.empty else f"{epochs.min():g}" if epochs.min() == epochs.max() else \
        f"{epochs.min():g}–{epochs.max():g}"
    return "; ".join(part for part in (
        f"data {_unique(runs, 'dataset')}", f"models {_unique(runs, 'model')}",
        f"{span} epochs per run" if span else "", f"{runs['seed'].nunique()} seed(s)",
        f"precision {_unique(runs, 'precision')}" if "precision" in runs.columns else "") if part)


def scale_views(data: TableData) -> list[ScaleView]:
    views = []
    declined = {scale: str(meta["not_run"]) for scale, meta in data.meta.items()
                if meta.get("not_run") and scale not in data.results}
    for scale in scale_order([*data.results, *declined]):
        rows = comparison_rows(data.published, data.results.get(scale), scale)
        description = (runs_used(data.results[scale]) if scale in data.results
                       else SCALES.get(scale).description if scale in SCALES else "not a registered scale")
        if scale in declined:  # the table declares it runs nothing here (`scales.NotRun`): its reason, no provenance
            about = [("command", f"`{data.meta[scale].get('command', make_command(data.paper, data.table, scale))}`"),
                     ("not run at this scale", declined[scale])]
        else:
            about = provenance(data, scale)
        views.append(ScaleView(f"{data.paper}_{data.table}", scale, description, rows, matrix(rows, data.published),
                               about, status_counts(rows),
                               shown_path(data.sources[scale])))
    if not views:
        rows = comparison_rows(data.published, None, DASH)
        views.append(ScaleView(f"{data.paper}_{data.table}", None, "not run at any scale", rows,
                               matrix(rows, data.published), [], status_counts(rows), ""))
    return views


def text(value: object) -> str:
    return "" if pd.isna(value) else str(value)


def claim_views(data: TableData) -> tuple[list[ClaimView], str]:
    if not data.claims:
        return [], (f"No claim verdicts recorded for {data.paper} {data.table} (a reproduction that declares CLAIMS "
                    f"writes results/<scale>/claims/{data.paper}_{data.table}.csv when it runs; "
                    f"`prunebench claims` re-judges existing results).")
    scales = scale_order([*SCALES.names(), *data.results, *data.claims])
    statements: dict[str, str] = {}
    sources: dict[str, tuple[str, str]] = {}
    for frame in data.claims.values():
        statements.update(zip(frame["claim"].astype(str), frame["statement"].astype(str), strict=True))
        for column in ("source", "bound"):
            if column not in frame.columns:  # a verdict file written before claims named their source
                frame[column] = ""
        sources.update((str(r["claim"]), (text(r["source"]), text(r["bound"]))) for _, r in frame.iterrows())
    views = []
    for claim, statement in statements.items():
        verdicts = []
        for scale in scales:
            frame = data.claims.get(scale)
            found = frame[frame["claim"].astype(str) == claim] if frame is not None else pd.DataFrame()
            if not found.empty:
                row = found.iloc[0]
                evidence = str(row["evidence"])
                latest = data.results[scale]["finished_at"].max() if scale in data.results else None
                if latest is not None and str(row["evaluated_at"]) < str(latest):
                    evidence += " [judged before the latest results: run `prunebench claims`]"
                found_in = {k: "" if pd.isna(row.get(k)) else str(row.get(k)) for k in ("n", "interval", "rule", "beside_paper")}
                verdicts.append(VerdictView(scale, str(row["status"]), evidence, **found_in))
            elif scale in data.results:
                verdicts.append(VerdictView(scale, NOT_JUDGED, "results present, no verdict recorded: run `prunebench claims`"))
            else:
                verdicts.append(VerdictView(scale, CLAIM_NOT_RUN, "no results at this scale"))
        views.append(ClaimView(claim, statement, verdicts, *sources.get(claim, ("", ""))))
    note = ("Claims are judged on each scale's results CSV alone (sweep cells count with their published cell); a "
            "verdict at a reduced scale is about the proxy runs, not the paper's setting. The rule: " + RULE + ".")
    return views, note


NO_TITLE = "published numbers only (no reproduction of its own)"  # a table no run's metadata titles


def table_view(data: TableData) -> TableView:
    titles = [m["title"] for m in data.meta.values() if m.get("title")]
    published = data.published
    if "published" in data.sources:
        sources = sorted(map(str, published["source"].dropna().unique())) if "source" in published.columns else []
        source = f"`{data.sources['published'].name}`" + (f" ({'; '.join(sources)})" if sources else "")
    else:
        source = "none (no published numbers for this table)"
    claims, note = claim_views(data)
    return TableView(data.paper, data.table, titles[0] if titles else NO_TITLE if not data.results else f"{data.paper} · {data.table}", source,
                     scale_views(data), claims, note)


def figure_views(data: FigureData) -> list[FigureView]:
    """One drawing per scale with series (the published series beside each); published only if none ran."""
    out = []
    for scale in scale_order(list(data.series)) or [None]:
        name = f"{data.paper}_{data.figure}_{scale or 'published'}.svg"
        used = [shown_path(data.sources[k]) for k in (scale, "published") if k in data.sources]
        out.append(FigureView(data.paper, data.figure, scale, f"figures/{name}", "; ".join(used)))
    return out


def paper_views(tables: dict[tuple[str, str], TableData], figures: dict[tuple[str, str], FigureData],
                drawn: dict[tuple[str, str], list[FigureView]], titles: dict[str, str]) -> list[PaperView]:
    """One view per paper: those of `titles` (the published folder's papers.csv) first, in its order."""
    keys = list(dict.fromkeys([*titles, *(k[0] for k in tables), *(k[0] for k in figures)]))
    papers = {k: PaperView(k, titles.get(k, k)) for k in keys}
    for (paper, _), data in sorted(tables.items(), key=lambda item: in_paper_order(item[0][1])):
        papers[paper].tables.append(table_view(data))
    for (paper, figure) in figures:  # a figure sits beside the table of its runs, where there is one
        table = next((t for t in papers[paper].tables if t.table == figure), None)
        (table.figures if table else papers[paper].figures).extend(drawn[(paper, figure)])
    return list(papers.values())


@dataclass
class Glance:
    """Every claim's verdict per scale that judged any, first in the report: the question a reader comes with."""

    scales: list[str]
    rows: list[list[str]]  # claim, paper · table, statement, then one verdict per scale
    counts: dict[str, dict[str, int]]  # scale -> status -> claims

    @property
    def columns(self) -> list[str]:
        return ["claim", "table", "statement", *self.scales]


def verdicts_at_a_glance(papers: list[PaperView]) -> Glance:
    claims = [(t, c) for paper in papers for t in paper.tables for c in t.claims]
    judged = [v.scale for _, c in claims for v in c.verdicts if v.status not in (CLAIM_NOT_RUN, NOT_JUDGED)]
    scales = scale_order(set(judged))
    rows, counts = [], {s: {} for s in scales}
    for t, c in claims:
        by_scale = {v.scale: v.status for v in c.verdicts}
        rows.append([c.id, f"{t.paper} · {t.table}", c.statement, *(by_scale.get(s, CLAIM_NOT_RUN) for s in scales)])
        for s in scales:
            status = by_scale.get(s, CLAIM_NOT_RUN)
            counts[s][status] = counts[s].get(status, 0) + 1
    return Glance(scales, rows, counts)


def summary(papers: list[PaperView]) -> list[list[str]]:
    """One line per table: scales run, row statuses, claim verdicts; the report's first page."""
    out = []
    for paper in papers:
        for t in paper.tables:
            ran = [s.scale for s in t.scales if s.scale]
            counts: dict[str, int] = {}
            for s in t.scales:
                for status, n in s.counts.items():
                    label = badge(status)[1]
                    counts[label] = counts.get(label, 0) + n
            verdicts: dict[str, int] = {}
            for c in t.claims:
                for v in c.verdicts:
                    verdicts[v.status] = verdicts.get(v.status, 0) + 1
            out.append([paper.key, t.table, ", ".join(ran) or "not run",
                        " · ".join(f"{k} {v}" for k, v in counts.items()) or DASH,
                        " · ".join(f"{k} {v}" for k, v in verdicts.items()) or DASH])
        if not paper.tables:
            out.append([paper.key, DASH, "not run", "no published tables or results yet", DASH])
    return out


def regressions(nightly: Path) -> dict | None:
    """The nightly comparison's rows (report/build/nightly/regressions.csv), if a nightly run wrote them."""
    path = Path(nightly) / "regressions.csv"
    if not path.exists():
        return None
    frame = pd.read_csv(path, dtype=str).fillna("")
    return {"source": str(path), "rows": frame.to_dict("records"), "columns": list(frame.columns),
            "counts": frame["status"].value_counts().to_dict()}
