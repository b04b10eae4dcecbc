"""The SLR Table 1 reproduction at smoke scale writes the expected rows, logs and claims."""
import pandas as pd
import pytest

from prunebench.claims import evaluate_claims
from prunebench.reproduction_cli import run_reproduction
from prunebench.results import COLUMNS
from prunebench.train import Trainer
from reproductions.slr import table1

pytestmark = pytest.mark.smoke


def test_table1_smoke_writes_expected_rows(tmp_path, monkeypatch):
    args = ["--scale", "smoke", "--no-progress", "--runs-root", str(tmp_path / "runs"),
            "--baselines-root", str(tmp_path / "base"), "--results", str(tmp_path / "results")]
    assert run_reproduction(table1.REPRODUCTION, args) == 0
    frame = pd.read_csv(tmp_path / "results" / "smoke" / "slr_table1.csv")
    assert list(frame.columns) == COLUMNS
    assert set(frame["scale"]) == {"smoke"}
    cells = {"cifar10/resnet18", "cifar10/resnet18~p0.5", "cifar10/resnet18~p0.8"}
    assert set(frame["cell"]) == cells
    hard = frame[frame["metric"] == "top1_hardprune"]
    assert sorted(hard["method"]) == ["admm"] * 3 + ["slr"] * 3
    assert hard["value"].between(0, 100).all()
    main_row = hard[hard["cell"] == "cifar10/resnet18"]
    assert set(main_row["prune_ratio"]) == {0.9}
    assert (frame[frame["metric"] == "top1_trained"]["method"] == "dense").all()
    # every pruned run reached the planned per-layer sparsity, so its overall sparsity is what the plan gives
    assert (hard["sparsity"] > 0.4).all()

    log = pd.read_csv(tmp_path / "results" / "smoke" / "logs" / "slr_table1_updates.csv")
    slr_log = log[log["method"] == "slr"]
    assert {"cond3", "cond8", "s", "alpha", "residual_w_minus_z"} <= set(slr_log.columns)
    assert len(slr_log) == 3 * 2  # three ratios, one update per epoch, two epochs

    # the claims' verdicts, recomputed here from the rows and the update log: one seed gives a direction, no verdict
    verdicts = {claim.id: verdict for claim, verdict in evaluate_claims(table1.CLAIMS, frame)}
    by_ratio = hard.sort_values("prune_ratio")
    slr = by_ratio[by_ratio["method"] == "slr"]["value"].to_numpy()
    admm = by_ratio[by_ratio["method"] == "admm"]["value"].to_numpy()
    assert verdicts["SLR-C1"].n == 1 and verdicts["SLR-C1"].status in ("inconclusive", "no signal")
    assert all(f"Δ {a - b:+.2f} (n=1, no interval)" in verdicts["SLR-C1"].evidence for a, b in zip(slr, admm, strict=True))
    assert verdicts["ADMM-C1"].status in ("inconclusive", "no signal")
    # two updates a run cannot break a limit of five violated updates in a row: nothing measured
    assert verdicts["SLR-C6"].status == "no signal" and "at most 2 updates" in verdicts["SLR-C6"].evidence

    # asking again trains nothing (any training would raise) and rewrites the same rows
    def no_training(self):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(Trainer, "fit", no_training)
    assert run_reproduction(table1.REPRODUCTION, args) == 0
    again = pd.read_csv(tmp_path / "results" / "smoke" / "slr_table1.csv")
    assert again.drop(columns=[c for c in ("finished_at",) if c in again]).equals(
        frame.drop(columns=[c for c in ("finished_at",) if c in frame])
    )


def test_a_dry_run_counts_what_is_cached_and_what_is_left_and_estimates_from_the_recorded_session(tmp_path, capsys):
    args = ["--scale", "smoke", "--no-progress", "--runs-root", str(tmp_path / "runs"),
            "--baselines-root", str(tmp_path / "base"), "--results", str(tmp_path / "results")]
    assert run_reproduction(table1.REPRODUCTION, [*args, "--dry-run"]) == 0
    before = capsys.readouterr().out.splitlines()
    assert before[0] == ("slr table1 at smoke scale: 7 arms, 7 runs with their inputs, 0 cached, 7 to train; no "
                         "recorded session of this table at this scale to estimate the time from")
    assert all(" to run " in line for line in before[1:] if line.startswith("  cifar10"))
    assert run_reproduction(table1.REPRODUCTION, args) == 0
    capsys.readouterr()
    assert run_reproduction(table1.REPRODUCTION, [*args, "--dry-run"]) == 0
    after = capsys.readouterr().out.splitlines()
    assert after[0] == "slr table1 at smoke scale: 7 arms, 7 runs with their inputs, 7 cached, 0 to train"
    assert all(" cached " in line for line in after[1:] if line.startswith("  cifar10"))
