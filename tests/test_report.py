"""The report from small hand-made CSVs: statuses, Δ, tolerances, failed runs, proxies, the paper's layout,
claims from the verdict CSVs, provenance, figures, regressions (HTML and Markdown; the PDF and the browser
are in test_report_render.py)."""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from prunebench.report import build, pdf
from prunebench.report.sources import discover_figures, discover_tables
from prunebench.report.tables import number
from prunebench.scales import SCALES
from tests.report_fixtures import PAPER_WALL, QUICK_WALL, make_tree

pytestmark = pytest.mark.unit


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    return make_tree(tmp_path)


@pytest.fixture(autouse=True)
def fixed_sha(monkeypatch):
    monkeypatch.setattr(build, "git_sha", lambda: "feedbee")


def build_md(tree: dict[str, Path]) -> str:
    html = build.build_report(tree["results"], tree["out"], tree["published"], tree["nightly"], pdf=False)
    assert html == tree["out"] / "index.html"
    return (tree["out"] / "report.md").read_text(encoding="utf-8")


def html_of(tree: dict[str, Path]) -> str:
    """The report's HTML as a screen shows it (the tables' print-only parts for the PDF left out)."""
    build_md(tree)
    html = (tree["out"] / "index.html").read_text(encoding="utf-8")
    return re.sub(r'<div class="print-only">.*?<!-- /print-only -->', "", html, flags=re.S)


def table_part(md: str, name: str) -> str:
    """The Markdown of one table ('### <paper> · <table> — title'), up to the next table or paper."""
    parts = {p.split(" — ", 1)[0].split("\n", 1)[0]: p.split("\n## ", 1)[0] for p in md.split("\n### ")[1:]}
    return parts[name]


def tables(text: str) -> list[list[dict[str, str]]]:
    """Every Markdown table in `text`, as a list of {header: cell} rows."""
    out, block = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("| "):
            block.append([c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]])
        elif block:
            header, body = block[0], block[2:]
            out.append([dict(zip(header, r, strict=True)) for r in body])
            block = []
    return out


def row(md: str, table: str, scale: str, cell: str, method: str, metric: str) -> dict[str, str]:
    found = [r for t in tables(table_part(md, table)) for r in t
             if r.get("scale") == scale and (r.get("cell"), r.get("method"), r.get("metric")) == (cell, method, metric)]
    assert len(found) == 1, f"{len(found)} rows for {scale} {cell} {method} {metric}"
    return found[0]


def test_a_paper_cell_is_judged_by_the_interval_of_its_mean_against_the_band(tree):
    # 90.80 ± 0.20 over 3 seeds: 95 % interval [90.30, 91.30] against 90 ± 1 crosses 91: neither in nor out
    r = row(build_md(tree), "toy · t1", "paper", "c/a", "slr", "top1_hardprune")
    assert r["published"] == "90.00" and r["reproduced"] == "90.80 ± 0.20 (n=3)"
    assert (r["Δ"], r["status"]) == ("(+0.80)", "inconclusive: the interval straddles the tolerance")


def test_one_seed_is_no_verdict_at_paper_scale(tree):
    r = row(build_md(tree), "toy · t1", "paper", "c/a", "admm", "top1_hardprune")
    assert (r["reproduced"], r["Δ"], r["status"]) == ("78.50 (n=1)", "(-1.50)", "inconclusive: n < 3")


def test_noise_widens_the_interval_never_the_band(tree):
    md = build_md(tree)
    noisy = row(md, "toy · t1", "paper", "c/b", "slr", "top1_hardprune")  # Δ -2, std 2: [63.03, 72.97] vs 70 ± 1
    tight = row(md, "toy · t1", "paper", "c/b", "admm", "top1_hardprune")  # Δ -2, std 0.1: [67.75, 68.25]
    assert (noisy["reproduced"], noisy["status"]) == ("68.00 ± 2.00 (n=3)", "inconclusive: the interval straddles "
                                                                          "the tolerance")
    assert (tight["reproduced"], tight["Δ"], tight["status"]) == ("68.00 ± 0.10 (n=3)", "-2.00", "outside tolerance")


def test_the_judgement_by_hand():
    from prunebench.evidence import Interval
    from prunebench.report.tables import REPRODUCED, acceptance, tolerance

    assert acceptance(Interval.of([93.4, 93.5, 93.6]), 93.5, 1.0) == REPRODUCED  # [93.25, 93.75] inside [92.5, 94.5]
    assert acceptance(Interval.of([92.6]), 93.5, 1.0) == "inconclusive: n < 3"
    # speedups 1.0 / 1.6 / 2.2 beside 2.55: the interval [0.11, 3.09] is not inside 2.55 ± 0.051
    assert acceptance(Interval.of([1.0, 1.6, 2.2]), 2.55, tolerance("x", 2.55)) == "inconclusive: the interval " \
        "straddles the tolerance"
    assert tolerance("M", 0.853, "0.8530") == pytest.approx(5e-5)  # the printed trailing zero counts
    assert tolerance("M", 0.853) == pytest.approx(5e-4)


def test_compression_is_judged_relative_and_epochs_exactly_for_each_method_of_a_both_row(tree):
    md = build_md(tree)
    assert row(md, "toy · t1", "paper", "c/a", "slr", "compression_nonbias")["status"] == "reproduced"  # 1.3 % off
    assert row(md, "toy · t1", "paper", "c/a", "admm", "compression_nonbias")["status"] == "inconclusive: n < 3"  # one seed
    assert row(md, "toy · t1", "paper", "c/a", "slr", "epochs")["status"] == "reproduced"
    epochs = row(md, "toy · t1", "paper", "c/a", "admm", "epochs")
    assert (epochs["published"], epochs["Δ"], epochs["status"]) == ("40.00", "(-1.00)", "inconclusive: n < 3")


def test_reproduced_rows_without_published_number_keep_only_headline_metrics(tree):
    md = build_md(tree)
    sweep = row(md, "toy · t1", "quick", "c/a~p0.5", "slr", "top1_hardprune")
    assert (sweep["published"], sweep["reproduced"], sweep["Δ"], sweep["status"]) == (
        "—", "85.00 (n=1)", "—", "no published number")
    assert row(md, "toy · t1", "quick", "c/a~p0.5", "slr", "top1_start_hardprune")["status"] == "no published number"
    assert "top1_before_hardprune" not in md and "slr_updates" not in md
    quick = [r["cell"] for t in tables(table_part(md, "toy · t1")) for r in t
             if r.get("scale") == "quick" and "cell" in r]
    assert quick.index("c/a~p0.5") > max(i for i, c in enumerate(quick) if c == "c/a")  # sweep follows its cell


def test_published_numbers_without_results_are_not_run(tree):
    md = build_md(tree)
    for scale in ("paper", "quick"):
        r = row(md, "toy · t1", scale, "c/d", "slr", "top1_hardprune")
        assert (r["published"], r["reproduced"], r["Δ"], r["status"]) == ("50.00", "—", "—", "not run")
    other = table_part(md, "other · t2")
    assert "#### Scale: not run at any scale" in other
    (only,) = tables(other)[0]
    assert (only["cell"], only["published"], only["status"]) == ("x/y", "55.50", "not run")


def test_a_table_declared_not_run_at_a_scale_shows_the_reason_instead_of_old_rows(tree):
    """`reproduce.record_not_run` (a table's `scales.NotRun`): the earlier quick rows go, the metadata and every
    claim carry the reason, and the report shows it with the published numbers as not run."""
    from prunebench.reproduce import record_not_run
    from prunebench.reproduction import Reproduction
    from tests.report_fixtures import TOY_CLAIMS

    record_not_run("toy", "t1", "quick", "its proxy sits at chance", Reproduction("toy", "t1", "Toy table", lambda scale, seeds: [], claims=TOY_CLAIMS),
                   tree["results"])
    assert not (tree["results"] / "quick" / "toy_t1.csv").exists()
    md = build_md(tree)
    toy = table_part(md, "toy · t1")
    quick = toy.split("#### Scale: quick", 1)[1].split("####", 1)[0]
    assert "- not run at this scale: its proxy sits at chance" in quick and "make reproduce-toy-t1 SCALE=quick" in quick
    r = row(md, "toy · t1", "quick", "c/a", "slr", "top1_hardprune")
    assert (r["reproduced"], r["status"]) == ("—", "not run")
    claims = {(r["id"], r["scale"]): r for r in tables(toy)[-1]}
    assert claims[("C-BEAT", "quick")]["verdict"] == "not run"
    assert claims[("C-BEAT", "quick")]["evidence"] == "not run at quick scale: its proxy sits at chance"
    assert claims[("C-BEAT", "paper")]["verdict"] == "inconclusive at paper scale"  # the other scale is untouched


def test_a_nan_seed_is_a_failed_run_counted_in_n(tree):
    r = row(build_md(tree), "toy · t1", "paper", "c/c", "slr", "top1_hardprune")
    assert r["reproduced"] == "60.10 ± 0.14 (n=3, 1 failed)"
    assert r["status"] == "failed run"
    assert r["Δ"] == "(+0.10)"


def test_quick_rows_are_proxies_even_within_tolerance(tree):
    md = build_md(tree)
    r = row(md, "toy · t1", "quick", "c/a", "slr", "top1_hardprune")
    assert (r["reproduced"], r["Δ"], r["status"]) == ("90.10 (n=1)", "(+0.10)", "quick-scale proxy (not comparable)")
    assert all(r["status"] != "reproduced" for t in tables(table_part(md, "toy · t1")) for r in t
               if r.get("scale") == "quick" and "status" in r)


def test_claims_are_read_from_the_verdict_csvs_per_scale(tree):
    claims = {(r["id"], r["scale"]): r for r in tables(table_part(build_md(tree), "toy · t1"))[-1]}
    paper = claims[("C-BEAT", "paper")]
    assert paper["verdict"] == "inconclusive at paper scale"  # c/b: paired Δ -1.9, 0, +1.9 straddles 0; c/a: one paired seed
    assert "c/b p=0.5: slr 68.00 vs admm 68.00" in paper["evidence"]
    assert paper["n"] == "1" and "+0.00 [-4.72, +4.72] (n=3)" in paper["95 % interval"]
    assert claims[("C-BEAT", "quick")]["verdict"] == "inconclusive at quick scale"  # 90.10 vs 75.00, one seed: a direction
    assert claims[("C-BEAT", "smoke")]["verdict"] == "not run"
    assert claims[("C-LIMIT", "paper")]["verdict"] == "holds at paper scale"
    assert claims[("C-BEAT", "quick")]["statement"] == "SLR beats ADMM after the hard prune."


def test_missing_or_stale_verdicts_are_said_so(tree):
    (tree["results"] / "paper" / "claims" / "toy_t1.csv").unlink()
    quick = tree["results"] / "quick" / "toy_t1.csv"
    pd.read_csv(quick).assign(finished_at="2026-02-01T00:00:00Z").to_csv(quick, index=False)  # newer than verdicts
    md = build_md(tree)
    claims = {(r["id"], r["scale"]): r for r in tables(table_part(md, "toy · t1"))[-1]}
    assert claims[("C-BEAT", "paper")]["verdict"] == "not judged"
    assert "judged before the latest results" in claims[("C-BEAT", "quick")]["evidence"]
    assert "No claim verdicts recorded for other t2" in table_part(md, "other · t2")


def test_provenance_from_the_rows_and_the_metadata(tree):
    toy = table_part(build_md(tree), "toy · t1")
    quick, paper = toy[toy.index("#### Scale: quick"):], toy[toy.index("#### Scale: paper"):toy.index("#### Scale: quick")]
    assert "Toy paper, Table 1: a test table" in toy.split("\n", 1)[0]  # the title from the metadata
    assert "- command: `make reproduce-toy-t1 SCALE=quick`" in quick
    assert "data set fashion_mnist instead of the paper's; models at 0.25× width" in quick
    assert "data: d (paper: c)" in quick  # from the rows' data set vs the published one
    assert f"- device-seconds: {3 * QUICK_WALL:.1f}" in quick  # summed once per run, not per row
    assert "4.5 s wall for 3 run(s)" in quick and "torchvision 0.29.1" in quick
    assert f"- device-seconds: {14 * PAPER_WALL:.1f}" in paper and "14 run(s) of 3 seed(s)" in paper
    assert "cpu (test, 2 threads), cuda (H100)" in paper and "- git sha: abc1234" in paper
    assert "- command: `make reproduce-toy-t1 SCALE=paper`" in paper  # no metadata: the convention
    assert toy.index("#### Scale: paper") < toy.index("#### Scale: quick")


@pytest.mark.parametrize(("value", "sign", "text"), [
    (93.456, False, "93.46"), (12128560.0, False, "12,128,560"), (-9016.0, True, "-9,016"), (999.0, False, "999.00"),
    (0.00512, False, "0.00512"), (-0.0004, True, "-0.0004"), (0.0, True, "+0.00"), (1234.5, False, "1234.50"),
])
def test_numbers_keep_counts_whole_and_small_values_visible(value, sign, text):
    assert number(value, sign) == text


def test_markdown_tables_are_aligned(tree):
    block: list[str] = []
    for line in [*build_md(tree).splitlines(), ""]:
        if line.startswith("| "):
            block.append(line)
        elif block:
            assert len({len(x) for x in block}) == 1, block[0]
            block = []


def test_html_lays_out_the_paper_table_with_the_scale_on_every_number(tree):
    html = html_of(tree)
    assert html.startswith("<!doctype html>") and "<script" not in html
    paper = html[html.index('id="toy-t1"'):]
    paper = paper[:paper.index("Scale: <span class=\"scale-tag reduced\">quick")]
    heads = re.findall(r'<th colspan="(\d)" class="method">(\w+)</th>', paper)
    assert heads == [("1", "dense"), ("1", "slr"), ("1", "admm"), ("2", "both")]  # the published CSV's order
    assert re.findall(r'<th class="cell">([^<]+)</th>', paper) == ["c/a", "c/b", "c/c", "c/d"]
    assert "90.80 ± 0.20 (n=3, paper)" in paper and "(tol 1.00)" in paper
    assert '<span class="who">admm</span> 8.40 (n=1, paper)' in paper  # a "both" column holds every method
    assert html.count("quick-scale numbers are proxies") == 1
    quick = html[html.index("Scale: <span class=\"scale-tag reduced\">quick"):]
    assert "90.10 (n=1, quick)" in quick and ">quick-scale proxy<" in quick and "badge ok" not in quick
    assert "85.00 (n=1, quick)" in quick  # the sweep cell, in the table of unpublished rows
    assert "<code>make reproduce-toy-t1 SCALE=quick</code>" in html
    header = quick[:quick.index("</h4>")]  # the table's own settings, read from its rows, not the scale's defaults
    assert "data " in header and "seed(s)" in header and SCALES.get("quick").description not in header


def test_every_paper_has_a_section_and_the_empty_ones_say_not_run(tree):
    html = html_of(tree)
    for key in ("slr", "greg", "proxns", "grda", "toy", "other"):
        assert f'id="paper-{key}"' in html
    slr = html[html.index('id="paper-slr"'):html.index('id="paper-greg"')]
    assert "Not run: no published numbers, results or figures yet." in slr
    assert html.index('id="paper-grda"') < html.index('id="paper-other"')


def test_reference_folder_and_published_figures_are_not_tables(tree):
    found = discover_tables(tree["results"], tree["published"])
    assert set(found) == {("toy", "t1"), ("other", "t2")}
    assert set(found["toy", "t1"].results) == {"paper", "quick"}  # not "reference"
    figures = discover_figures(tree["results"], tree["published"], found)
    assert set(figures) == {("toy", "fig1")} and set(figures["toy", "fig1"].series) == {"quick"}


def test_figures_draw_one_subplot_per_panel_with_published_dashed(tree):
    html = html_of(tree)
    svg_path = tree["out"] / "figures" / "toy_fig1_quick.svg"
    assert '<img src="figures/toy_fig1_quick.svg"' in html
    svg = svg_path.read_text()
    assert ">A<" in svg and ">B<" in svg  # panel titles (text kept as text)
    assert "slr (ours, quick) (n=2 seeds)" in svg and "admm (ours, quick)" in svg and "slr (published)" in svg
    assert "stroke-dasharray" in svg  # the published series
    assert "top-1 (%)" in svg and ">epoch<" in svg  # axis labels from the CSV
    assert svg == (build.build_report(tree["results"], tree["out"], tree["published"], tree["nightly"], pdf=False)
                   and svg_path.read_text())  # deterministic


def test_a_bad_figure_csv_is_a_clear_error(tree):
    pd.DataFrame({"panel": ["A"], "x": [1]}).to_csv(tree["results"] / "quick" / "figures" / "toy_bad.csv", index=False)
    with pytest.raises(ValueError, match=r"toy_bad.csv lacks the column\(s\) \['series', 'y'\]"):
        build_md(tree)


def test_regressions_section_lists_what_moved(tree):
    assert "No nightly comparison in this build" in html_of(tree)
    tree["nightly"].mkdir()
    pd.DataFrame([
        {"kind": "result", "name": "toy_t1", "key": "c/a / slr / 0 / 0.9 / top1_hardprune", "reference": 90.1,
         "new": 85.0, "delta": -5.1, "tolerance": 2, "rule": "top[15]_*: higher, 2 abs", "status": "regression"},
        {"kind": "result", "name": "toy_t1", "key": "c/a / slr / 0 / 0.9 / compression", "reference": 8.5,
         "new": 8.5, "delta": 0, "tolerance": 0.085, "rule": "compression: both, 1% rel", "status": "ok"},
    ]).to_csv(tree["nightly"] / "regressions.csv", index=False)
    html = html_of(tree)
    part = html[html.index('id="regressions"'):]
    assert "regression 1" in part and "ok 1" in part
    assert "c/a / slr / 0 / 0.9 / top1_hardprune" in part and "compression_nonbias" not in part.split("</p>", 1)[1]


def test_main_writes_everything_fast_quietly_and_prints_the_markdown_when_asked(tree, capsys):
    where = ["--results", str(tree["results"]), "--out", str(tree["out"]), "--published", str(tree["published"]),
             "--nightly", str(tree["nightly"]), "--no-pdf"]
    start = time.perf_counter()
    assert build.main(where) == 0
    assert time.perf_counter() - start < 10.0
    quiet = capsys.readouterr()
    assert quiet.out == "" and len(quiet.err.splitlines()) == 1  # one line: what was written where, how long
    assert build.main([*where, "--print"]) == 0
    out = capsys.readouterr().out
    assert out == (tree["out"] / "report.md").read_text(encoding="utf-8")
    assert out.startswith("# prunebench reproduction report") and "git sha `feedbee`" in out


def test_pdf_without_weasyprint_is_a_clear_error_after_the_html_and_its_figures(tree, monkeypatch, capsys):
    def unusable():
        raise build.PdfUnavailable("cannot build the PDF: test")

    monkeypatch.setattr(pdf, "weasyprint_module", unusable)
    assert build.main(["--results", str(tree["results"]), "--out", str(tree["out"]), "--published",
                       str(tree["published"])]) == 2
    assert "cannot build the PDF: test" in capsys.readouterr().err and (tree["out"] / "index.html").exists()
    images = re.findall(r'<img src="([^"]+)"', (tree["out"] / "index.html").read_text(encoding="utf-8"))
    assert images and all((tree["out"] / image).exists() for image in images)
    assert not (tree["out"] / "report.pdf").exists()


def test_empty_roots_give_a_report_saying_so(tmp_path):
    html = build.build_report(tmp_path / "none", tmp_path / "out", tmp_path / "nothing", tmp_path / "n", pdf=False)
    assert "No published numbers and no results found." in (tmp_path / "out" / "report.md").read_text()
    assert html.exists()


def test_a_wide_table_is_transposed(tree):
    from tests.report_fixtures import published_rows

    wide = [("w/a", f"m{i}", "top1_finetuned", 90.0 + i, "%") for i in range(13)]
    published_rows("wide", "t3", wide).to_csv(tree["published"] / "wide_t3.csv", index=False)
    html = html_of(tree)
    part = html[html.index('id="wide-t3"'):]
    assert '<th class="cellhead">method</th><th class="cellhead">metric</th><th class="method">w/a</th>' in part
    screen = part.split('class="print-only"', 1)[0]
    assert screen.count('<th class="metric">top1_finetuned</th>') == 13  # a row per published column


def test_an_empty_published_value_is_no_published_number_in_its_place(tree):
    """A published row with no number (e.g. proximal NS, whose tables are not available) is never judged: no Δ,
    no NaN shown, and it keeps its cell and column in the paper's layout."""
    from tests.report_fixtures import PAPER_WALL, published_rows, run_rows

    path = tree["published"] / "toy_t1.csv"
    empty = published_rows("toy", "t1", [("c/e", "pns", "top1_trained", "", "%"), ("c/e", "pns", "top1_pruned", "", "%")])
    pd.concat([pd.read_csv(path), empty]).to_csv(path, index=False)
    assert pd.read_csv(path)["value"].isna().sum() == 2
    for scale in ("paper", "quick"):
        results = tree["results"] / scale / "toy_t1.csv"
        ran = pd.DataFrame(run_rows(scale, "c/e", "pns", 0, {"top1_trained": 70.0}, 0.5, PAPER_WALL))
        pd.concat([pd.read_csv(results), ran]).to_csv(results, index=False)
    md = build_md(tree)
    for scale in ("paper", "quick"):
        r = row(md, "toy · t1", scale, "c/e", "pns", "top1_trained")
        assert (r["published"], r["reproduced"], r["Δ"], r["status"]) == ("—", "70.00 (n=1)", "—", "no published number")
        r = row(md, "toy · t1", scale, "c/e", "pns", "top1_pruned")
        assert (r["published"], r["Δ"], r["status"]) == ("—", "—", "not run")
    html = re.sub(r"<div class=\"print-only\">.*?<!-- /print-only -->", "", (tree["out"] / "index.html").read_text(encoding="utf-8"), flags=re.S)
    assert not re.search(r"\bnan\b", md + html)  # how a NaN float prints (the legend says "NaN")
    paper = html[html.index('id="toy-t1"'):]
    paper = paper[:paper.index("Scale: <span class=\"scale-tag reduced\">quick")]
    assert re.findall(r'<th class="cell">([^<]+)</th>', paper) == ["c/a", "c/b", "c/c", "c/d", "c/e"]
    assert ("pns" in re.findall(r'<th colspan="\d" class="method">(\w+)</th>', paper)
            and "Reproduced numbers without a published counterpart" not in paper)  # in the layout, not set aside


@pytest.mark.parametrize(
    ("unit", "published", "values", "status"),
    [
        ("x", 2.55, [1.60, 1.61, 1.59], "outside tolerance"),  # a GReg speedup 1.6× is not 2.55×
        ("x", 2.55, [2.549, 2.55, 2.551], "reproduced"),  # [2.5475, 2.5525] within 2 % of the published ratio
        ("0/1", 1.0, [0.0] * 3, "outside tolerance"),  # a flag that did not flip is not "within 1 point"
        ("0/1", 1.0, [1.0] * 3, "reproduced"),
        ("epochs", 15.0, [16.0] * 3, "outside tolerance"),  # epochs_to_threshold: exact, not ±1
        ("count", 853_018.0, [853_019.0] * 3, "outside tolerance"),
        ("%", 90.0, [89.2] * 3, "reproduced"),  # percentage points: ±1
    ],
)
def test_tolerance_follows_the_published_unit(unit, published, values, status):
    from prunebench.report.tables import Row, judge

    assert judge(Row("c/a", "greg1", "m", published, values, "paper", ("greg1", "m"), unit)).status == status


def test_a_published_unit_without_a_tolerance_rule_is_an_error():
    from prunebench.report.tables import Row, judge

    with pytest.raises(ValueError, match="unit 'furlongs'"):
        judge(Row("c/a", "greg1", "m", 1.0, [1.0], "paper", ("greg1", "m"), "furlongs"))


def test_every_published_unit_has_a_tolerance_rule():
    from prunebench.report.sources import PUBLISHED_COLUMNS
    from prunebench.report.tables import TOLERANCES

    root = Path(__file__).resolve().parents[1] / "reproductions" / "published"
    tables = [pd.read_csv(path) for path in sorted(root.glob("*.csv"))]
    units = {str(u) for t in tables if list(t.columns) == PUBLISHED_COLUMNS for u in t["unit"]}
    assert units and units <= set(TOLERANCES)


@pytest.mark.unit
def test_paper_names_and_titles_come_from_the_published_folder(tmp_path):
    """The report knows no paper: titles are the published folder's papers.csv, and a paper name may hold '_'."""
    from prunebench.report.sources import read_papers, split_name

    (tmp_path / "papers.csv").write_text('paper,title\nmy_paper,"A Paper, 2026"\nslr,SLR\n')
    papers = read_papers(tmp_path)
    assert papers == {"my_paper": "A Paper, 2026", "slr": "SLR"}
    assert split_name(tmp_path / "my_paper_table_cifar.csv", papers) == ("my_paper", "table_cifar")
    assert split_name(tmp_path / "slr_table1.csv", papers) == ("slr", "table1")
    assert read_papers(tmp_path / "absent") == {}


def test_no_absolute_path_of_the_build_machine_in_the_report(tree):
    md, html = build_md(tree), (tree["out"] / "index.html").read_text(encoding="utf-8")
    roots = {str(tree["results"].parent), str(Path.cwd()), str(Path.home())}
    assert not [root for root in roots if root in md or root in html]


def test_the_reports_first_section_is_every_claims_verdict_per_scale(tree):
    md = build_md(tree)
    html = (tree["out"] / "index.html").read_text(encoding="utf-8")
    assert md.split("\n## ", 1)[1].startswith("Verdicts at a glance")
    first_table = next(t for t in tables(md.split("\n## ", 2)[1]) if t)
    assert {r["claim"] for r in first_table} >= {"C-BEAT", "C-LIMIT"}
    assert "paper" in first_table[0] and "quick" in first_table[0]
    assert html.index('class="verdicts"') < html.index('class="summary"') < html.index('class="paper"')


def test_a_scale_with_no_published_number_run_is_one_line_with_its_reason_not_a_grid(tree):
    from prunebench.reproduce import record_not_run
    from prunebench.reproduction import Reproduction
    from tests.report_fixtures import TOY_CLAIMS

    record_not_run("toy", "t1", "quick", "its proxy sits at chance", Reproduction("toy", "t1", "Toy table", lambda scale, seeds: [], claims=TOY_CLAIMS),
                   tree["results"])
    html = html_of(tree)
    quick = html[html.index('id="toy-t1"'):]
    quick = quick[quick.index('reduced">quick'):]
    quick = quick[:quick.index('class="scale"') if 'class="scale"' in quick else len(quick)]
    assert "Not run at this scale: none of the" in quick and "its proxy sits at chance" in quick
    assert 'class="matrix"' not in quick  # the grid of "not run" cells is gone


def test_tables_come_in_the_papers_order():
    from prunebench.reproduction import in_paper_order

    names = ["table10", "figure2", "table2", "table_cifar", "figure1", "table1"]
    assert sorted(names, key=in_paper_order) == ["table1", "table2", "table10", "table_cifar", "figure1", "figure2"]


def test_the_committed_results_build_without_a_warning(tmp_path):
    """Every figure of the committed results laid out (a series list too long for a legend becomes a colour scale)."""
    import warnings

    from prunebench.paths import PROJECT_ROOT, PUBLISHED

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build.build_report(PROJECT_ROOT / "results", tmp_path / "out", PUBLISHED, tmp_path / "nightly", pdf=False)


def test_a_wide_table_prints_in_parts_that_keep_every_column():
    """A PDF page has room for PRINT_COLUMNS published columns side by side: a wider table prints in several parts
    of the same cells, every column in one of them (the screen keeps one table that scrolls in its box)."""
    from prunebench.report.tables import PRINT_COLUMNS, Matrix

    columns = [("ns", f"m{i}") for i in range(10)] + [("proximal_ns", f"m{i}") for i in range(5)]
    wide = Matrix(columns, [f"c/{i}" for i in range(20)])  # more cells than columns: not transposed
    parts = wide.parts(PRINT_COLUMNS)
    assert not wide.transposed and len(parts) == 3
    assert [c for part in parts for c in part.columns] == columns and all(p.cells == wide.cells for p in parts)
    assert all(len(p.columns) <= PRINT_COLUMNS and not p.transposed for p in parts)
    tall = Matrix(columns, [f"c/{i}" for i in range(9)])  # transposed: its cells are the printed columns
    assert tall.transposed and [c for p in tall.parts(PRINT_COLUMNS) for c in p.cells] == tall.cells
    assert all(len(p.cells) <= PRINT_COLUMNS and p.columns == columns for p in tall.parts(PRINT_COLUMNS))


def test_the_committed_proximal_ns_table_prints_its_own_methods_columns(tmp_path):
    import re

    from prunebench.paths import PROJECT_ROOT, PUBLISHED

    build.build_report(PROJECT_ROOT / "results", tmp_path / "out", PUBLISHED, tmp_path / "nightly", pdf=False)
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    table = html[html.index('id="proxns-table1"'):]
    table = table[:table.index("<article", 10)] if "<article" in table[10:] else table
    printed = "".join(re.findall(r'<div class="print-only">(.*?)<!-- /print-only -->', table, re.S))
    assert ">proximal_ns<" in printed and ">ns<" in printed


def test_a_spread_of_seeds_that_agree_to_the_last_bits_prints_as_zero():
    from prunebench.report.tables import number, spread

    assert number(spread(8.7e-15, 49.93)) == "0.00" and number(spread(2.72e-16, 1.97)) == "0.00"
    assert number(spread(0.00047, 100.0)) == "0.00047" and number(spread(1.43, 32.06)) == "1.43"


def committed_with_grda_figure4(tmp_path: Path) -> Path:
    """The committed results and gRDA Figure 4's last quick rows (every run at chance; the table is not run at quick
    since): a figure at chance beside the paper's points, and a table too long to print."""
    from prunebench.paths import PROJECT_ROOT

    root = tmp_path / "results"
    shutil.copytree(PROJECT_ROOT / "results", root)
    shutil.copytree(Path(__file__).parent / "data" / "grda_figure4_quick", root, dirs_exist_ok=True)
    return root


def test_a_figure_sits_in_its_tables_section_with_chance_and_no_signal_drawn(tmp_path):
    from prunebench.paths import PUBLISHED

    results = committed_with_grda_figure4(tmp_path)
    tmp_path = tmp_path / "report"
    html = build.build_report(results, tmp_path, PUBLISHED, tmp_path / "none", pdf=False).read_text(encoding="utf-8")
    for paper, figure in (("greg", "figure1"), ("slr", "figure2")):  # slr figure2: published numbers, Table 3's runs
        section = html[html.index(f'<article class="table" id="{paper}-{figure}">'):]
        section = section[:section.index("</article>")]
        assert f'alt="{paper} {figure} at quick scale"' in section
    assert "<h3>slr · figure2 — published numbers only (no reproduction of its own)</h3>" in html
    grda = (tmp_path / "figures" / "grda_figure4_accuracy_sparsity_quick.svg").read_text(encoding="utf-8")
    assert "chance (0.5 %)" in grda and "no signal: every run at chance" in grda  # ResNet-50 at quick: 0.5 %
    assert "no signal: our series is flat at 0" in (tmp_path / "figures" / "slr_figure2_quick.svg").read_text()
    assert "no signal" not in (tmp_path / "figures" / "greg_figure1_quick.svg").read_text()
    layers = html[html.index('<article class="table" id="grda-figure4_layerwise">'):]
    layers = layers[:layers.index("</article>")]  # 54 layers × 2 metrics: a link and the figure, not a grid
    assert '<a href="tables/grda_figure4_layerwise_quick.csv">' in layers and 'class="matrix"' not in layers
    download = pd.read_csv(tmp_path / "tables" / "grda_figure4_layerwise_quick.csv")
    assert len(download) > 200 and {"published", "reproduced", "status"} <= set(download.columns)
    assert 'class="matrix"' in html[html.index('id="greg-table2"'):]  # GReg Table 2 stays a (transposed) grid


def test_overrides_that_share_a_reason_give_it_once():
    from prunebench.report.views import reasons_once

    assert reasons_once(["data set x", "greg τ: 80 (paper: 1); budget", "greg δλ: 4 (paper: 1e-4); budget",
                         "quick: a; b", "data set x"]) == ["data set x", "greg τ: 80 (paper: 1), greg δλ: 4 (paper: 1e-4); budget",
                                             "quick: a; b"]


def test_the_papers_points_are_drawn_where_a_figure_names_the_metrics_of_a_published_table():
    from prunebench.report.plots import paper_points

    table = pd.DataFrame({"cell": ["a", "a", "b", "b", "c"], "method": ["grda"] * 4 + ["sgd"],
                          "metric": ["top1_trained", "sparsity_all"] * 2 + ["top1_trained"],
                          "value": ["70.1", "90", "60", "95", "75"]})
    ours = pd.DataFrame({"x": [99.0], "y": [0.5], "x_metric": ["sparsity_all"], "y_metric": ["top1_trained"]})
    points = paper_points(table, ours)
    assert list(points) == ["grda: top1_trained (paper)"]  # SGD prints no sparsity: no point
    assert points["grda: top1_trained (paper)"].values.tolist() == [[90.0, 70.1], [95.0, 60.0]]
    assert paper_points(table, ours.drop(columns="x_metric")) == {}
