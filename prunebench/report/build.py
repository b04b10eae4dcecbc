"""Build the report: index.html (+ figures/*.svg), report.pdf (WeasyPrint, from the same HTML) and
report.md (the long-format tables, printed by `python -m prunebench.report`)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from functools import cache, partial
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from prunebench.csv_files import DataFileError
from prunebench.paths import NIGHTLY, PUBLISHED, REPORT_BUILD, RESULTS, shown_path
from prunebench.report import plots
from prunebench.report.pdf import FOOTERLESS, Part, PdfUnavailable, write_pdf
from prunebench.report.sources import discover_figures, discover_tables, read_papers
from prunebench.report.tables import PRINT_COLUMNS, TOLERANCE_RULE, Row, fmt, fmt_delta, fmt_reproduced
from prunebench.report.views import (
    ClaimView,
    FigureView,
    Glance,
    PaperView,
    badge,
    figure_views,
    paper_views,
    regressions,
    summary,
    verdicts_at_a_glance,
)
from prunebench.results import git_sha

TEMPLATES = Path(__file__).parent / "templates"
TITLE = "prunebench reproduction report"
LEGEND = (
    "Statuses: **reproduced** = paper scale, the interval of the mean within the tolerance · **outside tolerance** = "
    "paper scale, wholly beyond it · **inconclusive** = paper scale, fewer than 3 seeds or an interval across its edge · "
    "**quick/smoke-scale proxy** = reduced-scale run, never a reproduction of the paper's number (Δ in parentheses, "
    "not judged) · **no published number** = reproduced row the paper does not report · **failed run** = at least "
    "one seed gave NaN · **not run** = no result at that scale."
)
LONG_COLUMNS = ["cell", "method", "metric", "published", "reproduced", "Δ", "scale", "status"]
LONG_ALIGN = ["l", "l", "l", "r", "r", "r", "l", "l"]
SUMMARY_COLUMNS = ["paper", "table", "scales with results", "rows", "claims"]


def inline_md(text: str) -> Markup:
    """The little Markdown the notes use: `code` and **bold**, after escaping."""
    escaped = str(escape(text))
    parts = escaped.split("`")
    escaped = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    parts = escaped.split("**")
    return Markup("".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts)))


def reproduced_with_scale(row: Row) -> str:
    """The reproduced number with its scale, so no number is ever read without it."""
    text = fmt_reproduced(row)
    return text[:-1] + f", {row.scale})" if text.endswith(")") else text


def long_row(row: Row) -> list[str]:
    return [row.cell, row.method, row.metric, fmt(row.published), fmt_reproduced(row), fmt_delta(row), row.scale,
            row.status]


_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                          lstrip_blocks=True, undefined=jinja2.StrictUndefined)
_ENV.filters["md"] = inline_md
_ENV.globals.update(title=TITLE, fmt=fmt, fmt_delta=fmt_delta, reproduced=reproduced_with_scale, badge=badge, long_row=long_row)


# ---------------------------------------------------------------- Markdown


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: list[str], align: list[str], rows: list[list[str]]) -> list[str]:
    cells = [[_md_escape(c) for c in r] for r in [headers, *rows]]
    widths = [max(3, *(len(r[i]) for r in cells)) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(r, widths, align, strict=True)) + " |"

    rule = "| " + " | ".join("-" * (w - 1) + ":" if a == "r" else "-" * w for w, a in zip(widths, align, strict=True)) + " |"
    return [line(cells[0]), rule, *(line(r) for r in cells[1:])]


def claim_text(claim: ClaimView) -> str:
    """A claim's statement with the paper's words and a bound chosen here, for the Markdown report."""
    return claim.statement + (f" (paper: {claim.source})" if claim.source else "") + (
        f" ({claim.bound})" if claim.bound else "")


def glance_note(glance: Glance) -> str:
    """What the verdict table says in one line per scale, and how to read it."""
    per_scale = "; ".join(f"{scale}: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
                          for scale, counts in glance.counts.items())
    return (f"Each claim of the papers, as its paper states it, judged per scale ({per_scale}). A verdict at a "
            "reduced scale is about that scale's proxy runs, never the paper's setting; the reasons are in each "
            "table's section.")


def figure_line(f: FigureView) -> str:
    return f"- figure {f.figure} ({f.scale or 'published only'}): `{f.image}` from {f.sources}"


def render_markdown(header: list[str], papers: list[PaperView], glance: Glance, nightly: dict | None) -> str:
    out = [f"# {TITLE}", "", *(x for line in header for x in (line, ""))]
    out += ["## Verdicts at a glance", "", glance_note(glance), "",
            *markdown_table(glance.columns, ["l"] * len(glance.columns), glance.rows), ""]
    out += ["## Contents", "", *markdown_table(SUMMARY_COLUMNS, ["l"] * 5, summary(papers)), ""]
    for paper in papers:
        out += [f"## {paper.key} · {paper.title}", ""]
        if not paper.tables and not paper.figures:
            out += ["Not run: no published numbers, results or figures yet.", ""]
        for t in paper.tables:
            out += [f"### {t.paper} · {t.table} — {t.title}", "", f"Published numbers: {t.published_source}.", ""]
            for s in t.scales:
                out += [f"#### Scale: {s.scale or 'not run at any scale'}", ""]
                out += [f"- {k}: {v}" for k, v in s.provenance] + ([""] if s.provenance else [])
                rows = [long_row(r) for r in s.rows]
                if s.download:
                    out += [f"{len(rows)} published numbers, too many to print: `{s.download}`.", ""]
                else:
                    out += [*markdown_table(LONG_COLUMNS, LONG_ALIGN, rows), ""] if rows else ["No published numbers.", ""]
            out += [TOLERANCE_RULE, "", "#### Claims", ""]
            claim_rows = [[c.id, claim_text(c), v.scale, v.words, v.n, v.interval, v.beside_paper or "–", v.evidence]
                          for c in t.claims for v in c.verdicts]
            out += [*markdown_table(["id", "statement", "scale", "verdict", "n", "95 % interval",
                                     "half-width beside the paper's difference", "evidence"], ["l"] * 8,
                                    claim_rows), ""] \
                if claim_rows else []
            out += [t.claims_note, ""]
            out += [*(figure_line(f) for f in t.figures), *([""] if t.figures else [])]
        for f in paper.figures:
            out += [figure_line(f)]
        out += [""] if paper.figures else []
    out += ["## Nightly regressions", ""]
    if nightly is None:
        out += ["No nightly comparison in this build (`make nightly` writes one).", ""]
    else:
        flagged = [[r[c] for c in nightly["columns"]] for r in nightly["rows"] if r["status"] != "ok"]
        out += [" · ".join(f"{k} {v}" for k, v in nightly["counts"].items()), ""]
        out += [*markdown_table(nightly["columns"], ["l"] * len(nightly["columns"]), flagged), ""] if flagged else []
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------- HTML and the PDF's parts

FIGURE_WEIGHT = 18_000  # a figure costs about as much time to draw and lay out as 18 kB of the report's HTML


@cache
def stylesheet() -> str:
    """report.css, read once per process for the page, every PDF part and the footer document."""
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def render_html(papers: list[PaperView], *, front: bool = True, regressions_section: bool = True,
                part_css: str = "", **context) -> str:
    """The report page, or the slice of it one PDF part holds (the same template, sections left out)."""
    return _ENV.get_template("report.html.j2").render(
        papers=papers, front=front, regressions_section=regressions_section, part_css=part_css, css=stylesheet(),
        **context)


def pdf_parts(papers: list[PaperView], drawings: dict[str, list], context: dict) -> list[Part]:
    """The front page, one part per paper (with the drawing of its figures), the regressions: the cuts are
    the page breaks the report has anyway, so the joined PDF paginates as one document would."""
    parts = [Part("front", render_html([], regressions_section=False, part_css=FOOTERLESS, **context))]
    for paper in papers:
        html = render_html([paper], front=False, regressions_section=False, part_css=FOOTERLESS, **context)
        parts.append(Part(paper.key, html, drawings[paper.key], len(html) + FIGURE_WEIGHT * len(paper.every_figure)))
    parts.append(Part("regressions", render_html([], front=False, part_css=FOOTERLESS, **context)))
    return parts


# ---------------------------------------------------------------- entry points


def build_report(
    results_root: Path = RESULTS,
    out_dir: Path = REPORT_BUILD,
    published_root: Path = PUBLISHED,
    nightly: Path = NIGHTLY,
    pdf: bool = True,
) -> Path:
    """Write `out_dir/{index.html, report.pdf, report.md, figures/*.svg}` from the CSVs; return the HTML path."""
    out_dir = Path(out_dir)
    tables = discover_tables(Path(results_root), Path(published_root))
    figures = discover_figures(Path(results_root), Path(published_root), tables)
    drawn = {key: figure_views(data) for key, data in figures.items()}
    papers = paper_views(tables, figures, drawn, read_papers(Path(published_root)))
    drawings = {p.key: [partial(plots.draw, figures[(v.paper, v.figure)], v.scale, out_dir / v.image)
                        for v in p.every_figure] for p in papers}
    nightly_view = regressions(Path(nightly))
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    header = [f"Generated {now} at git sha `{git_sha()}` from `{shown_path(results_root)}` and `{shown_path(published_root)}`.",
              LEGEND]
    if not tables and not figures:
        header.append("No published numbers and no results found.")
    out_dir.mkdir(parents=True, exist_ok=True)
    glance = verdicts_at_a_glance(papers)
    (out_dir / "report.md").write_text(render_markdown(header, papers, glance, nightly_view), encoding="utf-8")
    html = out_dir / "index.html"
    context = {"header": header, "summary": summary(papers), "summary_columns": SUMMARY_COLUMNS,
               "glance": glance, "glance_note": glance_note(glance),
               "tolerance": TOLERANCE_RULE, "nightly": nightly_view, "print_columns": PRINT_COLUMNS}
    write_downloads(papers, out_dir)
    html.write_text(render_html(papers, **context), encoding="utf-8")
    if pdf:
        try:  # the parts draw their own figures, in parallel
            write_pdf(pdf_parts(papers, drawings, context), stylesheet(), out_dir, out_dir / "report.pdf", TITLE)
            return html
        except PdfUnavailable:
            _draw_all(drawings)
            raise
    _draw_all(drawings)
    return html


def write_downloads(papers: list[PaperView], out_dir: Path) -> None:
    """The comparison of each table too long to print, as the CSV its section links to."""
    for view in (s for p in papers for t in p.tables for s in t.scales if s.download):
        frame = pd.DataFrame([long_row(r) for r in view.rows], columns=LONG_COLUMNS)
        (out_dir / view.download).parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out_dir / view.download, index=False)


def _draw_all(drawings: dict[str, list]) -> None:
    for steps in drawings.values():
        for step in steps:
            step()


def main(argv: list[str] | None = None, prog: str = "python -m prunebench.report") -> int:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Build the report (index.html, report.pdf, report.md) from the results and published CSVs.",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="results folder, one sub-folder per scale")
    parser.add_argument("--out", type=Path, default=REPORT_BUILD, help="output folder")
    parser.add_argument("--published", type=Path, default=PUBLISHED, help="folder of published <paper>_<table>.csv")
    parser.add_argument("--nightly", type=Path, default=NIGHTLY, help="folder of the nightly comparison (regressions.csv)")
    parser.add_argument("--no-pdf", action="store_true", help="skip report.pdf (no WeasyPrint needed)")
    parser.add_argument("--print", action="store_true", help="also print report.md (the long tables) to the terminal")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        html = build_report(args.results, args.out, args.published, args.nightly, pdf=not args.no_pdf)
    except PdfUnavailable as err:
        print(f"prunebench report: error: {err} (index.html and report.md were written)", file=sys.stderr)
        return 2
    except DataFileError as err:
        print(f"prunebench report: error: {err}", file=sys.stderr)
        return 2
    if args.print:
        sys.stdout.write((html.parent / "report.md").read_text(encoding="utf-8"))
    outputs = "index.html" + ("" if args.no_pdf else ", report.pdf") + ", report.md"
    print(f"report: {outputs} in {shown_path(html.parent)} ({time.perf_counter() - began:.1f} s)", file=sys.stderr)
    return 0
