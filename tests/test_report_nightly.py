"""The nightly comparison: an unchanged run passes, an injected regression is flagged, tolerances by metric."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from prunebench import nightly
from tests.report_fixtures import paper_results

pytestmark = pytest.mark.unit
KEY = {"cell": "c/a", "method": "slr", "seed": 0, "metric": "top1_hardprune"}


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    ref, new, out = tmp_path / "reference", tmp_path / "quick", tmp_path / "nightly"
    ref.mkdir()
    new.mkdir()
    paper_results().to_csv(ref / "toy_t1.csv", index=False)
    paper_results().to_csv(new / "toy_t1.csv", index=False)
    return {"reference": ref, "results": new, "out": out}


def shift(path: Path, by: float) -> None:
    """Add `by` to one number (c/a, slr, seed 0, top1_hardprune) of a results CSV."""
    frame = pd.read_csv(path)
    frame.loc[(frame[list(KEY)] == pd.Series(KEY)).all(axis=1), "value"] += by
    frame.to_csv(path, index=False)


def statuses(dirs) -> dict[str, str]:
    frame = pd.read_csv(dirs["out"] / "regressions.csv")
    return dict(zip(frame["key"], frame["status"], strict=True))


def run(dirs) -> int:
    return nightly.nightly(dirs["results"], dirs["reference"], dirs["out"], None, benchmarks=False)


def test_an_unchanged_run_passes(dirs):
    assert run(dirs) == 0
    assert set(statuses(dirs).values()) == {"ok"}  # NaN seed in both counts as unchanged


@pytest.mark.parametrize("drop,expected,code", [(3.0, "regression", 1), (1.5, "ok", 0), (-3.0, "improved", 0)])
def test_accuracy_may_drop_two_points(dirs, drop, expected, code):
    shift(dirs["results"] / "toy_t1.csv", -drop)
    assert run(dirs) == code
    assert statuses(dirs)["c/a / slr / 0 / 0.9 / top1_hardprune"] == expected


def test_compression_moving_either_way_regresses_and_diagnostics_are_reported_only(dirs):
    frame = pd.read_csv(dirs["results"] / "toy_t1.csv")
    frame.loc[frame["metric"] == "compression", "value"] *= 1.05
    extra = frame[frame["metric"] == "epochs"].assign(metric="slr_updates", value=10.0)
    frame = pd.concat([frame, extra])
    frame.to_csv(dirs["results"] / "toy_t1.csv", index=False)
    ref = pd.read_csv(dirs["reference"] / "toy_t1.csv")
    pd.concat([ref, extra.assign(value=5.0)]).to_csv(dirs["reference"] / "toy_t1.csv", index=False)
    assert run(dirs) == 1
    s = statuses(dirs)
    assert s["c/a / slr / 0 / 0.9 / compression"] == "regression"
    assert s["c/a / slr / 0 / 0.9 / slr_updates"] == "changed"  # +100 %, but not gated


def test_a_missing_row_a_nan_and_a_missing_table_regress(dirs):
    frame = pd.read_csv(dirs["results"] / "toy_t1.csv")
    frame = frame[~((frame["cell"] == "c/b") & (frame["method"] == "admm"))]
    frame.loc[(frame["cell"] == "c/a") & (frame["metric"] == "epochs") & (frame["method"] == "admm"), "value"] = math.nan
    frame.to_csv(dirs["results"] / "toy_t1.csv", index=False)
    assert run(dirs) == 1
    s = statuses(dirs)
    assert s["c/b / admm / 1 / 0.5 / top1_hardprune"] == "missing"
    assert s["c/a / admm / 0 / 0.9 / epochs"] == "regression"
    (dirs["results"] / "toy_t1.csv").unlink()
    assert run(dirs) == 1 and set(statuses(dirs).values()) == {"missing"}


def test_benchmark_ratios_have_directions(dirs):
    def report(plain: float, speed: float) -> Path:
        path = dirs["out"] / "bench.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"benchmarks": [
            {"name": "test_step[slr]", "extra_info": {"ratio_vs_plain": plain, "plain_step_ms": 70.0}},
            {"name": "test_throughput", "extra_info": {"ratio_vs_reference": speed, "channels_last": True}},
        ]}))
        return path

    reference = nightly.benchmark_ratios(report(1.0, 1.8))
    assert list(reference["quantity"]) == ["ratio_vs_plain", "ratio_vs_reference"]
    reference.to_csv(dirs["reference"] / nightly.BENCH_CSV, index=False)
    unchanged = nightly.compare_benchmarks(nightly.benchmark_ratios(report(1.1, 1.5)), dirs["reference"])
    assert {r["status"] for r in unchanged} == {"ok"}  # +10 % step cost, -17 % speed: within 15 % / 25 %
    worse = nightly.compare_benchmarks(nightly.benchmark_ratios(report(1.2, 1.2)), dirs["reference"])
    assert [r["status"] for r in worse] == ["regression", "regression"]
    better = nightly.compare_benchmarks(nightly.benchmark_ratios(report(0.8, 3.0)), dirs["reference"])
    assert [r["status"] for r in better] == ["improved", "improved"]


def test_aggregate_targets_are_discovered_from_the_makefile(tmp_path):
    makefile = tmp_path / "Makefile"
    makefile.write_text("reproduce-slr-table1: setup  ## one table\n\tx\nreproduce-table1: reproduce-slr-table1\n"
                        "reproduce-slr: reproduce-slr-table1 reproduce-slr-table2\nreproduce-x := 1\n"
                        "reproduce-greg:\n\tx\n")
    assert nightly.aggregate_targets(makefile) == ["reproduce-table1", "reproduce-slr", "reproduce-greg"]
    assert "reproduce-table1" in nightly.aggregate_targets()  # the project's own Makefile


def test_every_target_runs_with_keep_going_and_a_failing_one_regresses(tmp_path, monkeypatch):
    calls = tmp_path / "calls"
    fake_make = tmp_path / "make"
    fake_make.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n[ "$2" != reproduce-slr ]\n')
    fake_make.chmod(0o755)
    monkeypatch.setenv("MAKE", str(fake_make))
    rows = nightly.run_targets(["reproduce-slr", "reproduce-greg"])
    assert calls.read_text().splitlines() == ["-k reproduce-slr SCALE=quick", "-k reproduce-greg SCALE=quick"]
    assert [(r["name"], r["status"]) for r in rows] == [("reproduce-slr", "regression"), ("reproduce-greg", "ok")]


def test_update_reference_replaces_the_tables(dirs):
    (dirs["reference"] / "old_t9.csv").write_text("x\n")
    dirs["out"].mkdir()
    (dirs["out"] / nightly.BENCH_CSV).write_text("benchmark,quantity,value\nb,ratio_vs_plain,1.0\n")
    copied = nightly.update_reference(dirs["results"], dirs["reference"], dirs["out"])
    assert sorted(p.name for p in copied) == [nightly.BENCH_CSV, "toy_t1.csv"]
    assert sorted(p.name for p in dirs["reference"].iterdir()) == [nightly.BENCH_CSV, "toy_t1.csv"]
