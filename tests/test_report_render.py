"""The report as a reader gets it: the PDF's pages (WeasyPrint + pypdf) and the HTML in headless Chromium
(a screenshot). Each test skips, saying why, where its tool is absent."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from prunebench.report import build
from tests.report_fixtures import make_tree

pytestmark = pytest.mark.unit
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def weasyprint_reason() -> str | None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as err:
        return f"WeasyPrint unusable here ({err}); `apt-get install libpango-1.0-0 libpangoft2-1.0-0`"
    return None


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    tree = make_tree(tmp_path_factory.mktemp("render"))
    build.build_report(tree["results"], tree["out"], tree["published"], tree["nightly"], pdf=weasyprint_reason() is None)
    return tree


def test_pdf_has_a_front_page_then_one_section_per_paper_each_on_a_new_page(built):
    if (reason := weasyprint_reason()) is not None:
        pytest.skip(reason)
    pypdf = pytest.importorskip("pypdf", reason="pypdf joins the PDF's parts: pip install -e .")
    pages = [p.extract_text() for p in pypdf.PdfReader(built["out"] / "report.pdf").pages]
    assert "prunebench reproduction report" in pages[0] and "Contents" in pages[0]
    starts = []
    for heading in ("slr · SLR vs ADMM", "greg · Growing regularization", "proxns · Proximal network slimming",
                    "grda · gRDA", "other · other", "toy · toy", "Nightly regressions"):
        found = [i for i, text in enumerate(pages) if heading in text.replace("\n", " ")]
        assert found, f"{heading!r} is on no page"
        starts.append(found[0])
    assert starts == sorted(starts) and len(set(starts)) == len(starts) and starts[0] == 1
    toy = " ".join(pages[starts[5]:starts[6]]).replace("\n", " ")
    assert "90.80 ± 0.20 (n=3, paper)" in toy and "quick-scale proxy" in toy and "C-BEAT" in toy
    assert all(f"page {i + 1} of {len(pages)}" in text for i, text in enumerate(pages))


def test_pdf_joined_from_parallel_parts_keeps_links_destinations_and_outline(built):
    """The parts are laid out apart; a link from the front page to a paper, the paper's named destination
    and its outline entry must still land on the page its section starts on."""
    if (reason := weasyprint_reason()) is not None:
        pytest.skip(reason)
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(built["out"] / "report.pdf")
    starts = {}
    for i, page in enumerate(reader.pages):
        for key in ("slr", "greg", "toy"):
            if key not in starts and f"{key} · " in page.extract_text().split("\n")[0]:
                starts[key] = i
    assert set(starts) == {"slr", "greg", "toy"}
    links = {}
    for annotation in reader.pages[0].get("/Annots", []):
        annotation = annotation.get_object()
        links.setdefault(reader.get_page_number(annotation["/Dest"][0].get_object()), annotation)
    outline = {item.title.split(" · ")[0]: reader.get_destination_page_number(item)
               for item in reader.outline if not isinstance(item, list)}
    for key, page in starts.items():
        assert page in links, f"no link on the front page leads to {key}'s first page ({page})"
        assert reader.get_destination_page_number(reader.named_destinations[f"paper-{key}"]) == page
        assert outline[key] == page
    assert not list(built["out"].glob(".pdf-parts*"))


def test_pdf_laid_out_in_one_process_reads_the_same(built, tmp_path, monkeypatch):
    if (reason := weasyprint_reason()) is not None:
        pytest.skip(reason)
    pypdf = pytest.importorskip("pypdf")
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    tree = {**built, "out": tmp_path / "serial"}
    build.build_report(tree["results"], tree["out"], tree["published"], tree["nightly"])

    def texts(path: Path) -> list[str]:
        return [re.sub(r"Generated .* UTC", "", p.extract_text()) for p in pypdf.PdfReader(path).pages]

    assert texts(tree["out"] / "report.pdf") == texts(built["out"] / "report.pdf")


def test_pdf_pages_render_to_images(built, tmp_path):
    if (reason := weasyprint_reason()) is not None:
        pytest.skip(reason)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is absent (Debian package poppler-utils)")
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "2", str(built["out"] / "report.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    assert len(list(tmp_path.glob("page-*.png"))) == 2


def test_html_opens_in_headless_chromium_and_a_screenshot_is_taken(built, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent (Debian package chromium: apt-get install -y chromium)")
    shot = tmp_path / "report.png"
    subprocess.run([str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                    f"--screenshot={shot}", "--window-size=1400,2400", (built["out"] / "index.html").as_uri()],
                   check=True, timeout=120, capture_output=True)
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[:2] == (2400, 1400)
    assert pixels[..., :3].std() > 0.05  # text and tables were drawn, not a blank page


HEADING = re.compile(r"^[\f ]*(\w+) · (\w+) — ", re.MULTILINE)  # a page may open with a form feed


def text_on_the_pages(pdf: Path) -> str:
    """The PDF's text that lies inside its pages (poppler's pdftotext cropped to the page box, columns kept apart
    by runs of spaces): a column cut off at a page's right edge is missing here, though it is still in the file."""
    pypdf = pytest.importorskip("pypdf")
    box = pypdf.PdfReader(pdf).pages[0].mediabox
    return subprocess.run(["pdftotext", "-layout", "-x", "0", "-y", "0", "-W", str(int(box.width)), "-H",
                           str(int(box.height)), str(pdf), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def committed_pdf(tmp_path_factory) -> Path:
    """The report of the committed results, built as `make report` builds it."""
    if (reason := weasyprint_reason()) is not None:
        pytest.skip(reason)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is absent (Debian package poppler-utils)")
    from prunebench.paths import PROJECT_ROOT, PUBLISHED

    out = tmp_path_factory.mktemp("committed")
    build.build_report(PROJECT_ROOT / "results", out, PUBLISHED, out / "no-nightly")
    return out / "report.pdf"


def cells_of(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def header_columns(section: str) -> set[tuple[str, str]]:
    """The (method, metric) columns under the headers of a section's table parts: `cell <methods>` over a line of
    metrics."""
    lines = section.splitlines()
    return {(method, metric) for i, line in enumerate(lines[:-1]) if cells_of(line)[0] == "cell"
            for method in cells_of(line)[1:] for metric in cells_of(lines[i + 1])}


def printed(section: str, headers: set[tuple[str, str]], method: str, metric: str) -> bool:
    """A column under a part's header, or, where the table is transposed, a row `<method> <metric> <values>`."""
    row = re.compile(rf"^[\f ]*{re.escape(method)}\s+{re.escape(metric)}(\s|$)", re.MULTILINE)
    return (method, metric) in headers or row.search(section) is not None


def missing_columns(text: str, out: Path) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """Per published table, the (method, metric) columns its section of `text` does not print (a table that ran at
    no scale is one line saying why, and is left out; one too long to print must hold them in the CSV it links to,
    under the report's folder `out`)."""
    import pandas as pd

    from prunebench.paths import PUBLISHED

    starts = [(m.start(), m.group(1), m.group(2)) for m in HEADING.finditer(text)]
    sections: dict[tuple[str, str], str] = {}  # a heading may recur (the contents, a figure): its texts joined
    for (start, paper, table), (end, *_) in zip(starts, [*starts[1:], (len(text),)], strict=True):
        sections[(paper, table)] = sections.get((paper, table), "") + text[start:end]
    missing = {}
    for path in sorted(PUBLISHED.glob("*_*.csv")):
        published = pd.read_csv(path, dtype=str)
        if "cell" not in published.columns:  # a figure's points
            continue
        key = (str(published["paper"].iloc[0]), str(published["table"].iloc[0]))
        section = sections[key]
        if "Not run at this scale: none of the" in section and not re.search(r"^ *(cell|method) ", section, re.M):
            continue
        columns = set(zip(published["method"], published["metric"], strict=True))
        if "too many to print" in section:
            linked = re.search(r"(tables/\S+\.csv)", section)
            frame = pd.read_csv(out / linked.group(1)) if linked else pd.DataFrame(columns=["method", "metric"])
            missing[key] = columns - set(zip(frame["method"], frame["metric"], strict=True))
            continue
        headers = header_columns(section)
        missing[key] = {column for column in columns if not printed(section, headers, *column)}
    return missing


def test_no_pdf_page_loses_a_published_column(committed_pdf):
    """Every (method, metric) column of every published table lies inside a page of the PDF (wide tables print in
    parts, or transposed): nothing is cut off at the right edge."""
    missing = missing_columns(text_on_the_pages(committed_pdf), committed_pdf.parent)
    assert len(missing) >= 10 and not {key: cut for key, cut in missing.items() if cut}


def test_a_table_cut_at_the_page_edge_is_caught(committed_pdf, tmp_path, monkeypatch):
    """The check above fails on the PDF a single unsplit table makes (the right columns run off the page)."""
    from prunebench.paths import PROJECT_ROOT, PUBLISHED
    from prunebench.report import tables

    monkeypatch.setattr(tables, "PRINT_COLUMNS", 100)
    monkeypatch.setattr(build, "PRINT_COLUMNS", 100)
    build.build_report(PROJECT_ROOT / "results", tmp_path, PUBLISHED, tmp_path / "no-nightly")
    cut = {key: lost for key, lost in missing_columns(text_on_the_pages(tmp_path / "report.pdf"), tmp_path).items()
           if lost}
    assert ("proxns", "table1") in cut
