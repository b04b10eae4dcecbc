"""report.pdf, laid out in parallel: WeasyPrint lays out one process's pages at a time, and the report's
~60 pages took ~30 s that way on a 2-core machine. The report already breaks the page before every paper,
so it is cut there into parts (front page, one part per paper, regressions) that worker processes draw
and lay out side by side; pypdf then joins them and restores what crosses a cut: the page footers
("page i of n", from one small footer document), links from one part to another, named destinations
and the outline.
"""
from __future__ import annotations

import io
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import ArrayObject, Fit, FloatObject, NameObject, NumberObject

PX_TO_PT = 0.75  # WeasyPrint lays out in CSS px (1/96 in); PDF user space is in pt (1/72 in)
FOOTERLESS = "@page { @bottom-left { content: none } @bottom-right { content: none } }"


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (pango) are missing."""


@dataclass
class Part:
    """A slice of the report that starts on a new page, as a whole HTML document of its own."""

    name: str
    html: str
    prepare: list[Callable[[], object]] = field(default_factory=list)  # run in the worker first (figures)
    weight: float = 1.0  # scheduling: heavier parts start first


@dataclass
class LaidOut:
    """What a worker hands back: its PDF and what the join needs to know about its pages."""

    pdf: Path
    heights: list[float]  # px, per page
    anchors: list[tuple[str, int, float, float]]  # name, page, x, y (px from the top-left)
    links_out: list[tuple[int, tuple[float, float, float, float], str]]  # page, corners (px), anchor elsewhere
    bookmarks: list  # WeasyPrint's bookmark tree: (label, (page, x, y), children, state)


def weasyprint_module():
    try:
        import weasyprint
    except (ImportError, OSError) as err:  # OSError: pango/cairo shared libraries absent
        raise PdfUnavailable(
            f"cannot build the PDF: WeasyPrint is unusable here ({err}). Install it with `pip install -e .` and its "
            "system libraries with `apt-get install libpango-1.0-0 libpangoft2-1.0-0` (`make setup` does both as root)."
        ) from err
    return weasyprint


def lay_out(part: Part, base_url: Path, pdf: Path) -> LaidOut:
    """Prepare, lay out and write one part. Links to anchors of other parts are taken off the pages (WeasyPrint
    would drop them with an error) and handed back, to be drawn once the parts are joined."""
    for step in part.prepare:
        step()
    document = weasyprint_module().HTML(string=part.html, base_url=str(base_url)).render()
    anchors = [(name, i, x, y) for i, page in enumerate(document.pages) for name, (x, y, *_) in page.anchors.items()]
    here = {name for name, *_ in anchors}
    links_out = []
    for i, page in enumerate(document.pages):
        crossing = [link for link in page.links if link[0] == "internal" and link[1] not in here]
        links_out += [(i, tuple(rect), target) for _, target, rect, _ in crossing]
        page.links = [link for link in page.links if link not in crossing]
    document.write_pdf(str(pdf))
    return LaidOut(pdf, [page.height for page in document.pages], anchors, links_out, document.make_bookmark_tree())


def footer_html(css: str, pages: int) -> str:
    """`pages` empty pages whose margin boxes (report.css's @page rule) carry the report's footer."""
    blank = '<div style="break-before: page"></div>'
    return f"<!doctype html><html><head><style>{css}</style></head><body><div></div>{blank * (pages - 1)}</body></html>"


def _lay_out_all(parts: Sequence[Part], base_url: Path, folder: Path) -> list[LaidOut]:
    jobs = [(part, base_url, folder / f"part-{i:02d}-{part.name}.pdf") for i, part in enumerate(parts)]
    workers = min(len(parts), os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [lay_out(*job) for job in jobs]
    # fork: the workers start with matplotlib and WeasyPrint imported (spawn would spend ~2 s importing them again)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        order = sorted(range(len(jobs)), key=lambda i: -parts[i].weight)
        futures = {i: pool.submit(lay_out, *jobs[i]) for i in order}
        return [futures[i].result() for i in range(len(jobs))]


def _pdf_point(height: float, x: float, y: float) -> tuple[float, float]:
    return x * PX_TO_PT, (height - y) * PX_TO_PT


def write_pdf(parts: Sequence[Part], css: str, base_url: Path, pdf: Path, title: str) -> Path:
    """Lay out `parts` in parallel and join them into `pdf`, footers, links, named destinations and outline
    restored as if the report had been laid out as one document."""
    weasyprint = weasyprint_module()

    with tempfile.TemporaryDirectory(prefix=".pdf-parts-", dir=pdf.parent) as folder:
        _join(_lay_out_all(parts, base_url, Path(folder)), css, pdf, title, weasyprint)
    return pdf


def _join(laid: list[LaidOut], css: str, pdf: Path, title: str, weasyprint) -> None:
    offsets = [sum(len(p.heights) for p in laid[:i]) for i in range(len(laid))]
    heights = [h for p in laid for h in p.heights]
    footers = PdfReader(io.BytesIO(weasyprint.HTML(string=footer_html(css, len(heights))).write_pdf()))

    writer = PdfWriter()  # pages in order, each with its footer
    for part in laid:
        for page in PdfReader(part.pdf).pages:
            writer.add_page(page).merge_page(footers.pages[len(writer.pages) - 1])
    anchors: dict[str, tuple[int, float, float]] = {}  # the first of a name wins, as in WeasyPrint
    for part, offset in zip(laid, offsets, strict=True):
        for name, page, x, y in part.anchors:
            anchors.setdefault(name, (offset + page, x, y))
    for name, (page, x, y) in sorted(anchors.items()):
        left, top = _pdf_point(heights[page], x, y)
        writer.add_named_destination_array(name, ArrayObject(
            [writer.pages[page].indirect_reference, NameObject("/XYZ"), FloatObject(left), FloatObject(top), NumberObject(0)]))
    for part, offset in zip(laid, offsets, strict=True):  # the links that crossed a cut
        for page, (left, top, right, bottom), target in part.links_out:
            if target not in anchors:
                continue
            x1, y1 = _pdf_point(heights[offset + page], left, bottom)
            x2, y2 = _pdf_point(heights[offset + page], right, top)
            goal, gx, gy = anchors[target]
            writer.add_annotation(offset + page, Link(rect=(x1, y1, x2, y2), target_page_index=goal,
                                                      fit=_xyz(*_pdf_point(heights[goal], gx, gy))))
    for part, offset in zip(laid, offsets, strict=True):
        _add_outline(writer, part.bookmarks, offset, heights, None)
    writer.add_metadata({"/Title": title, "/Producer": f"WeasyPrint {weasyprint.__version__} + pypdf"})
    tmp = pdf.with_name(pdf.name + ".tmp")
    with open(tmp, "wb") as out:
        writer.write(out)
    os.replace(tmp, pdf)


def _xyz(left: float, top: float) -> Fit:
    return Fit.xyz(left=left, top=top)


def _add_outline(writer, bookmarks: list, offset: int, heights: list[float], parent) -> None:
    for label, (page, x, y), children, state in bookmarks:
        target = offset + page
        item = writer.add_outline_item(title=label, page_number=target, parent=parent, fit=_xyz(*_pdf_point(heights[target], x, y)),
                                       is_open=state == "open")
        _add_outline(writer, children, offset, heights, item)
