"""Small hand-made CSV trees for the report tests: published tables and figures, results at two scales
(several seeds, a NaN seed, sweep cells), claim verdicts, table metadata, figure series."""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd

from prunebench.claims import Claim, at_most, beats, verdict_frame
from prunebench.paths import PUBLISHED
from prunebench.report.sources import PAPERS_CSV
from prunebench.results import COLUMNS

PUBLISHED_HEADER = ["paper", "table", "cell", "dataset", "model", "method", "metric", "value", "unit", "source", "note"]
QUICK_WALL, PAPER_WALL = 1.5, 10.0
TOY_CLAIMS = [
    Claim("C-BEAT", "SLR beats ADMM after the hard prune.", beats("top1_hardprune", "slr", "admm")),
    Claim("C-LIMIT", "SLR's hard-prune accuracy stays below 95.", at_most("top1_hardprune", "slr", 95.0)),
]
QUICK_META = {
    "paper": "toy", "table": "t1", "scale": "quick", "title": "Toy paper, Table 1: a test table",
    "command": "make reproduce-toy-t1 SCALE=quick", "argv": "python -m reproductions.toy.t1 --scale quick",
    "differences": ["data set fashion_mnist instead of the paper's", "models at 0.25× width"],
    "hardware": {"device": "cpu", "processor": "x86_64", "cpus": 2}, "versions": {"python": "3.11.7", "torchvision": "0.29.1"},
    "git_sha": "abc1234", "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:05Z",
    "session_wall_seconds": 4.5, "runs": 3,
}


def claim_rows(values: dict[tuple[str, str, str, float], list[float]], paper: str = "toy", table: str = "t1") -> pd.DataFrame:
    """{(cell, method, metric, prune_ratio): one value per seed} -> quick-scale result rows, for claim checks."""
    rows = []
    for (cell, method, metric, ratio), per_seed in values.items():
        for seed, value in enumerate(per_seed):
            rows.append({**dict.fromkeys(COLUMNS), "paper": paper, "table": table, "cell": cell, "scale": "quick",
                         "run_id": f"{method}-{ratio:g}-{seed}", "method": method, "dataset": "cifar10", "seed": seed,
                         "metric": metric, "value": value, "prune_ratio": ratio})
    return pd.DataFrame(rows, columns=COLUMNS)


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
        rows += run_rows("paper", "c/a", "slr", seed, {"top1_hardprune": v, "compression_nonbias": 8.60, "epochs": 40}, 0.9,
                         PAPER_WALL)
    rows += run_rows("paper", "c/a", "admm", 0, {"top1_hardprune": 78.5, "compression_nonbias": 8.40, "epochs": 39}, 0.9,
                     PAPER_WALL)
    rows += run_rows("paper", "c/a", "dense", 0, {"top1_trained": 92.3}, 0.0, PAPER_WALL, device="cuda (H100)")
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
    rows += run_rows("quick", "c/a~p0.5", "slr", 0, {"top1_hardprune": 85.0, "top1_start_hardprune": 40.0}, 0.5,
                     QUICK_WALL)
    return pd.DataFrame(rows)[COLUMNS]


def figure_rows(panels: dict[str, dict[str, list[tuple[int, float, float]]]], **extra) -> pd.DataFrame:
    """{panel: {series: [(seed, x, y), ...]}} -> long figure rows."""
    rows = [{"panel": p, "series": s, "x": x, "y": y, "x_label": "epoch", "y_label": "top-1 (%)", "seed": seed, **extra}
            for p, series in panels.items() for s, points in series.items() for seed, x, y in points]
    return pd.DataFrame(rows)


def make_tree(root: Path) -> dict[str, Path]:
    published, results = root / "published", root / "results"
    published.mkdir(parents=True)
    shutil.copyfile(PUBLISHED / PAPERS_CSV, published / PAPERS_CSV)  # the project's four papers, titled
    published_rows("toy", "t1", [
        ("c/a", "dense", "top1_trained", 92.0, "%"),
        ("c/a", "slr", "top1_hardprune", 90.0, "%"),
        ("c/a", "admm", "top1_hardprune", 80.0, "%"),
        ("c/a", "both", "compression_nonbias", 8.71, "x"),
        ("c/a", "both", "epochs", 40, "epochs"),
        ("c/b", "slr", "top1_hardprune", 70.0, "%"),
        ("c/b", "admm", "top1_hardprune", 70.0, "%"),
        ("c/c", "slr", "top1_hardprune", 60.0, "%"),
        ("c/d", "slr", "top1_hardprune", 50.0, "%"),
    ]).to_csv(published / "toy_t1.csv", index=False)
    published_rows("other", "t2", [("x/y", "slr", "top1_hardprune", 55.5, "%")]).to_csv(published / "other_t2.csv", index=False)
    figure_rows({"A": {"slr": [(0, 1, 50.0), (0, 2, 70.0)]}}).drop(columns="seed").assign(source="Toy, Fig. 1") \
        .to_csv(published / "toy_fig1.csv", index=False)
    for scale, frame in (("paper", paper_results()), ("quick", quick_results())):
        for sub in ("logs", "claims", "meta", "figures"):
            (results / scale / sub).mkdir(parents=True)
        frame.to_csv(results / scale / "toy_t1.csv", index=False)
        verdict_frame(TOY_CLAIMS, frame, paper="toy", table="t1", scale=scale, evaluated_at="2026-01-02T00:00:00Z",
                      git_sha="abc1234").to_csv(results / scale / "claims" / "toy_t1.csv", index=False)
    (results / "quick" / "meta" / "toy_t1.json").write_text(json.dumps(QUICK_META))
    figure_rows({
        "A": {"slr": [(0, 1, 40.0), (0, 2, 60.0), (1, 1, 44.0), (1, 2, 64.0)], "admm": [(0, 1, 30.0), (0, 2, 35.0)]},
        "B": {"slr": [(0, 0.5, 1.0), (0, 0.9, 2.0)]},
    }).to_csv(results / "quick" / "figures" / "toy_fig1.csv", index=False)
    (results / "reference").mkdir()
    quick_results().to_csv(results / "reference" / "toy_t1.csv", index=False)  # the nightly baseline: not a scale
    return {"published": published, "results": results, "out": root / "build", "nightly": root / "nightly"}
