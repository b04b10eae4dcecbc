"""Seeds of a table added one at a time, in parallel processes or on other machines keep every other seed's rows;
only a change of settings (or data, or a cell the table no longer declares) removes rows, and those it names and
backs up."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from prunebench.config import OptimizerConfig, RunConfig
from prunebench.paths import PROJECT_ROOT

# `prunebench reproduce` runs a script as __main__ after other tests imported it: expected here, not a hazard
pytestmark = pytest.mark.filterwarnings("ignore:.*found in sys.modules after import of package:RuntimeWarning")

DENSE = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, epochs=1, batch_size=64, train_subset=64)
SLR = replace(DENSE, method="slr", prune_rule="uniform", prune_ratio=0.9, method_options={"rho": 0.1}, parent=DENSE)


def seeded(config: RunConfig, seed: int) -> RunConfig:
    """`config` and its parent at `seed`: each seed of a pruning arm starts from its own seed's baseline."""
    return replace(config, seed=seed, parent=replace(config.parent, seed=seed))


@pytest.mark.unit
def test_every_seed_of_an_arm_has_one_settings_id_and_its_own_run_id():
    zero, one = seeded(SLR, 0), seeded(SLR, 1)
    assert zero.run_id.rsplit("/", 1)[0] != one.run_id.rsplit("/", 1)[0]  # the parent's seed is in the hash
    assert zero.settings_id == one.settings_id == "slr-resnet18_cifar-synthetic-p0.9" + zero.settings_id[-9:]
    assert replace(one, parent=zero.parent).settings_id == zero.settings_id  # seeds sharing one base: one recipe too
    assert replace(SLR, epochs=2).settings_id != SLR.settings_id
    assert replace(SLR, parent=replace(DENSE, epochs=2)).settings_id != SLR.settings_id  # a parent's recipe counts
    assert replace(SLR, tag="x").settings_id.split("/")[1] == SLR.settings_id.split("/")[1]  # the tag is a label


@pytest.mark.unit
def test_a_setting_read_from_another_runs_result_is_taken_out_of_the_settings_id_not_the_run_id():
    magnitude = replace(DENSE, method="magnitude_global", optimizer=OptimizerConfig("sgd"), parent=DENSE,
                        derived=("method_options.sparsity",))
    at = [replace(magnitude, method_options={"sparsity": s}) for s in (0.81, 0.83)]
    assert at[0].settings_id == at[1].settings_id and at[0].run_id != at[1].run_id
    assert at[0].run_id == replace(at[0], derived=()).run_id  # the names of derived settings are not in the hash
    ratio = [replace(SLR, prune_ratio=r, derived=("prune_ratio",)) for r in (0.81, 0.83)]
    assert ratio[0].settings_id == ratio[1].settings_id and "-p0.8" not in ratio[0].settings_id
    with pytest.raises(ValueError, match="derived setting 'method_options.nothing'"):
        _ = replace(SLR, derived=("method_options.nothing",)).settings_id


@pytest.mark.unit
def test_cleanup_keeps_other_seeds_drops_changed_settings_and_names_and_backs_up_what_it_removed(tmp_path):
    from prunebench.reproduce import drop_superseded
    from prunebench.reproduction import Arm
    from prunebench.results import backup_of, read_results, write_rows
    from tests.test_results_files import rows

    path = tmp_path / "p_t.csv"

    def record(config: RunConfig, cell: str = "c") -> None:
        write_rows(path, [{**rows(0, 0)[0], "cell": cell, "method": config.method, "run_id": config.run_id,
                           "settings_id": config.settings_id, "dataset": config.dataset, "seed": config.seed}])

    def arm(config: RunConfig, cell: str = "c") -> Arm:
        return Arm(cell, config, lambda r: {})

    for seed in (0, 1, 2):
        record(seeded(SLR, seed))
    assert drop_superseded(path, [arm(seeded(SLR, 1))]) == []  # seed 1 alone: seeds 0 and 2 are not superseded
    assert sorted(read_results(path)["seed"]) == [0, 1, 2] and not backup_of(path).exists()

    shared_base = replace(seeded(SLR, 1), parent=seeded(SLR, 0).parent)  # seed 1 re-made from another base
    assert drop_superseded(path, [arm(shared_base)]) == [seeded(SLR, 1).run_id]
    assert sorted(read_results(path)["seed"]) == [0, 2]
    assert sorted(read_results(backup_of(path))["seed"]) == [0, 1, 2]  # the file as it was

    changed = replace(seeded(SLR, 0), epochs=2)  # a new recipe: every seed of the old one goes
    assert drop_superseded(path, [arm(changed)]) == [seeded(SLR, s).run_id for s in (0, 2)]
    assert read_results(path).empty
    record(changed)
    assert not backup_of(path).exists()  # the next write ends the backup


def run_table(name: str, tmp_path: Path, *args: str) -> None:
    from prunebench.cli import main

    assert main(["reproduce", name, "--scale", "smoke", "--no-progress", "--runs-root", str(tmp_path / "runs"),
                 "--baselines-root", str(tmp_path / "base"), "--results", str(tmp_path / "results"), *args]) == 0


def rows_per_seed(tmp_path: Path, table: str, method: str | None = None) -> dict[int, int]:
    """seed -> its rows (of `method` only, where given)."""
    frame = pd.read_csv(tmp_path / "results" / "smoke" / f"{table}.csv")
    return (frame if method is None else frame[frame["method"] == method]).groupby("seed").size().to_dict()


@pytest.mark.smoke
@pytest.mark.parametrize("table", ["slr/table1", "greg/table1", "proxns/table1", "grda/table_cifar"])
def test_seeds_added_one_at_a_time_keep_every_earlier_seeds_rows(table, tmp_path):
    run_table(table, tmp_path, "--seeds", "0")
    first = rows_per_seed(tmp_path, table.replace("/", "_"))
    run_table(table, tmp_path, "--seeds", "1")
    both = rows_per_seed(tmp_path, table.replace("/", "_"))
    assert both[0] == first[0] and both[1] > 0, both
    run_table(table, tmp_path, "--seeds", "0", "1")  # both at once again: nothing new, nothing lost
    assert rows_per_seed(tmp_path, table.replace("/", "_")) == both


@pytest.mark.smoke
def test_figure_points_of_a_seed_stay_when_another_seed_is_added(tmp_path):
    run_table("slr/figure1", tmp_path, "--seeds", "0")
    run_table("slr/figure1", tmp_path, "--seeds", "1")
    figure = pd.read_csv(tmp_path / "results" / "smoke" / "figures" / "slr_figure1.csv")
    assert set(figure["seed"]) == {0, 1}


@pytest.mark.smoke
def test_three_concurrent_seed_processes_of_one_table_write_every_row(tmp_path):
    common = ["--scale", "smoke", "--no-progress", "--runs-root", str(tmp_path / "runs"), "--baselines-root",
              str(tmp_path / "base"), "--results", str(tmp_path / "results")]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    processes = [subprocess.Popen([sys.executable, "-m", "reproductions.slr.table1", *common, "--seeds", str(seed)],
                                  cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for seed in (0, 1, 2)]
    outputs = [p.communicate(timeout=600)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    assert not any("removed the rows" in out for out in outputs), outputs
    per_seed = {method: rows_per_seed(tmp_path, "slr_table1", method) for method in ("admm", "slr")}
    for rows in per_seed.values():
        assert set(rows) == {0, 1, 2} and len(set(rows.values())) == 1, per_seed  # every seed whole
    assert set(rows_per_seed(tmp_path, "slr_table1", "dense")) == {0}  # every seed prunes the one base


@pytest.mark.smoke
def test_the_audit_finds_a_lost_seed_and_rederives_rows_from_the_cache(tmp_path, capsys):
    from reproductions import audit

    run_table("slr/table1", tmp_path, "--seeds", "0")
    where = ["--scale", "smoke", "--results", str(tmp_path / "results"), "--runs-root", str(tmp_path / "runs"),
             "--baselines-root", str(tmp_path / "base")]
    assert audit.main(where) == 0
    assert "slr/table1: 7 declared runs, 0 without rows; rows of 0 runs not in the declaration; 7 runs re-derived " \
           "from the cache, 0 differ" in capsys.readouterr().out
    path = tmp_path / "results" / "smoke" / "slr_table1.csv"
    frame = pd.read_csv(path)
    slr = frame["method"] == "slr"
    frame.loc[slr & (frame["metric"] == "top1_hardprune"), "value"] += 1.0  # a row that no longer is its run's
    frame[~(frame["method"] == "admm")].to_csv(path, index=False)  # the ADMM seed lost, as the old clean-up did
    assert audit.main(where) == 1
    out = capsys.readouterr().out
    assert out.count("  no rows:            admm-") == 3 and out.count("  differs from cache: slr-") == 3
