"""YOLO-format data checks on generated files, and SLR driven through ultralytics' callbacks on a tiny generated set."""
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
    from pathlib import Path

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


@pytest.mark.slow  # four ultralytics trainings and eight validations
def test_table3_smoke_writes_rows_and_figure2(tmp_path, monkeypatch):
    """With the default, relative runs root: ultralytics must not move the runs under its own runs_dir."""
    pytest.importorskip("ultralytics")
    import pandas as pd

    from prunebench.claims import evaluate_claims
    from prunebench.results import COLUMNS
    from reproductions.slr import table3

    monkeypatch.chdir(tmp_path)
    args = ["--scale", "smoke", "--runs-root", "runs", "--results", "results", "--data-root", "data"]
    assert table3.main(args) == 0
    frame = pd.read_csv(tmp_path / "results" / "smoke" / "slr_table3.csv")
    assert list(frame.columns) == COLUMNS
    hard = frame[frame["metric"] == "map50_hardprune"]
    assert sorted(hard["method"]) == ["admm", "admm", "slr", "slr"] and hard["value"].between(0, 100).all()
    assert (frame["sparsity"] > 0).all()
    curves = pd.read_csv(tmp_path / "results" / "smoke" / "figures" / "slr_figure2.csv")
    assert set(curves["series"]) == {"admm", "slr"}
    assert all(v.status in ("holds", "fails") for _, v in evaluate_claims(table3.CLAIMS, frame))


@pytest.mark.smoke
def test_table3_runs_are_cached_but_retrained_when_their_weights_are_gone_ultralytics_stand_in(tmp_path, monkeypatch):
    ultralytics = pytest.importorskip("ultralytics")
    from reproductions.slr import table3

    trained = []

    class FakeYOLO:
        def __init__(self, start):
            self.start = start

        def train(self, project, name, **_):
            weights = Path(project) / name / "weights" / "last.pt"
            weights.parent.mkdir(parents=True, exist_ok=True)
            weights.write_bytes(b"w")
            trained.append(project)

    monkeypatch.setattr(ultralytics, "YOLO", FakeYOLO)
    monkeypatch.chdir(tmp_path)
    config = {"name": "dense-x", "start": "yolov3-tiny.yaml", "data": "d.yaml", "epochs": 1, "imgsz": 32, "batch": 2,
              "seed": 0, "coco": False}
    first, folder = table3.train(config, Path("runs"), "cpu")
    assert folder.is_absolute() and Path(first["weights"]).is_file() and len(trained) == 1
    assert table3.train(config, Path("runs"), "cpu")[0] == first and len(trained) == 1  # cached
    Path(first["weights"]).unlink()
    table3.train(config, Path("runs"), "cpu")
    assert len(trained) == 2 and Path(first["weights"]).is_file()


@pytest.mark.unit
def test_table3_run_ids_ignore_where_data_and_weights_live():
    from reproductions.slr import table3

    config = {"name": "slr-x", "data": "/a/data.yaml", "start": "/a/runs/dense/last.pt", "start_id": "dense-x/1/seed0",
              "seed": 0, "epochs": 3}
    moved = {**config, "data": "/b/data.yaml", "start": "/b/last.pt"}
    assert table3.run_id("slr-x", config) == table3.run_id("slr-x", moved)
    assert table3.run_id("slr-x", config) != table3.run_id("slr-x", {**config, "start_id": "dense-x/2/seed0"})
    assert table3.run_id("slr-x", config) != table3.run_id("slr-x", {**config, "epochs": 4})
