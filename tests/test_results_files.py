"""The results CSV as a shared file: concurrent writers lose no row, and readers refuse what they cannot trust."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pandas as pd
import pytest

from prunebench.results import COLUMNS, write_rows

pytestmark = pytest.mark.unit

WRITERS, BATCHES, METRICS = 8, 12, 5


def rows(writer: int, batch: int) -> list[dict]:
    base = dict.fromkeys(COLUMNS, 0)
    base.update(paper="p", table=f"t{writer % 2}", scale="smoke", method="m", model="x", dataset="d", counting_rule="nonbias",
                device="cpu", torch_version="v", prunebench_version="v", git_sha="s", finished_at="f")
    return [{**base, "cell": f"c{batch}", "seed": writer, "run_id": f"r{writer}-{batch}", "metric": f"m{k}",
             "value": writer + batch / 100 + k / 10_000} for k in range(METRICS)]


def write_many(path: str, writer: int) -> None:
    for batch in range(BATCHES):
        write_rows(Path(path), rows(writer, batch))


def test_eight_concurrent_writers_of_one_results_file_lose_no_row(tmp_path):
    path = tmp_path / "slr_table1.csv"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=write_many, args=(str(path), w)) for w in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    frame = pd.read_csv(path)
    assert len(frame) == WRITERS * BATCHES * METRICS
    expected = {(f"r{w}-{b}", f"m{k}") for w in range(WRITERS) for b in range(BATCHES) for k in range(METRICS)}
    assert set(zip(frame["run_id"], frame["metric"], strict=True)) == expected


def test_a_cached_run_rewritten_after_a_new_commit_keeps_where_and_when_it_trained(tmp_path, monkeypatch):
    from prunebench import results
    from prunebench.config import Operational, RunConfig
    from prunebench.reproduce import execute
    from prunebench.reproduction import Arm

    config = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, epochs=1, batch_size=64, train_subset=64)
    ops = Operational(tmp_path / "runs", tmp_path / "base", progress=False)
    arm = Arm("c", config, lambda r: {"top1": r.metrics["top1_trained"]})
    monkeypatch.setattr(results, "git_sha", lambda: "aaaaaaa")
    first = execute("p", "t", "smoke", [arm], ops, tmp_path / "results")
    monkeypatch.setattr(results, "git_sha", lambda: "bbbbbbb")  # a new commit, later
    monkeypatch.setattr(results, "utc_now", lambda: "2099-01-01T00:00:00Z")
    again = execute("p", "t", "smoke", [arm], ops, tmp_path / "results")
    assert set(again["git_sha"]) == {"aaaaaaa"}
    assert again["finished_at"].tolist() == first["finished_at"].tolist() != ["2099-01-01T00:00:00Z"]


def test_rows_of_a_cells_older_settings_are_dropped_and_other_seeds_kept(tmp_path):
    from dataclasses import replace

    from prunebench.config import Operational, RunConfig
    from prunebench.reproduce import execute
    from prunebench.reproduction import Arm

    config = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, epochs=1, batch_size=64, train_subset=64,
                       eval_every=0)
    ops = Operational(tmp_path / "runs", tmp_path / "base", progress=False)

    def session(*configs):
        arms = [Arm("c", c, lambda r: {"top1": r.metrics["top1_trained"]}) for c in configs]
        return execute("p", "t", "smoke", arms, ops, tmp_path / "results")

    session(config, replace(config, seed=1))
    changed = replace(config, epochs=0)  # a new recipe for the same cell: its runs replace the old ones
    assert set(session(changed)["run_id"]) == {changed.run_id}
    frame = pd.read_csv(tmp_path / "results" / "smoke" / "p_t.csv")
    assert set(frame["run_id"]) == {changed.run_id}
    session(replace(changed, seed=1))  # another seed of the same recipe keeps the first
    frame = pd.read_csv(tmp_path / "results" / "smoke" / "p_t.csv")
    assert set(frame["run_id"]) == {changed.run_id, replace(changed, seed=1).run_id}


def test_rows_on_data_the_session_no_longer_uses_are_dropped_with_their_logs(tmp_path):
    from dataclasses import replace

    from prunebench.config import RunConfig
    from prunebench.reproduce import drop_orphans, drop_superseded
    from prunebench.reproduction import Arm

    old = RunConfig(dataset="fashion_mnist", model="resnet18_cifar", width=0.25, epochs=4)
    path, log = tmp_path / "p_t.csv", tmp_path / "p_t_updates.csv"
    runs = [replace(old, seed=k) for k in (0, 1)]

    def write_old():
        base = rows(0, 0)[0]
        write_rows(path, [{**base, "cell": cell, "method": "dense", "run_id": c.run_id, "settings_id": c.settings_id,
                           "dataset": "fashion_mnist", "seed": c.seed} for c, cell in zip(runs, ("a", "b"), strict=True)])
        pd.DataFrame({"run_id": [c.run_id for c in runs], "update": [1, 1]}).to_csv(log, index=False)

    write_old()
    both = [Arm("a", replace(old, epochs=3), lambda r: {}), Arm("b", runs[1], lambda r: {})]
    assert drop_superseded(path, both) == [runs[0].run_id]  # a's older recipe; b's run is the session's own
    assert list(pd.read_csv(path)["cell"]) == ["b"]
    assert drop_orphans(log, path) == 1 and len(pd.read_csv(log)) == 1
    write_old()
    assert drop_superseded(path, [Arm("b", runs[1], lambda r: {}, method="imp")]) == [runs[0].run_id]  # a: no longer declared
    assert list(pd.read_csv(path)["cell"]) == ["b"]  # b's dense row stays beside the other method the session ran
    write_old()
    new_data = [Arm("a", replace(old, dataset="cifar10_jpeg"), lambda r: {})]
    assert len(drop_superseded(path, new_data)) == 2  # b is on data no run of the session uses: the scale moved
    assert drop_orphans(log, path) == 2


# ---- readers trust nothing they read ------------------------------------------------------------------------

def results_file(tmp_path, n=2) -> Path:
    path = tmp_path / "p_t.csv"
    pd.DataFrame([r for b in range(n) for r in rows(0, b)]).to_csv(path, index=False)
    return path


def test_a_repeated_results_row_is_an_error_not_a_second_seed(tmp_path):
    from prunebench.csv_files import DataFileError
    from prunebench.results import read_results

    path = results_file(tmp_path)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines, lines[1]]))
    with pytest.raises(DataFileError, match=r"p_t.csv lines 2, \d+ repeat the same row key"):
        read_results(path)


def test_a_last_line_cut_inside_a_value_is_left_out_with_a_warning(tmp_path):
    from prunebench.results import read_results

    path = results_file(tmp_path)
    text = path.read_text()
    path.write_text(text[: text.rstrip("\n").rfind(",") - 8])  # ends inside the last row
    with pytest.warns(UserWarning, match=r"line \d+ is cut short"):
        frame = read_results(path)
    assert len(frame) == 2 * METRICS - 1 and frame["seed"].dtype.kind == "i"


def test_a_line_cut_inside_the_run_id_does_not_survive_the_next_write(tmp_path):
    from prunebench.results import read_results

    path = results_file(tmp_path)
    text = path.read_text()
    path.write_text(text[: text.rstrip("\n").rfind("r0-1") + 2])
    with pytest.warns(UserWarning):
        write_rows(path, rows(0, 1))  # re-running that cell writes the whole file again
    frame = read_results(path)
    assert len(frame) == 2 * METRICS and frame["seed"].dtype.kind == "i" and path.read_text().endswith("\n")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: "", r"is empty"),
        (lambda text: text.replace("value", "valeur", 1), r"does not have the expected header \(missing \['value'\]"),
        (lambda text: text.replace(",0.0001,", ",abc,", 1), r"line 3: value = 'abc' is not a number"),
    ],
)
def test_a_bad_results_file_is_named_with_its_line(tmp_path, edit, message):
    from prunebench.csv_files import DataFileError
    from prunebench.results import read_results

    path = results_file(tmp_path)
    path.write_text(edit(path.read_text()))
    with pytest.raises(DataFileError, match=f"{path.name}.*{message}|{message}"):
        read_results(path)


PUBLISHED = """paper,table,cell,dataset,model,method,metric,value,unit,source,note
toy,t1,c/a,c,m,slr,top1_hardprune,72.84,%,Toy,
toy,t1,c/a,c,m,admm,top1_hardprune,70.00,%,Toy,
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (PUBLISHED + "toy,t1,c/a,c,m,slr,top1_hardprune,72.84,%,Toy,\n", r"lines 2, 4 repeat the same row key"),
        (PUBLISHED + "toy,t1,c/a,c,m,slr,top1_hardprune,55.55,%,Toy,\n", r"lines 2, 4 repeat the same row key"),
        (PUBLISHED.replace("70.00", "n/a"), r"line 3: value = 'n/a' is not a number"),
        (PUBLISHED.replace(",note", "").replace("Toy,\n", "Toy\n"), r"missing \['note'\]"),
        ("", r"is empty"),
    ],
)
def test_a_bad_published_table_is_named_with_its_line(tmp_path, text, message):
    from prunebench.csv_files import DataFileError
    from prunebench.report.sources import read_published

    path = tmp_path / "toy_t1.csv"
    path.write_text(text)
    with pytest.raises(DataFileError, match=message):
        read_published(path)


def test_an_empty_published_value_is_no_number_and_not_an_error(tmp_path):
    from prunebench.report.sources import read_published

    path = tmp_path / "toy_t1.csv"
    path.write_text(PUBLISHED.replace("70.00", ""))
    assert read_published(path)["value"].isna().tolist() == [False, True]


def test_a_corrupt_meta_json_fails_the_report_in_one_line(tmp_path, capsys):
    from prunebench.report.build import main as report_main

    results = tmp_path / "results" / "quick"
    (results / "meta").mkdir(parents=True)
    pd.DataFrame(rows(0, 0)).assign(paper="toy", table="t1").to_csv(results / "toy_t1.csv", index=False)
    (results / "meta" / "toy_t1.json").write_text("{not json")
    code = report_main(["--results", str(tmp_path / "results"), "--out", str(tmp_path / "out"), "--no-pdf",
                        "--published", str(tmp_path / "published"), "--nightly", str(tmp_path / "nightly")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("prunebench report: error: ") and "toy_t1.json is not valid JSON" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_adhoc_runs_are_not_a_scale_of_the_report(tmp_path):
    from prunebench.report.sources import scale_dirs

    for name in ("quick", "adhoc", "reference"):
        (tmp_path / name).mkdir()
    assert [d.name for d in scale_dirs(tmp_path)] == ["quick"]


# ---- checkpoints, temp files, a full disk ---------------------------------------------------------------------

def test_a_flipped_bit_in_a_checkpoint_is_caught_and_the_file_stays_torch_loadable(tmp_path):
    import torch

    from prunebench.checkpoint import CheckpointError, load_checkpoint, save_atomic

    path = tmp_path / "checkpoint.pt"
    save_atomic({"w": torch.arange(1000.0)}, path)
    assert torch.equal(torch.load(path)["w"], load_checkpoint(path)["w"])
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="fails its SHA-256 check"):
        load_checkpoint(path)


def test_a_killed_writers_temp_file_is_removed_on_resume_and_a_live_ones_kept(tmp_path):
    import os

    from prunebench.checkpoint import remove_stale_temp_files

    dead = tmp_path / ".checkpoint.pt.999999999.tmp"
    alive = tmp_path / f".checkpoint.pt.{os.getpid()}.tmp"
    dead.write_bytes(b"x")
    alive.write_bytes(b"x")
    assert remove_stale_temp_files(tmp_path) == [dead]
    assert not dead.exists() and alive.exists()


def test_a_full_disk_is_named_as_such(tmp_path, monkeypatch):
    import errno

    from prunebench import checkpoint
    from prunebench.disk import DiskError

    def full(tmp):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(DiskError, match="no space left on the device holding"):
        checkpoint._replace_atomically(tmp_path / "checkpoint.pt", full)
    assert not list(tmp_path.glob(".*.tmp"))


def test_repeated_seeds_ask_for_one_run():
    from prunebench.config import RunConfig
    from prunebench.reproduce import unique
    from prunebench.reproduction import Arm

    config = RunConfig(dataset="synthetic", model="resnet18_cifar")
    assert len(unique([Arm("c", config, dict), Arm("c", config, dict)])) == 1


def test_a_published_table_without_a_final_newline_keeps_its_last_row(tmp_path):
    from prunebench.report.sources import read_published

    path = tmp_path / "toy_t1.csv"
    path.write_text(PUBLISHED.rstrip("\n"))  # as many editors save it
    assert read_published(path)["value"].tolist() == [72.84, 70.0]
