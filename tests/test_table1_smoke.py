"""The SLR Table 1 reproduction at smoke scale writes the expected rows, logs and claims."""
import pandas as pd
import pytest

from prunebench.claims import evaluate_claims
from prunebench.results import COLUMNS
from reproductions.slr import table1

pytestmark = pytest.mark.smoke


def test_table1_smoke_writes_expected_rows(tmp_path):
    args = ["--scale", "smoke", "--no-progress", "--runs-root", str(tmp_path / "runs"),
            "--baselines-root", str(tmp_path / "base"), "--results", str(tmp_path / "results")]
    assert table1.main(args) == 0
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
    assert (frame[frame["metric"] == "top1_baseline"]["method"] == "dense").all()
    # every pruned run reached the planned per-layer sparsity, so its overall sparsity is what the plan gives
    assert (hard["sparsity"] > 0.4).all()

    log = pd.read_csv(tmp_path / "results" / "smoke" / "logs" / "slr_table1_updates.csv")
    slr_log = log[log["method"] == "slr"]
    assert {"cond3", "cond8", "s", "alpha", "residual_w_minus_z"} <= set(slr_log.columns)
    assert len(slr_log) == 3 * 2  # three ratios, one update per epoch, two epochs

    verdicts = {claim.id: verdict.status for claim, verdict in evaluate_claims(table1.CLAIMS, frame)}
    assert set(verdicts) == {"SLR-C1", "SLR-C2", "ADMM-C1", "SLR-C6"}
    assert all(status in ("holds", "fails") for status in verdicts.values())

    # asking again skips every finished run and rewrites the same rows
    assert table1.main(args) == 0
    again = pd.read_csv(tmp_path / "results" / "smoke" / "slr_table1.csv")
    assert len(again) == len(frame)
    assert again["value"].tolist() == frame["value"].tolist()
