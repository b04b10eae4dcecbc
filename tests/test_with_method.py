"""`--with-method`: a registered method that no paper ran (iterative magnitude pruning with rewinding, `imp`) added to
a table's cells in their own protocol, reported beside the paper's methods, with the claims judged on the paper's
arms only."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from prunebench.reproduction_cli import run_reproduction
from prunebench.scales import SCALES
from prunebench.with_method import parse_spec, with_method
from reproductions.greg import table1 as greg_table1
from reproductions.slr import table1 as slr_table1

SMOKE = SCALES.get("smoke")


@pytest.mark.unit
def test_the_extra_arm_takes_the_cells_baseline_budget_target_and_seeds():
    arms = slr_table1.arms(SMOKE, (0, 1))
    both = with_method(arms, *parse_spec("imp:rounds=1"))
    extra = [arm for arm in both if arm.method == "imp"]
    pruners = [arm for arm in arms if arm.config.method == "admm"]  # the first paper method of each cell that fits
    assert len(extra) == len(pruners) == 6  # 3 cells (the published ratio and two sweep ratios) x 2 seeds
    for new, old in zip(extra, pruners, strict=True):
        assert (new.cell, new.config.seed) == (old.cell, old.config.seed)
        assert new.config.parent.run_id == old.config.parent.run_id  # the same cached dense baseline
        assert (new.config.prune_rule, new.config.prune_ratio, new.config.epochs, new.config.optimizer) == (
            old.config.prune_rule, old.config.prune_ratio, old.config.epochs, old.config.optimizer)
        assert new.config.method_options == {"rounds": 1} and new.config.run_id != old.config.run_id


@pytest.mark.unit
def test_a_filter_method_replaces_the_pruning_run_inside_a_prune_then_finetune_chain():
    arms = greg_table1.arms(SMOKE, (0,))
    both = with_method(arms, "oneshot", {"ratios": "[0-1:0.5]"})
    extra = both[len(arms):]
    retrained = [arm for arm in extra if arm.config.method == "finetune"]
    assert retrained and all(arm.method == "oneshot" for arm in extra)
    assert all(arm.config.parent.method == "oneshot" and arm.config.parent.method_options == {"ratios": "[0-1:0.5]"}
               for arm in retrained)  # the pruning run swapped, the paper's fine-tuning after it kept
    with pytest.raises(ValueError, match="no cell of this table prunes weights"):
        with_method(arms, "imp", {})


@pytest.mark.unit
def test_bad_specs_fail_before_any_run():
    with pytest.raises(ValueError, match="has no option"):
        parse_spec("imp:round=1")
    with pytest.raises(Exception, match="unknown method 'lottery'"):
        parse_spec("lottery")
    with pytest.raises(ValueError, match="prunes nothing"):
        with_method(slr_table1.arms(SMOKE, (0,)), "finetune", {})


@pytest.mark.smoke
def test_imp_runs_in_slr_table1s_protocol_and_leaves_the_claims_to_the_paper_arms(tmp_path):
    common = ["--scale", "smoke", "--no-progress", "--runs-root", str(tmp_path / "runs"),
              "--baselines-root", str(tmp_path / "base")]
    assert run_reproduction(slr_table1.REPRODUCTION, [*common, "--results", str(tmp_path / "paper")]) == 0
    assert run_reproduction(slr_table1.REPRODUCTION, [*common, "--results", str(tmp_path / "extra"), "--with-method", "imp:rounds=1"]) == 0
    rows = pd.read_csv(tmp_path / "extra" / "smoke" / "slr_table1.csv")
    imp = rows[rows["method"] == "imp"]
    # IMP's finalize changes nothing (its masks are already applied): its rows say "trained", never "hardprune"
    assert set(imp["cell"]) == set(rows["cell"]) and "top1_trained" in set(imp["metric"])
    assert not set(imp["metric"]) & {"top1_hardprune", "top5_hardprune", "top1_before_hardprune"}
    sparsity = imp[imp["metric"] == "top1_trained"].set_index("cell")["sparsity"]
    admm = rows[(rows["method"] == "admm") & (rows["metric"] == "top1_hardprune")].set_index("cell")["sparsity"]
    assert (sparsity - admm).abs().max() < 0.01  # the cell's target, reached globally instead of per layer
    assert_rows_name_what_their_runs_measured(rows, tmp_path / "runs", tmp_path / "base")
    verdicts = [pd.read_csv(tmp_path / root / "smoke" / "claims" / "slr_table1.csv") for root in ("paper", "extra")]
    columns = ["claim", "status", "evidence"]
    pd.testing.assert_frame_equal(verdicts[0][columns], verdicts[1][columns])


@pytest.mark.smoke
def test_imp_runs_in_the_grda_cifar_protocol_at_the_sparsity_each_grda_run_reached(tmp_path):
    """gRDA's cells have no target before training: the extra arm trains the same-seed SGD run from scratch under
    IMP, to the sparsity (over every parameter) that the cell's gRDA run reached."""
    from reproductions.grda import table_cifar

    common = ["--scale", "smoke", "--no-progress", "--runs-root", str(tmp_path / "runs"),
              "--baselines-root", str(tmp_path / "base")]
    assert run_reproduction(table_cifar.REPRODUCTION, [*common, "--results", str(tmp_path / "paper")]) == 0
    assert run_reproduction(table_cifar.REPRODUCTION, [*common, "--results", str(tmp_path / "extra"), "--with-method", "imp:rounds=1"]) == 0
    rows = pd.read_csv(tmp_path / "extra" / "smoke" / "grda_table_cifar.csv")
    sparsity = rows[rows["metric"] == "sparsity_all"].pivot_table(index="cell", columns="method", values="value")
    grda_cells = sparsity["grda"].dropna().index
    assert len(grda_cells) > 0 and sparsity.loc[grda_cells, "imp"].notna().all()
    assert (sparsity.loc[grda_cells, "imp"] - sparsity.loc[grda_cells, "grda"]).abs().max() < 1.0  # percent
    verdicts = [pd.read_csv(tmp_path / root / "smoke" / "claims" / "grda_table_cifar.csv") for root in ("paper", "extra")]
    columns = ["claim", "status", "evidence"]
    pd.testing.assert_frame_equal(verdicts[0][columns], verdicts[1][columns])


SETTINGS_IN_ROWS = {"epochs"}  # the run's epoch budget, a setting a row repeats beside its measurements


def assert_rows_name_what_their_runs_measured(rows: pd.DataFrame, *roots: Path) -> None:
    """One name per number from run to row: every metric of a row is a number of its run's result under the same
    name, with the same value; and the hard-prune accuracy is the history's last `test_top1_hardprune` read."""
    results = {}
    for root in roots:
        results.update({str(path.parent.relative_to(root)): json.loads(path.read_text())
                        for path in root.rglob("result.json")})
    for row in rows.itertuples():
        if row.metric in SETTINGS_IN_ROWS:
            continue
        measured = results[row.run_id]["metrics"]
        assert measured[row.metric] == pytest.approx(row.value), (row.run_id, row.metric)
        if row.metric == "top1_hardprune":
            assert results[row.run_id]["history"][-1]["test_top1_hardprune"] == pytest.approx(row.value)


@pytest.mark.unit
def test_every_method_names_what_its_finalize_leaves():
    from prunebench.methods import METHODS
    from prunebench.metric_names import BEFORE, after_finalize, before_finalize

    assert all(METHODS.get(name).final in BEFORE for name in METHODS.names())
    assert (after_finalize("top1", "slr"), before_finalize("top1", "slr")) == ("top1_hardprune", "top1_before_hardprune")
    assert (after_finalize("top1", "greg1"), before_finalize("top1", "greg1")) == ("top1_pruned", "top1_before_removal")
    assert (after_finalize("top1", "imp"), before_finalize("top1", "imp")) == ("top1_trained", None)
    assert after_finalize("top1", "finetune") == "top1_finetuned"
