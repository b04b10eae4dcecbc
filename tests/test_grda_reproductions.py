"""Every gRDA reproduction at smoke scale writes its table, its figure series and judges its claims; the four
share one run folder, so runs they have in common are trained once."""
import json
from dataclasses import replace

import pandas as pd
import pytest

from prunebench.reproduction_cli import run_reproduction
from prunebench.results import COLUMNS
from prunebench.scales import SCALES, NotRunAtScale
from reproductions.grda import (
    common,
    figure4_accuracy_sparsity,
    figure4_layerwise,
    figure_connectivity,
    table_cifar,
)
from tests.claims_check import written_verdicts_match

pytestmark = pytest.mark.smoke


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    root = tmp_path_factory.mktemp("grda")
    args = ["--scale", "smoke", "--no-progress", "--runs-root", str(root / "runs"),
            "--baselines-root", str(root / "base"), "--results", str(root / "results")]
    return root / "results" / "smoke", args


@pytest.mark.parametrize("script", [table_cifar, figure4_accuracy_sparsity, figure4_layerwise, figure_connectivity])
def test_smoke_run_writes_table_figure_and_claims(roots, script):
    results, args = roots
    assert run_reproduction(script.REPRODUCTION, args) == 0
    frame = pd.read_csv(results / f"grda_{script.TABLE}.csv")
    assert list(frame.columns) == COLUMNS and set(frame["scale"]) == {"smoke"}
    assert set(frame["counting_rule"]) == {"all"}  # gRDA's protocol counts every parameter
    # every claim judged, but GRDA-C2 (sparsity vs c): the smoke scale runs one c
    not_run = ("GRDA-C2",) if script is figure4_accuracy_sparsity else ()
    verdicts = written_verdicts_match("grda", script.TABLE, results.parent, not_run)
    if script is not table_cifar:
        series = pd.read_csv(results / "figures" / f"grda_{script.TABLE}.csv")
        assert {"panel", "series", "x", "y", "x_label", "y_label"} <= set(series.columns) and len(series) > 0
    if script is table_cifar:
        assert set(frame[frame["method"] == "grda"]["cell"].map(lambda c: c.rsplit("/", 1)[1])) == {"mu0.51", "mu0.6", "mu0.7"}
        assert (frame[frame["metric"] == "grda_mu_outside_theory"]["value"] == 0).all()
        assert {"train_loss_trained", "train_loss_magnitude_noretrain", "top1_magnitude_noretrain"} <= set(frame["metric"])
        # GRDA-C1 recomputed: the sparsity of the gRDA runs rises with μ (a property of the threshold, even here)
        sparsity = frame[(frame["metric"] == "sparsity_all") & (frame["method"] == "grda")]
        by_mu = sparsity.assign(mu=sparsity["cell"].str.rsplit("mu", n=1).str[1].astype(float)).groupby("mu")["value"].mean()
        rises = bool((by_mu.diff().dropna() > 0).all())
        gain = next(c for c in script.CLAIMS if c.id == "GRDA-C1").check(frame)  # per step of μ, one seed: no interval
        steps = [float(step.split()[0]) for step in gain.interval.split("; ")]
        one_seed = ("inconclusive", "no signal")  # no verdict either way (smoke runs may sit at chance)
        assert rises and gain.n == 1 and all(step > 0 for step in steps) and gain.status in one_seed
        assert verdicts["GRDA-C1"] in one_seed
        meta = json.loads((results / "meta" / f"grda_{script.TABLE}.json").read_text())
        assert meta["runs"] == frame["run_id"].nunique()  # one session: the trained and the magnitude arms
    if script is figure4_accuracy_sparsity:
        assert {"top1_magnitude_noretrain", "top1_magnitude_retrained"} <= set(frame["metric"])
    if script is figure4_layerwise:
        assert frame["metric"].str.startswith("sparsity/").sum() == 2 * 54  # ResNet-50's conv and FC weights
    if script is figure_connectivity:
        assert {"curve_max_train_loss", "line_max_train_loss"} <= set(frame["metric"])
        assert verdicts["GRDA-C10"] != "not run"
        curve = frame[frame["metric"] == "curve_max_train_loss"]
        assert curve["run_id"].str.startswith("bezier-").all() and set(curve["method"]) == {"bezier"}
        meta = json.loads((results / "meta" / f"grda_{script.TABLE}.json").read_text())
        assert meta["runs"] == frame["run_id"].nunique() == 3  # the two endpoints and the curve, one session


def test_a_curve_with_a_diverged_end_is_recorded_as_diverged(tmp_path):
    from prunebench.config import Operational
    from prunebench.paths import RunPaths
    from prunebench.runner import finish_diverged, run

    ops = Operational(tmp_path / "runs", tmp_path / "base")
    scale = SCALES.get("smoke")
    curve = next(a for a in figure_connectivity.arms(scale) if a.config.kind == "bezier_curve").config
    end = curve.partner
    run(curve.parent, ops)
    paths = RunPaths(end, ops.runs_root, ops.baselines_root)
    paths.dir.mkdir(parents=True)
    finish_diverged(end, paths, [], "loss became nan", 0.0, ops)
    result = run(curve, ops)
    assert result.diverged and not RunPaths(curve, ops.runs_root, ops.baselines_root).weights.exists()


def test_connectivity_curve_is_a_cached_run_of_the_runner(roots, monkeypatch):
    """Run again, the curve is read back from its run folder, not fitted again (the runner's cache, as every run)."""
    import prunebench.connectivity

    results, args = roots
    if not (results / "grda_figure_connectivity.csv").exists():  # run alone: make the first session here
        assert run_reproduction(figure_connectivity.REPRODUCTION, args) == 0
    before = pd.read_csv(results / "grda_figure_connectivity.csv")

    def refit(*_args, **_kwargs):
        raise AssertionError("the curve was fitted again")

    monkeypatch.setattr(prunebench.connectivity, "fit_middle", refit)
    assert run_reproduction(figure_connectivity.REPRODUCTION, args) == 0
    after = pd.read_csv(results / "grda_figure_connectivity.csv")
    assert after[["run_id", "metric", "value"]].equals(before[["run_id", "metric", "value"]])


@pytest.mark.parametrize("script", [table_cifar, figure4_accuracy_sparsity, figure4_layerwise, figure_connectivity])
@pytest.mark.parametrize("scale", ["quick", "paper"])
def test_dry_run_lists_the_runs(script, scale, capsys):
    try:
        shown = script.REPRODUCTION.arms(SCALES.get(scale), None)
    except NotRunAtScale as declared:  # a table that measures nothing at this scale says why and plans nothing
        assert run_reproduction(script.REPRODUCTION, ["--scale", scale, "--dry-run"]) == 0
        assert declared.why in capsys.readouterr().out
        return
    assert run_reproduction(script.REPRODUCTION, ["--scale", scale, "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert shown, "the dry run planned no run"
    missing = [arm.config.run_id for arm in shown if arm.config.run_id not in printed]
    assert not missing, f"runs missing from the dry run: {missing[:3]}"


def test_no_magnitude_arm_when_grda_zeroed_every_weight(monkeypatch):
    """A gRDA run at 100% sparsity (seen at quick scale) has no magnitude-pruned counterpart: the arm is
    skipped instead of asking magnitude pruning for sparsity 1 (outside [0, 1))."""
    from prunebench.config import Operational
    from prunebench.runner import RunResult

    scale = SCALES.get("smoke")
    trained = figure4_accuracy_sparsity.training_arms(scale)
    grda = [a for a in trained if a.config.method == "grda" and a.cell.split("/")[2] == figure4_accuracy_sparsity.DROP.name]

    def finished(config, ops):
        nonzero = 0 if config.run_id == grda[0].config.run_id else 50
        return RunResult(config, {"params_all_nonzero": nonzero, "params_all_dense": 100}, [], {}, 0.0, True)

    monkeypatch.setattr(common, "run", finished)
    out = common.magnitude_arms(trained, figure4_accuracy_sparsity.DROP, (0, 1), 0.01, Operational())
    assert len(out) == 2 * (len(grda) - 1)  # no-retrain + retrained arm for every gRDA run but the all-zero one
    assert all(a.config.method_options["sparsity"] == 0.5 for a in out)


def test_a_checked_curve_keeps_to_the_check_budget(tmp_path):
    """paper-check's budget: one epoch of two steps, CHECK_POINTS values of t, the budget's evaluation images."""
    from prunebench.config import CheckBudget, Operational
    from prunebench.connectivity import CHECK_POINTS
    from prunebench.runner import run

    ops = Operational(tmp_path / "runs", tmp_path / "base", budget=CheckBudget(epochs=1, steps_per_epoch=2, eval_images=16))
    curve = next(a for a in figure_connectivity.arms(SCALES.get("paper")) if a.config.kind == "bezier_curve").config
    small = replace(curve, width=0.125, dataset="synthetic", parent=replace(curve.parent, width=0.125, dataset="synthetic"),
                    partner=replace(curve.partner, width=0.125, dataset="synthetic"))
    result = run(small, ops)
    assert len(result.history) == 1 and len(result.series) == 2 * CHECK_POINTS
