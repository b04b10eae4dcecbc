"""What a reproduction leaves for the report besides its rows: claim verdicts and the table's metadata."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from prunebench import provenance, reproduce
from prunebench.config import RunConfig
from prunebench.paths import claims_csv, results_csv
from prunebench.reproduction import Reproduction, declared
from tests.report_fixtures import TOY_CLAIMS, quick_results

pytestmark = pytest.mark.unit


TOY = Reproduction("toy", "t1", "Table 1: a test table", lambda scale, seeds: [], claims=TOY_CLAIMS,
                   differences=("dense baselines trained by our recipe",))


@pytest.fixture
def toy_module(monkeypatch) -> Reproduction:
    """A script reproductions/toy/t1.py declaring TOY, as the core finds and loads one."""
    monkeypatch.setattr("prunebench.reproduction.scripts", lambda: {"toy/t1": "reproductions.toy.t1"})
    monkeypatch.setattr("prunebench.reproduction.import_entry", lambda entry: TOY)
    return TOY


def test_claims_are_judged_on_the_whole_results_csv_and_written_for_the_report(tmp_path, toy_module):
    results = results_csv("quick", "toy", "t1", tmp_path)
    results.parent.mkdir(parents=True)
    quick_results().to_csv(results, index=False)
    path = reproduce.judge_claims("toy", "t1", "quick", TOY_CLAIMS, tmp_path)
    assert path == claims_csv("quick", "toy", "t1", tmp_path)
    verdicts = pd.read_csv(path).set_index("claim")
    assert verdicts.loc["C-BEAT", "status"] == "inconclusive"  # quick: slr 90.10 vs admm 75.00, one seed
    assert "slr 90.10 vs admm 75.00" in verdicts.loc["C-BEAT", "evidence"] and verdicts.loc["C-BEAT", "n"] == 1
    assert verdicts.loc["C-LIMIT", "status"] == "inconclusive" and set(verdicts["scale"]) == {"quick"}  # 2 runs
    assert "interval" in verdicts.loc["C-BEAT", "rule"]
    assert reproduce.judge_all(declared, tmp_path) == [path]  # the claims the script declares


def test_no_module_or_no_results_writes_no_verdicts(tmp_path, toy_module):
    assert declared("nopaper", "t1") is None
    assert declared("toy", "t1") is TOY
    assert reproduce.judge_claims("nopaper", "t1", "quick", (), tmp_path) is None
    assert reproduce.judge_claims("toy", "t1", "quick", TOY_CLAIMS, tmp_path) is None  # no results CSV yet


def test_table_meta_names_the_command_the_differences_the_runs_used_and_the_session(toy_module):
    """The differences are read from the runs, not the scale's declaration: a reproduction may use 3k images
    and three seeds where the quick scale says 12k and one."""
    dense = RunConfig(dataset="fashion_mnist", model="resnet56", width=0.25, epochs=4, batch_size=128, train_subset=3000)
    configs = [dense, replace(dense, seed=2, epochs=8), replace(dense, seed=1, width=1.0, train_subset=None)]
    meta = provenance.table_meta("toy", "t1", "quick", declared("toy", "t1"), "cpu", configs=configs, started_at="a",
                                 finished_at="b", wall_seconds=12.3456)
    assert meta["title"] == "Table 1: a test table"
    assert meta["command"] == "make reproduce-toy-t1 SCALE=quick"
    assert meta["differences"] == [
        "data set fashion_mnist instead of the paper's", "models at 0.25× width", "at most 8 epochs per run",
        "training images per run: all, 3000", "batch size 128", "seed(s) 0, 1, 2", "dense baselines trained by our recipe"]
    assert meta["session_wall_seconds"] == 12.346 and meta["runs"] == 3
    assert meta["versions"]["prunebench"] == "0.1.0" and meta["hardware"]["device"] == "cpu"
    paper = provenance.table_meta("toy", "t1", "paper", None, "cpu", configs=[dense], started_at="a", finished_at="b",
                                  wall_seconds=1.0)
    assert paper["differences"] == [] and paper["title"] == "toy t1"
