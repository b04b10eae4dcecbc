"""TuSimple: the official lane metric on hand-computed cases, the json-lines reader and its errors, UFLD's row-anchor
labels and decoding, and the generated set read back through the real reader."""
import json
import math

import numpy as np
import pytest
import torch

from prunebench.data.tusimple import LabelFormatError, read_labels, read_tusimple, row_anchor_classes
from prunebench.data.tusimple_generated import write_tusimple_generated
from prunebench.lanes.metric import score_image, tusimple_accuracy
from prunebench.lanes.task import (
    ANCHOR_Y,
    GRIDING,
    TuSimpleLanes,
    focal_loss,
    lanes_from_logits,
    pack_target,
    unpack_ground_truth,
)
from prunebench.models import build_model

pytestmark = pytest.mark.unit
YS = [10, 20, 30, 40]


# ---- the metric ----------------------------------------------------------------------------------
def test_perfect_prediction_scores_one():
    gt = [[100, 100, 100, -2]]
    s = score_image(gt, gt, YS)
    assert (s.accuracy, s.fp, s.fn) == (1.0, 0.0, 0.0)


def test_offset_points_and_absent_prediction():
    # vertical lane: threshold 20 px. |10| ok, |25| no, |0| ok, -2 vs 100 -> -100 vs 100 no: 2 of 4 points
    s = score_image([[110, 125, 100, -2]], [[100, 100, 100, 100]], YS)
    assert s.accuracy == 0.5
    assert (s.fp, s.fn) == (1.0, 1.0)  # 0.5 < 0.85: a miss and a false positive


def test_threshold_widens_with_the_lane_angle():
    ys = [0, 100, 200, 300]
    gt = [[0, 100, 200, 300]]  # dx/dy = 1: 45 degrees, threshold 20 / cos 45 = 28.3 px
    assert score_image([[25, 125, 225, 325]], gt, ys).accuracy == 1.0
    assert score_image([[29, 129, 229, 329]], gt, ys).accuracy == 0.0
    assert 20 / math.cos(math.pi / 4) == pytest.approx(28.28, abs=0.01)


def test_two_lanes_one_found():
    gt = [[100, 100, 100, 100], [600, 600, 600, 600]]
    s = score_image([[100, 100, 100, 100]], gt, YS)
    assert (s.accuracy, s.fp, s.fn) == (0.5, 0.0, 0.5)


def test_more_than_four_lanes_drops_the_worst():
    gt = [[x] * 4 for x in (100, 300, 500, 700, 900)]
    pred = [[x] * 4 for x in (100, 300, 500, 700)] + [[-2] * 4]
    s = score_image(pred, gt, YS)
    assert s.accuracy == 1.0  # (1+1+1+1+0 − 0) / 4
    assert s.fn == 0.0  # one miss, forgiven with more than 4 lanes
    assert s.fp == pytest.approx(1 / 5)


def test_too_many_predictions_score_zero():
    s = score_image([[100] * 4] * 4, [[100] * 4], YS)
    assert (s.accuracy, s.fp, s.fn) == (0.0, 0.0, 1.0)


def test_benchmark_accuracy_is_the_mean_over_images():
    gt = [[100, 100, 100, 100]]
    images = [(gt, gt, YS), ([[110, 125, 100, -2]], gt, YS)]
    assert tusimple_accuracy(images).accuracy == 0.75


def test_metric_rejects_malformed_predictions():
    with pytest.raises(ValueError, match="one x per h_sample"):
        score_image([[100, 100]], [[100] * 4], YS)
    with pytest.raises(ValueError, match="no images"):
        tusimple_accuracy([])


# ---- the reader ----------------------------------------------------------------------------------
def write_lines(path, *objects):
    path.write_text("\n".join(o if isinstance(o, str) else json.dumps(o) for o in objects) + "\n")
    return path


GOOD = {"lanes": [[-2, 100, 110]], "h_samples": [240, 250, 260], "raw_file": "clips/a/20.jpg"}


def test_reader_parses_json_lines(tmp_path):
    labels = read_labels(write_lines(tmp_path / "l.json", GOOD, "", GOOD))
    assert len(labels) == 2
    assert labels[0].lanes == [[-2.0, 100.0, 110.0]] and labels[0].h_samples == [240, 250, 260]


@pytest.mark.parametrize("line, message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({"lanes": [], "h_samples": []}), "missing key"),
    (json.dumps({**GOOD, "lanes": [[1, 2]]}), "lane 0 has 2 x values for 3 h_samples"),
    (json.dumps({**GOOD, "h_samples": [250, 240, 260]}), "must increase"),
    (json.dumps({**GOOD, "lanes": [[1, "a", 2]]}), "not a number"),
    (json.dumps({**GOOD, "raw_file": ""}), "raw_file"),
])
def test_reader_names_file_line_and_problem(tmp_path, line, message):
    path = write_lines(tmp_path / "bad.json", GOOD, line)
    with pytest.raises(LabelFormatError, match=message) as error:
        read_labels(path)
    assert f"{path}:2" in str(error.value)


def test_reader_rejects_an_empty_file(tmp_path):
    with pytest.raises(LabelFormatError, match="no labels"):
        read_labels(write_lines(tmp_path / "empty.json", ""))


def test_missing_tree_says_what_to_put_where(tmp_path):
    from prunebench.data import DatasetNotFoundError

    with pytest.raises(DatasetNotFoundError, match="label_data_"):
        read_tusimple(tmp_path)


# ---- UFLD labels and decoding ----------------------------------------------------------------------
STEP = 1279 / 99  # UFLD's column cell width on a 1280-wide frame


def test_row_anchor_classes_of_one_left_lane():
    hs = list(range(160, 720, 10))
    lane = [700 - (y - 160) for y in hs]  # dy/dx = -1: a left lane, the only one -> slot 1
    classes = row_anchor_classes([lane], hs)
    assert classes.shape == (56, 4)
    assert classes[0, 1] == int(700 // STEP) == 54 and classes[-1, 1] == int(150 // STEP) == 11
    assert (classes[:, [0, 2, 3]] == GRIDING).all()


def test_short_lane_is_extended_to_the_bottom_anchors():
    hs = list(range(160, 720, 10))
    lane = [700 - (y - 160) if y <= 400 else -2 for y in hs]
    classes = row_anchor_classes([lane], hs)
    assert classes[-1, 1] == 11  # the line fit continues to y = 710, x = 150


def test_two_left_two_right_lanes_fill_the_slots_outside_in():
    hs = list(range(160, 720, 10))
    # image slope dy/dx: the ego lanes are steep (|angle| 63 degrees), the outer ones flat (27 degrees)
    outer_left = [560 - 2.0 * (y - 160) for y in hs]
    inner_left = [600 - 0.5 * (y - 160) for y in hs]
    inner_right = [680 + 0.5 * (y - 160) for y in hs]
    outer_right = [720 + 2.0 * (y - 160) for y in hs]
    lanes = [[x if 0 <= x < 1280 else -2 for x in lane] for lane in (inner_right, outer_left, outer_right, inner_left)]
    classes = row_anchor_classes(lanes, hs)
    row = ANCHOR_Y.index(200)
    assert classes[row].tolist() == [int(x // STEP) for x in (480, 580, 700, 800)]  # slots 0..3, left to right


def test_lanes_from_logits_expectation_and_absent():
    logits = torch.full((GRIDING + 1, 56, 4), -50.0)
    logits[GRIDING] = 0.0  # absent everywhere ...
    logits[10, 3, 0] = 50.0  # ... but lane 0 at anchor 3 sits in cell 10
    lanes = lanes_from_logits(logits)
    assert lanes[0][3] == round((10 + 0.5) * 1280 / 99) == 136
    assert lanes[0][2] == -2 and all(x == -2 for x in lanes[1])


def test_focal_loss_by_hand():
    logits = torch.zeros(1, 2, 1, 1)
    labels = torch.zeros(1, 1, 1, dtype=torch.long)
    assert float(focal_loss(logits, labels)) == pytest.approx(0.25 * math.log(2))  # (1 - 0.5)^2 · −log 0.5
    assert float(focal_loss(logits, labels, gamma=0.0)) == pytest.approx(math.log(2))


def test_target_round_trip():
    lanes, hs = [[-2.0, 100.0, 110.0], [5.0, 6.0, 7.0]], [240, 250, 260]
    target = pack_target(np.full((56, 4), GRIDING), hs, lanes)
    assert unpack_ground_truth(target) == (lanes, [240.0, 250.0, 260.0])
    with pytest.raises(ValueError, match="at most"):
        pack_target(np.full((56, 4), GRIDING), list(range(60)), [])


# ---- the generated set, through the real reader and the task ---------------------------------------
def test_generated_set_reads_back_and_evaluates(tmp_path):
    folder = write_tusimple_generated(tmp_path, train=3, test=2)
    splits = read_tusimple(folder, (64, 128), name="tusimple_generated")
    assert (len(splits.train), len(splits.test), splits.info.task) == (3, 2, "tusimple_lanes")
    x, y = next(iter(splits.test.batches(2)))
    assert x.shape == (2, 3, 64, 128) and y.shape == (2, 10, 56)
    labels = read_labels(folder / "test_label.json")
    assert unpack_ground_truth(y[0])[0] == labels[0].lanes
    model = build_model("ufld_resnet18", in_channels=3, num_classes=GRIDING + 1, width=0.125, input_size=(64, 128))
    evaluation = TuSimpleLanes.evaluate(model, splits.test)
    assert 0.0 <= evaluation.top1 <= 100.0 and math.isfinite(evaluation.loss)
    assert write_tusimple_generated(tmp_path, train=3, test=2) == folder  # idempotent


def test_ufld_shapes_parameter_count_and_released_checkpoint(tmp_path):
    model = build_model("ufld_resnet18", in_channels=3, num_classes=GRIDING + 1, width=1.0)
    # ResNet-18 body 11,176,512 + pool 4,104 + Linear(1800, 2048) 3,688,448 + Linear(2048, 22,624) 46,356,576
    assert sum(p.numel() for p in model.parameters()) == 61_225_640
    small = build_model("ufld_resnet18", in_channels=3, num_classes=GRIDING + 1, width=0.125, input_size=(64, 128))
    assert small(torch.zeros(1, 3, 64, 128)).shape == (1, GRIDING + 1, 56, 4)
    # UFLD's release: {"model": state_dict} saved from DataParallel ("module." prefixes)
    torch.save({"model": {f"module.{k}": v for k, v in small.state_dict().items()}}, tmp_path / "tusimple_18.pth")
    loaded = build_model("ufld_resnet18", in_channels=3, num_classes=GRIDING + 1, width=0.125, input_size=(64, 128),
                         weights=str(tmp_path / "tusimple_18.pth"))
    assert all(torch.equal(a, b) for a, b in zip(small.state_dict().values(), loaded.state_dict().values(), strict=True))
    with pytest.raises(FileNotFoundError, match="tusimple_18.pth"):
        build_model("ufld_resnet18", in_channels=3, num_classes=GRIDING + 1, weights=str(tmp_path / "missing.pth"))
