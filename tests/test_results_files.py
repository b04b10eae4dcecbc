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
    from prunebench.reproduce import Arm, execute

    config = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, epochs=1, batch_size=64, train_subset=64)
    ops = Operational(tmp_path / "runs", tmp_path / "base", progress=False)
    arm = Arm("c", config, lambda r: {"top1": r.metrics["top1_final"]})
    monkeypatch.setattr(results, "git_sha", lambda: "aaaaaaa")
    first = execute("p", "t", "smoke", [arm], ops, tmp_path / "results")
    monkeypatch.setattr(results, "git_sha", lambda: "bbbbbbb")  # a new commit, later
    monkeypatch.setattr(results, "utc_now", lambda: "2099-01-01T00:00:00Z")
    again = execute("p", "t", "smoke", [arm], ops, tmp_path / "results")
    assert set(again["git_sha"]) == {"aaaaaaa"}
    assert again["finished_at"].tolist() == first["finished_at"].tolist() != ["2099-01-01T00:00:00Z"]
