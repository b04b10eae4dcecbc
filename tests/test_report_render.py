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
