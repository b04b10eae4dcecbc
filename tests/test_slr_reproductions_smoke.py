"""Every SLR reproduction beyond Table 1 at smoke scale: rows, figure series in the shared convention, claims that
are judged (a verdict, never a crash), runs shared between scripts, and the stop-at-threshold rule."""
import pandas as pd
import pytest

from prunebench.claims import evaluate_claims
from prunebench.figures import FIGURE_COLUMNS
from prunebench.reproduction_cli import run_reproduction
from prunebench.results import COLUMNS
from reproductions.slr import figure1, figure3, figure4, figure5, figure6, table2, table4

pytestmark = pytest.mark.smoke


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("slr")
    args = ["--scale", "smoke", "--no-progress", "--runs-root", str(root / "runs"), "--baselines-root",
            str(root / "base"), "--results", str(root / "results"), "--data-root", str(root / "data")]
    return root, args


def results(root, name):
    frame = pd.read_csv(root / "results" / "smoke" / f"slr_{name}.csv")
    assert list(frame.columns) == COLUMNS and set(frame["scale"]) == {"smoke"}
    return frame


def series(root, name):
    frame = pd.read_csv(root / "results" / "smoke" / "figures" / f"slr_{name}.csv")
    assert FIGURE_COLUMNS == list(frame.columns[: len(FIGURE_COLUMNS)])
    return frame


def judged(module, frame):
    verdicts = {claim.id: v.status for claim, v in evaluate_claims(module.CLAIMS, frame)}
    assert verdicts and all(status != "not run" for status in verdicts.values()), verdicts
    return verdicts


def test_figure1_stops_at_the_threshold(workspace):
    root, args = workspace
    assert run_reproduction(figure1.REPRODUCTION, args) == 0
    frame = results(root, "figure1")
    reached = frame[frame["metric"] == "reached_threshold"].set_index("method")["value"]
    trained = frame[frame["metric"] == "epochs_trained"].set_index("method")["value"]
    for method in ("admm", "slr"):
        assert trained[method] <= figure1.HORIZON["smoke"]
        assert reached[method] == 1.0 or trained[method] == figure1.HORIZON["smoke"]  # stopped, or ran out
    curves = series(root, "figure1")
    assert {"admm", "slr", "threshold"} <= set(curves["series"])
    slr = curves[curves["series"] == "slr"]
    assert slr["x"].max() == trained["slr"]  # the curve ends where the run stopped
    judged(figure1, frame)


@pytest.mark.slow  # 8 runs: the longest of these smoke runs (about 3 CPU minutes)
def test_figure5_and_6_share_the_default_arm(workspace):
    root, args = workspace
    assert run_reproduction(figure5.REPRODUCTION, args) == 0
    frame = results(root, "figure5")
    assert frame[frame["method"] == "slr"]["run_id"].nunique() == 7  # 3 + 3 + 3 values, the default shared
    assert set(series(root, "figure5")["panel"]) == {"s0", "M", "r"}
    judged(figure5, frame)

    assert run_reproduction(figure6.REPRODUCTION, args) == 0
    six = results(root, "figure6")
    assert set(six[six["method"] == "slr"]["run_id"]) & set(frame["run_id"])  # Figure 5's default arm, reused
    curves = series(root, "figure6")
    assert set(curves["series"]) == {"paper", "official_code"}
    assert set(curves[curves["panel"] == "condition (3)"]["y"]) <= {0.0, 1.0}
    judged(figure6, six)


def test_figure4_writes_layer_matrices(workspace):
    root, args = workspace
    assert run_reproduction(figure4.REPRODUCTION, args) == 0
    folder = root / "results" / "smoke" / "figures" / "slr_figure4"
    dense = pd.read_csv(folder / "same_compression__dense__seed0.csv", header=None)
    pruned = pd.read_csv(folder / "same_compression__slr_hardpruned__seed0.csv", header=None)
    assert dense.shape == pruned.shape and (pruned == 0).to_numpy().mean() > 0.85  # 0.9 of the layer pruned
    curves = series(root, "figure4")
    assert set(curves["series"]) == {"dense", "slr_trained", "slr_hardpruned", "admm_trained", "admm_hardpruned"}
    judged(figure4, results(root, "figure4"))


def test_table2_reports_params_pruned(workspace):
    root, args = workspace
    assert run_reproduction(table2.REPRODUCTION, args) == 0
    frame = results(root, "table2")
    pruned = frame[frame["metric"] == "params_pruned"]["value"]
    assert len(pruned) == 1 and 45 < pruned.iloc[0] < 55  # the ResNet-18 row: 50% of the non-bias parameters
    judged(table2, frame)


def test_table4_and_figure3_on_generated_lanes(workspace):
    root, args = workspace
    assert run_reproduction(table4.REPRODUCTION, args) == 0
    frame = results(root, "table4")
    hard = frame[frame["metric"] == "lane_acc_hardprune"]
    assert sorted(hard["method"]) == ["admm", "admm", "slr", "slr"] and hard["value"].between(0, 100).all()
    retrained = frame[frame["metric"] == "lane_acc_retrained"]
    assert sorted(retrained["method"]) == ["admm", "admm", "slr", "slr"]  # rows name the pruner they retrain
    judged(table4, frame)

    assert run_reproduction(figure3.REPRODUCTION, args) == 0
    curves = series(root, "figure3")
    assert set(curves["x"]) == set(table4.SETTINGS["smoke"].rates) and set(curves["panel"]) == {"hard-prune", "after retraining"}


def test_stop_rule_ends_training_at_the_first_epoch_within_the_gap(ops):
    from dataclasses import replace

    from prunebench.runner import run
    from prunebench.scales import SCALES

    arm = figure1.arms(SCALES.get("smoke"))[-1]  # the SLR arm, horizon 3 epochs
    always = replace(arm.config, stop_within_start_top1=100.0)  # threshold = dense − 100: met at epoch 1
    never = replace(arm.config, stop_within_start_top1=-100.0, epochs=2)  # threshold above 100%: never met
    assert run(always, ops).metrics["epochs_trained"] == 1
    assert run(never, ops).metrics["epochs_trained"] == 2
    assert always.run_id != arm.config.run_id  # the rule is part of the science
