"""The report, built from CSVs only: published vs reproduced numbers in each paper's table layout, claim
verdicts, every figure, provenance per table and the nightly regressions.

    python -m prunebench.report [--results results] [--out report/build] [--no-pdf]   (= make report)

Inputs are listed in `sources.py`; nothing is trained, loaded or imported from a reproduction, so the report
can be rebuilt anywhere from committed or downloaded results. Outputs in `report/build/`: `index.html` (with
`figures/*.svg`), `report.pdf` (WeasyPrint renders the same HTML, so both have the same content) and
`report.md` (the long-format tables, also printed). Templates: `prunebench/report/templates/`.
Modules: sources (discovery) -> tables (judging, the paper's layout) -> views -> plots (SVG) -> build.
"""
from prunebench.report.build import build_report, main
from prunebench.report.pdf import PdfUnavailable

__all__ = ["PdfUnavailable", "build_report", "main"]
