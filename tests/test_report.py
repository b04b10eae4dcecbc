"""The report from small hand-made CSVs: statuses, Δ, tolerances, failed runs, proxies, claims, provenance."""
from __future__ import annotations

import math
import re
import sys
import time
import types
from pathlib import Path

import pandas as pd
import pytest

from prunebench import report
from prunebench.claims import Claim, at_most, beats
from prunebench.results import COLUMNS

pytestmark = pytest.mark.unit

PUBLISHED_HEADER = ["paper", "table", "cell", "dataset", "model", "method", "metric", "value", "unit", "source", "note"]
QUICK_WALL, PAPER_WALL = 1.5, 10.0


def published_rows(paper: str, table: str, rows: list[tuple[str, str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [[paper, table, cell, "c", cell.split("/")[1], method, metric, value, unit, "Toy et al., Table 1", ""]
         for cell, method, metric, value, unit in rows],
        columns=PUBLISHED_HEADER,
    )


def run_rows(scale: str, cell: str, method: str, seed: int, metrics: dict[str, float], ratio: float,
             wall: float, device: str = "cpu (test, 2 threads)") -> list[dict]:
    run_id = f"{method}-{cell}-{scale}/seed{seed}"
    base = {c: 0 for c in COLUMNS}
    base.update(paper="toy", table="t1", cell=cell, scale=scale, run_id=run_id, method=method, model="m",
                dataset="d", seed=seed, prune_ratio=ratio, counting_rule="nonbias", wall_seconds=wall,
                device=device, torch_version="x", prunebench_version="0.1.0", git_sha="abc1234",
                finished_at="2026-01-01T00:00:00Z")
    return [{**base, "metric": metric, "value": value} for metric, value in metrics.items()]


def paper_results() -> pd.DataFrame:
    rows = []
    # c/a: slr within 1 pp (3 seeds), admm outside (1 seed); compression 2 % relative; epochs exact
    for seed, v in enumerate([90.6, 90.8, 91.0]):
        rows += run_rows("paper", "c/a", "slr", seed, {"top1_hardprune": v, "compression": 8.60, "epochs": 40}, 0.9,
                         PAPER_WALL)
    rows += run_rows("paper", "c/a", "admm", 0, {"top1_hardprune": 78.5, "compression": 8.40, "epochs": 39}, 0.9,
                     PAPER_WALL)
    rows += run_rows("paper", "c/a", "dense", 0, {"top1_baseline": 92.3}, 0.0, PAPER_WALL, device="cuda (H100)")
    # c/b: same Δ = -2; slr's std 2 gives a 4-point tolerance, admm's std 0.1 leaves 1 point
    for seed, v in enumerate([66.0, 68.0, 70.0]):
        rows += run_rows("paper", "c/b", "slr", seed, {"top1_hardprune": v}, 0.5, PAPER_WALL)
    for seed, v in enumerate([67.9, 68.0, 68.1]):
        rows += run_rows("paper", "c/b", "admm", seed, {"top1_hardprune": v}, 0.5, PAPER_WALL)
    # c/c: one of three seeds diverged
    for seed, v in enumerate([60.0, math.nan, 60.2]):
        rows += run_rows("paper", "c/c", "slr", seed, {"top1_hardprune": v}, 0.5, PAPER_WALL)
    return pd.DataFrame(rows)[COLUMNS]


def quick_results() -> pd.DataFrame:
    rows = run_rows("quick", "c/a", "slr", 0, {"top1_hardprune": 90.1, "top1_before_hardprune": 88.0, "slr_updates": 4},
                    0.9, QUICK_WALL)
    rows += run_rows("quick", "c/a", "admm", 0, {"top1_hardprune": 75.0}, 0.9, QUICK_WALL)
    rows += run_rows("quick", "c/a~p0.5", "slr", 0, {"top1_hardprune": 85.0, "top1_oneshot_magnitude": 40.0}, 0.5,
                     QUICK_WALL)
    return pd.DataFrame(rows)[COLUMNS]


TOY_CLAIMS = [
    Claim("C-BEAT", "SLR beats ADMM after the hard prune.", beats("top1_hardprune", "slr", "admm")),
    Claim("C-LIMIT", "SLR's hard-prune accuracy stays below 95.", at_most("top1_hardprune", "slr", 95.0)),
]


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    published, results = tmp_path / "published", tmp_path / "results"
    published.mkdir()
    published_rows("toy", "t1", [
        ("c/a", "dense", "top1_baseline", 92.0, "%"),
        ("c/a", "slr", "top1_hardprune", 90.0, "%"),
        ("c/a", "admm", "top1_hardprune", 80.0, "%"),
        ("c/a", "both", "compression", 8.71, "x"),
        ("c/a", "both", "epochs", 40, "epochs"),
        ("c/b", "slr", "top1_hardprune", 70.0, "%"),
        ("c/b", "admm", "top1_hardprune", 70.0, "%"),
        ("c/c", "slr", "top1_hardprune", 60.0, "%"),
        ("c/d", "slr", "top1_hardprune", 50.0, "%"),
    ]).to_csv(published / "toy_t1.csv", index=False)
    published_rows("other", "t2", [("x/y", "slr", "top1_hardprune", 55.5, "%")]).to_csv(published / "other_t2.csv", index=False)
    for scale, frame in (("paper", paper_results()), ("quick", quick_results())):
        (results / scale / "logs").mkdir(parents=True)
        frame.to_csv(results / scale / "toy_t1.csv", index=False)
    return {"published": published, "results": results, "out": tmp_path / "build"}


@pytest.fixture(autouse=True)
def fixed_sha(monkeypatch):
    monkeypatch.setattr(report, "git_sha", lambda: "feedbee")


def build(tree: dict[str, Path], claims=None) -> str:
    path = report.build_report(tree["results"], tree["out"], tree["published"],
                               claims={("toy", "t1"): TOY_CLAIMS} if claims is None else claims)
    assert path == tree["out"] / "report.md"
    return path.read_text(encoding="utf-8")


def sections(md: str) -> dict[str, str]:
    return {part.split("\n", 1)[0]: part for part in md.split("\n## ")[1:]}


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


def row(md: str, section: str, scale: str, cell: str, method: str, metric: str) -> dict[str, str]:
    found = [r for t in tables(sections(md)[section]) for r in t
             if r.get("scale") == scale and (r.get("cell"), r.get("method"), r.get("metric")) == (cell, method, metric)]
    assert len(found) == 1, f"{len(found)} rows for {scale} {cell} {method} {metric}"
    return found[0]


def test_paper_cell_within_one_point_is_reproduced_with_mean_std_over_three_seeds(tree):
    r = row(build(tree), "toy · t1", "paper", "c/a", "slr", "top1_hardprune")
    assert r["published"] == "90.00"
    assert r["reproduced"] == "90.80 ± 0.20 (n=3)"
    assert r["Δ"] == "+0.80"
    assert r["status"] == "reproduced"


def test_paper_cell_beyond_tolerance_is_outside_and_single_seed_says_n1(tree):
    r = row(build(tree), "toy · t1", "paper", "c/a", "admm", "top1_hardprune")
    assert (r["reproduced"], r["Δ"], r["status"]) == ("78.50 (n=1)", "-1.50", "outside tolerance")


def test_tolerance_widens_to_two_std_over_seeds(tree):
    md = build(tree)
    noisy = row(md, "toy · t1", "paper", "c/b", "slr", "top1_hardprune")  # Δ -2, std 2 -> tolerance 4
    tight = row(md, "toy · t1", "paper", "c/b", "admm", "top1_hardprune")  # Δ -2, std 0.1 -> tolerance 1
    assert (noisy["reproduced"], noisy["Δ"], noisy["status"]) == ("68.00 ± 2.00 (n=3)", "-2.00", "reproduced")
    assert (tight["reproduced"], tight["Δ"], tight["status"]) == ("68.00 ± 0.10 (n=3)", "-2.00", "outside tolerance")


def test_compression_is_judged_relative_and_epochs_exactly_for_each_method_of_a_both_row(tree):
    md = build(tree)
    assert row(md, "toy · t1", "paper", "c/a", "slr", "compression")["status"] == "reproduced"  # 1.3 % off
    assert row(md, "toy · t1", "paper", "c/a", "admm", "compression")["status"] == "outside tolerance"  # 3.6 % off
    assert row(md, "toy · t1", "paper", "c/a", "slr", "epochs")["status"] == "reproduced"
    epochs = row(md, "toy · t1", "paper", "c/a", "admm", "epochs")
    assert (epochs["published"], epochs["Δ"], epochs["status"]) == ("40.00", "-1.00", "outside tolerance")


def test_reproduced_rows_without_published_number_keep_only_headline_metrics(tree):
    md = build(tree)
    sweep = row(md, "toy · t1", "quick", "c/a~p0.5", "slr", "top1_hardprune")
    assert (sweep["published"], sweep["reproduced"], sweep["Δ"], sweep["status"]) == (
        "—", "85.00 (n=1)", "—", "no published number")
    assert row(md, "toy · t1", "quick", "c/a~p0.5", "slr", "top1_oneshot_magnitude")["status"] == "no published number"
    assert "top1_before_hardprune" not in md and "slr_updates" not in md
    # the sweep cell follows its published cell
    cells = [r["cell"] for r in tables(sections(md)["toy · t1"])[1]]
    assert cells.index("c/a~p0.5") > max(i for i, c in enumerate(cells) if c == "c/a")


def test_published_numbers_without_results_are_not_run(tree):
    md = build(tree)
    for scale in ("paper", "quick"):
        r = row(md, "toy · t1", scale, "c/d", "slr", "top1_hardprune")
        assert (r["published"], r["reproduced"], r["Δ"], r["status"]) == ("50.00", "—", "—", "not run")
    other = sections(md)["other · t2"]
    assert "### Published numbers (not run at any scale)" in other
    (only,) = tables(other)[0]
    assert (only["cell"], only["published"], only["status"]) == ("x/y", "55.50", "not run")
    assert "make reproduce-other-t2 SCALE=paper|quick|smoke" in other


def test_a_nan_seed_is_a_failed_run_counted_in_n(tree):
    r = row(build(tree), "toy · t1", "paper", "c/c", "slr", "top1_hardprune")
    assert r["reproduced"] == "60.10 ± 0.14 (n=3, 1 failed)"
    assert r["status"] == "failed run"
    assert r["Δ"] == "(+0.10)"


def test_quick_rows_are_proxies_even_within_tolerance(tree):
    md = build(tree)
    r = row(md, "toy · t1", "quick", "c/a", "slr", "top1_hardprune")
    assert (r["reproduced"], r["Δ"], r["status"]) == ("90.10 (n=1)", "(+0.10)", "quick-scale proxy (not comparable)")
    assert all(r["status"] != "reproduced" for r in tables(sections(md)["toy · t1"])[1])


def test_claims_hold_fail_or_are_not_run_per_scale(tree):
    claims = {(r["id"], r["scale"]): r for r in tables(sections(build(tree))["toy · t1"])[-1]}
    assert claims[("C-BEAT", "paper")]["verdict"] == "fails"  # c/b: 68.00 vs 68.00
    assert "c/b p=0.5: slr 68.00 vs admm 68.00" in claims[("C-BEAT", "paper")]["evidence"]
    assert claims[("C-BEAT", "quick")]["verdict"] == "holds"  # 90.10 vs 75.00
    assert claims[("C-BEAT", "smoke")]["verdict"] == "not run"
    assert claims[("C-LIMIT", "paper")]["verdict"] == "holds"
    assert claims[("C-BEAT", "quick")]["statement"] == "SLR beats ADMM after the hard prune."


def test_claims_default_to_the_reproduction_module(tree, monkeypatch):
    module = types.ModuleType("reproductions.toy.t1")
    module.CLAIMS = [Claim("C-MOD", "From the module.", at_most("top1_hardprune", "slr", 1.0))]
    monkeypatch.setitem(sys.modules, "reproductions.toy", types.ModuleType("reproductions.toy"))
    monkeypatch.setitem(sys.modules, "reproductions.toy.t1", module)
    parts = sections(report.build_report(tree["results"], tree["out"], tree["published"]).read_text())
    claims = {(r["id"], r["scale"]): r["verdict"] for r in tables(parts["toy · t1"])[-1]}
    assert claims[("C-MOD", "paper")] == "fails" and claims[("C-MOD", "quick")] == "fails"
    assert "No claims registered for other t2" in parts["other · t2"]


def test_header_and_provenance(tree):
    md = build(tree)
    assert "git sha `feedbee`" in md and "**failed run**" in md and "**not run**" in md
    toy = sections(md)["toy · t1"]
    quick = toy[toy.index("### Scale: quick"):]
    assert "make reproduce-toy-t1 SCALE=quick" in quick
    assert "Fashion-MNIST 28x28x1, 1/4 width" in quick  # SCALES.get("quick").description
    assert f"3 run(s), {3 * QUICK_WALL:.2f} wall-seconds" in quick  # summed once per run, not per row
    paper = toy[toy.index("### Scale: paper"):toy.index("### Scale: quick")]
    assert f"14 run(s), {14 * PAPER_WALL:.2f} wall-seconds" in paper
    assert "cpu (test, 2 threads), cuda (H100)" in paper
    assert "max(1.00 percentage point, 2·std over seeds)" in paper
    assert toy.index("### Scale: paper") < toy.index("### Scale: quick")


def test_markdown_tables_are_aligned(tree):
    md = build(tree)
    block: list[str] = []
    for line in [*md.splitlines(), ""]:
        if line.startswith("| "):
            block.append(line)
        elif block:
            assert len({len(x) for x in block}) == 1, block[0]
            block = []


def test_html_renders_the_same_tables_escaped(tree):
    md = build(tree)
    html = (tree["out"] / "index.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<link" not in html and "<script" not in html
    assert html.count("<table>") == sum(1 for line in md.splitlines() if line.startswith("| ---") or line.startswith("| :"))
    assert "90.80 ± 0.20 (n=3)" in html and "quick-scale proxy (not comparable)" in html
    assert "<code>make reproduce-toy-t1 SCALE=quick</code>" in html


def test_main_prints_the_markdown_fast(tree, capsys):
    start = time.perf_counter()
    assert report.main(["--results", str(tree["results"]), "--out", str(tree["out"]),
                        "--published", str(tree["published"])]) == 0
    assert time.perf_counter() - start < 5.0
    out = capsys.readouterr().out
    assert out == (tree["out"] / "report.md").read_text(encoding="utf-8")
    assert out.startswith("# prunebench reproduction report")


def test_empty_roots_give_a_report_saying_so(tmp_path):
    path = report.build_report(tmp_path / "none", tmp_path / "out", tmp_path / "nothing", claims={})
    assert "No published numbers and no results found." in path.read_text()
    assert (tmp_path / "out" / "index.html").exists()
