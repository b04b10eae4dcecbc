"""YOLO-format data checks on generated files, and SLR driven through ultralytics' callbacks on a tiny generated set."""
import json
from pathlib import Path

import pytest

from prunebench.detection.generated import write_detection_set
from prunebench.detection.yolo_format import (
    YoloFormatError,
    check_dataset,
    label_path,
    read_data_yaml,
    read_label_file,
)
from prunebench.reproduction_cli import run_reproduction


@pytest.mark.unit
def test_label_file_reads_boxes(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("0 0.5 0.5 0.2 0.4\n\n1 0.1 0.9 0.05 0.1\n")
    boxes = read_label_file(path, num_classes=2)
    assert boxes.shape == (2, 5) and boxes[1].tolist() == [1.0, 0.1, 0.9, 0.05, 0.1]
    empty = tmp_path / "b.txt"
    empty.write_text("")
    assert read_label_file(empty, 2).shape == (0, 5)  # an image without boxes


@pytest.mark.unit
@pytest.mark.parametrize("line, message", [
    ("0 0.5 0.5 0.2", "5 fields"),
    ("0 0.5 x 0.2 0.4", "not a number"),
    ("2 0.5 0.5 0.2 0.4", "class 2"),
    ("0.5 0.5 0.5 0.2 0.4", "not an integer"),
    ("0 1.5 0.5 0.2 0.4", "normalised"),
    ("0 0.5 0.5 0 0.4", "positive width"),
])
def test_label_file_errors_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.txt"
    path.write_text(f"0 0.5 0.5 0.2 0.4\n{line}\n")
    with pytest.raises(YoloFormatError, match=message) as error:
        read_label_file(path, num_classes=2)
    assert f"{path}:2" in str(error.value)


@pytest.mark.unit
def test_label_path_follows_ultralytics():

    assert label_path(Path("/d/images/train/x.jpg")) == Path("/d/labels/train/x.txt")


@pytest.mark.unit
def test_generated_set_checks_and_data_yaml_errors(tmp_path):
    data = write_detection_set(tmp_path / "set", train=3, val=2, size=32)
    assert check_dataset(data) == {"train": 3, "val": 2}
    assert read_data_yaml(data).names == {0: "red", 1: "blue"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: images/train\n")
    with pytest.raises(YoloFormatError, match="needs the keys"):
        read_data_yaml(bad)
    (tmp_path / "set" / "labels" / "val" / "0001.txt").write_text("7 0.5 0.5 0.1 0.1\n")
    with pytest.raises(YoloFormatError, match="0001.txt:1"):
        check_dataset(data)


@pytest.mark.smoke
def test_slr_through_ultralytics_callbacks(tmp_path):
    pytest.importorskip("ultralytics")
    from ultralytics import YOLO

    from prunebench.detection.ultralytics_slr import LagrangianCallbacks

    data = write_detection_set(tmp_path / "set", train=8, val=4, size=64)
    yolo = YOLO("yolov3-tiny.yaml")  # built from ultralytics' config: nothing downloaded
    hooks = LagrangianCallbacks("slr", "convs_except_stem", 0.5, {"rho": 0.1}, eval_every=1)
    hooks.attach(yolo)
    yolo.train(data=str(data), epochs=2, imgsz=64, batch=4, workers=0, device="cpu", plots=False, amp=False,
               project=str(tmp_path / "runs"), name="t", exist_ok=True, verbose=False, seed=0)
    log = hooks.pruner.log
    assert [row["update"] for row in log] == [1, 2]  # one SLR update per epoch
    assert {"cond3", "cond8", "lhs3", "rhs3", "s"} <= set(log[0])
    assert log[0]["lambda_norm"] > 0 and log[1]["lambda_change"] > 0  # the multipliers moved
    assert all("map50_hardprune" in h for h in hooks.history)
    assert hooks.plan and all(r == 0.5 for r in hooks.plan.values())


@pytest.mark.smoke  # six ultralytics trainings (two dense, four pruned): ~20 s
def test_table3_smoke_writes_rows_and_figure2(tmp_path, monkeypatch):
    """Through the core runner (kind ultralytics_detection), with the default, relative runs root: ultralytics must
    not move the runs under its own runs_dir; metadata is written; run again, nothing trains."""
    pytest.importorskip("ultralytics")
    import pandas as pd

    from prunebench.claims import evaluate_claims
    from prunebench.results import COLUMNS
    from reproductions.slr import table3

    monkeypatch.chdir(tmp_path)
    args = ["--scale", "smoke", "--runs-root", "runs", "--results", "results", "--data-root", "data"]
    assert run_reproduction(table3.REPRODUCTION, args) == 0
    frame = pd.read_csv(tmp_path / "results" / "smoke" / "slr_table3.csv")
    assert list(frame.columns) == COLUMNS
    hard = frame[frame["metric"] == "map50_hardprune"]
    assert sorted(hard["method"]) == ["admm", "admm", "slr", "slr"] and hard["value"].between(0, 100).all()
    assert (frame["sparsity"] > 0).all()
    curves = pd.read_csv(tmp_path / "results" / "smoke" / "figures" / "slr_figure2.csv")
    assert set(curves["series"]) == {"admm", "slr"}
    assert all(v.status != "not run" for _, v in evaluate_claims(table3.CLAIMS, frame))
    meta = json.loads((tmp_path / "results" / "smoke" / "meta" / "slr_table3.json").read_text())
    assert meta["runs"] == 4 and meta["title"].startswith("Table 3")
    for run_id in hard["run_id"]:
        assert (tmp_path / "runs" / run_id / "result.json").is_file() and (tmp_path / "runs" / run_id / "model.pt").is_file()

    from ultralytics import YOLO

    def train_again(*_args, **_kwargs):
        raise AssertionError("a finished detection run was trained again")

    monkeypatch.setattr(YOLO, "train", train_again)
    assert run_reproduction(table3.REPRODUCTION, args) == 0
    again = pd.read_csv(tmp_path / "results" / "smoke" / "slr_table3.csv")
    assert again[["run_id", "metric", "value"]].equals(frame[["run_id", "metric", "value"]])


@pytest.mark.unit
def test_ultralytics_device_selection_keeps_the_runs_thread_count():
    """ultralytics sets torch's CPU threads to cores − 1 when it selects a device (one on a 2-core machine); a
    detection run keeps the count it was given, and ultralytics' own setting comes back after the run."""
    import torch
    from ultralytics.utils import torch_utils

    from prunebench.detection.run import keep_thread_count

    before, theirs = torch.get_num_threads(), torch_utils.NUM_THREADS
    wanted = theirs + 1  # differs from what ultralytics would set
    try:
        torch.set_num_threads(wanted)
        with keep_thread_count():
            torch_utils.select_device("cpu", verbose=False)
            assert torch.get_num_threads() == wanted
        assert torch_utils.NUM_THREADS == theirs
    finally:
        torch.set_num_threads(before)
