"""COCO's mAP@0.5 through pycocotools on hand-made instances, and the COCO128 split (train on val2017, score the
annotated train2017 images)."""
import json

import pytest

from prunebench.detection.coco_eval import coco_map50
from prunebench.detection.data import DETECTION_DATA, coco128
from prunebench.detection.yolo_format import read_data_yaml

pytestmark = pytest.mark.unit


def instances(tmp_path, boxes: list[list[float]]):
    """One 100×100 image (id 9) with `boxes` (x, y, w, h) of COCO category 1."""
    path = tmp_path / "instances.json"
    path.write_text(json.dumps({
        "images": [{"id": 9, "width": 100, "height": 100}],
        "annotations": [{"id": i + 1, "image_id": 9, "category_id": 1, "bbox": b, "area": b[2] * b[3], "iscrowd": 0}
                        for i, b in enumerate(boxes)],
        "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "bicycle"}],
    }))
    return path


def found(bbox: list[float], category: int = 1, score: float = 0.9) -> dict:
    return {"image_id": 9, "category_id": category, "bbox": bbox, "score": score}


def test_an_exact_box_scores_100_and_a_miss_or_a_wrong_class_scores_0(tmp_path):
    truth = instances(tmp_path, [[10, 10, 20, 20]])
    assert coco_map50([found([10, 10, 20, 20])], truth, [9]) == pytest.approx(100.0)
    assert coco_map50([found([25, 25, 20, 20])], truth, [9]) == 0.0  # IoU 25 / 775 = 0.03
    assert coco_map50([found([10, 10, 20, 20], category=2)], truth, [9]) == 0.0
    assert coco_map50([], truth, [9]) == 0.0


def test_half_the_boxes_found_gives_51_of_the_101_recall_points(tmp_path):
    truth = instances(tmp_path, [[10, 10, 20, 20], [60, 60, 30, 30]])
    assert coco_map50([found([10, 10, 20, 20])], truth, [9]) == pytest.approx(100.0 * 51 / 101, abs=1e-6)


def test_coco128_trains_on_val2017_and_scores_the_annotated_train2017_images(tmp_path):
    with pytest.raises(FileNotFoundError, match="make data"):
        coco128(tmp_path)
    folder = tmp_path / "coco128"
    (folder / "annotations").mkdir(parents=True)
    (folder / "coco128.yaml").write_text("path: .\ntrain: images/train2017\nval: images/val2017\nnames:\n  0: person\n")
    data = read_data_yaml(coco128(tmp_path))
    assert data.splits == {"train": folder.resolve() / "images/val2017", "val": folder.resolve() / "images/train2017"}
    assert data.names == {0: "person"}
    with pytest.raises(FileNotFoundError, match="instances"):
        DETECTION_DATA.get("coco128").annotations_file(coco128(tmp_path))
    (folder / "annotations" / "instances_train2017.json").write_text("{}")
    assert DETECTION_DATA.get("coco128").annotations_file(coco128(tmp_path)).name == "instances_train2017.json"
