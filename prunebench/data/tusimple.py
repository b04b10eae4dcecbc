"""TuSimple lane detection, read from its json-lines labels and clip frames (UFLD's on-disk layout):

    <data root>/tusimple/clips/...                      the frames (1280x720 JPEG); `raw_file` is relative to here
    <data root>/tusimple/label_data_{0313,0531,0601}.json   training labels (every label_data_*.json is read)
    <data root>/tusimple/test_label.json                test labels

One json object per line: {"lanes": [[x, ...], ...], "h_samples": [y, ...], "raw_file": "clips/.../20.jpg"},
x = -2 where a lane has no point at that y. Training targets are UFLD's row-anchor classes (`row_anchor_classes`);
the raw lanes travel along for the official metric (`prunebench.lanes.task.pack_target`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms

from prunebench.data.base import DatasetInfo, DatasetNotFoundError, DataSplits, LoaderSource
from prunebench.data.root import default_data_root
from prunebench.lanes.task import ANCHOR_Y, GRIDING, IMAGE_W, LANES, pack_target

FOLDER = "tusimple"
INPUT_SIZE = (288, 800)  # UFLD's input (height, width)
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
MIN_LANE_LENGTH = 90.0  # px; shorter lanes are dropped when lanes are assigned to slots (UFLD)
EXTEND_MIN_POINTS = 6


class LabelFormatError(ValueError):
    """A TuSimple label file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class LaneLabel:
    raw_file: str
    lanes: list[list[float]]
    h_samples: list[int]


def parse_label_line(text: str, where: str) -> LaneLabel:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as error:
        raise LabelFormatError(f"{where}: not valid JSON ({error.msg})") from None
    if not isinstance(obj, dict):
        raise LabelFormatError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    missing = [k for k in ("lanes", "h_samples", "raw_file") if k not in obj]
    if missing:
        raise LabelFormatError(f"{where}: missing key(s) {missing}")
    lanes, h_samples, raw_file = obj["lanes"], obj["h_samples"], obj["raw_file"]
    if not isinstance(raw_file, str) or not raw_file:
        raise LabelFormatError(f"{where}: raw_file must be a non-empty path string")
    if not (isinstance(h_samples, list) and all(isinstance(y, (int, float)) for y in h_samples)):
        raise LabelFormatError(f"{where}: h_samples must be a list of numbers")
    if any(b <= a for a, b in zip(h_samples, h_samples[1:], strict=False)):
        raise LabelFormatError(f"{where}: h_samples must increase")
    if not (isinstance(lanes, list) and all(isinstance(lane, list) for lane in lanes)):
        raise LabelFormatError(f"{where}: lanes must be a list of lists of x")
    for i, lane in enumerate(lanes):
        if len(lane) != len(h_samples):
            raise LabelFormatError(f"{where}: lane {i} has {len(lane)} x values for {len(h_samples)} h_samples")
        if not all(isinstance(x, (int, float)) for x in lane):
            raise LabelFormatError(f"{where}: lane {i} holds a value that is not a number")
    return LaneLabel(raw_file, [[float(x) for x in lane] for lane in lanes], [int(y) for y in h_samples])


def read_labels(path: Path) -> list[LaneLabel]:
    """Every label of a json-lines file (blank lines skipped); LabelFormatError names file and line."""
    path = Path(path)
    labels = [
        parse_label_line(line, f"{path}:{number}")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.strip()
    ]
    if not labels:
        raise LabelFormatError(f"{path}: no labels")
    return labels


def _points(lane: list[float], h_samples: list[int]) -> np.ndarray:
    """(y, x) of the lane's annotated points, top to bottom."""
    return np.array([(y, x) for x, y in zip(lane, h_samples, strict=True) if x >= 0], dtype=float).reshape(-1, 2)


def _slope_angle(points: np.ndarray) -> float | None:
    """arctan of dy/dx of a line fit through the lane (UFLD convert_tusimple's calc_k); None if too short."""
    if len(points) < 2 or np.hypot(*(points[0] - points[-1])) < MIN_LANE_LENGTH:
        return None
    return float(np.arctan(np.polyfit(points[:, 1], points[:, 0], 1)[0]))


def assign_slots(lanes: list[list[float]], h_samples: list[int]) -> list[np.ndarray | None]:
    """UFLD's four lane slots (convert_tusimple.py): left lanes have negative image slope, right positive; two of
    each, nearest the ego lane first in the middle slots (1 and 2)."""
    points = [_points(lane, h_samples) for lane in lanes]
    angles = [_slope_angle(p) for p in points]
    neg = sorted(a for a in angles if a is not None and a < 0)
    pos = sorted(a for a in angles if a is not None and a > 0)
    slots: list[np.ndarray | None] = [None] * LANES

    def put(slot: int, angle: float) -> None:
        slots[slot] = points[angles.index(angle)]

    if len(neg) == 1:
        put(1, neg[0])
    elif len(neg) >= 2:
        put(0, neg[1])
        put(1, neg[0])
    if len(pos) == 1:
        put(2, pos[0])
    elif len(pos) == 2:
        put(2, pos[1])
        put(3, pos[0])
    elif len(pos) > 2:
        put(2, pos[-1])
        put(3, pos[-2])
    return slots


def _x_at_anchors(points: np.ndarray) -> np.ndarray:
    """x at each anchor row inside the lane's annotated span (linear between points), -1 elsewhere; then UFLD's
    extension of a lane that stops above the last anchor by a line fit through its lower half."""
    ys = np.asarray(ANCHOR_Y, dtype=float)
    inside = (ys >= points[0, 0]) & (ys <= points[-1, 0])
    xs = np.where(inside, np.interp(ys, points[:, 0], points[:, 1]), -1.0)
    valid = np.flatnonzero(xs >= 0)
    if len(valid) >= EXTEND_MIN_POINTS and valid[-1] < len(ys) - 1:
        half = valid[len(valid) // 2 :]
        fit = np.polyfit(ys[half], xs[half], 1)
        rest = np.polyval(fit, ys[valid[-1] + 1 :])
        xs[valid[-1] + 1 :] = np.where((rest < 0) | (rest > IMAGE_W - 1), -1.0, rest)
    return xs


def row_anchor_classes(lanes: list[list[float]], h_samples: list[int]) -> np.ndarray:
    """(ANCHORS, LANES) classes: the column cell of each slot's lane at each anchor (UFLD `_grid_pts`), or GRIDING."""
    step = (IMAGE_W - 1) / (GRIDING - 1)  # np.linspace(0, w - 1, GRIDING) spacing
    classes = np.full((len(ANCHOR_Y), LANES), GRIDING, dtype=np.int64)
    for slot, points in enumerate(assign_slots(lanes, h_samples)):
        if points is None:
            continue
        xs = _x_at_anchors(points)
        classes[:, slot] = np.where(xs >= 0, np.minimum(xs // step, GRIDING - 1), GRIDING)
    return classes


class TuSimpleFrames(Dataset):
    """(PIL frame, packed target) per label; frames are opened lazily."""

    def __init__(self, folder: Path, labels: list[LaneLabel]):
        self.folder = folder
        self.labels = labels
        self.targets = [pack_target(row_anchor_classes(lb.lanes, lb.h_samples), lb.h_samples, lb.lanes) for lb in labels]

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[Image.Image, torch.Tensor]:
        path = self.folder / self.labels[index].raw_file
        try:
            image = Image.open(path).convert("RGB")
        except OSError as error:
            raise DatasetNotFoundError(f"TuSimple frame {path} (label {index}) cannot be read: {error}") from None
        return image, self.targets[index]


def read_tusimple(
    folder: Path, input_size: tuple[int, int] = INPUT_SIZE, *, name: str = "tusimple", workers: int | None = None
) -> DataSplits:
    """Both splits of a TuSimple tree at `folder` (UFLD layout), frames resized to `input_size` (no augmentation:
    UFLD's joint rotation/shift of image and label is not implemented)."""
    train_files = sorted(folder.glob("label_data_*.json"))
    test_file = folder / "test_label.json"
    if not train_files or not test_file.is_file():
        raise DatasetNotFoundError(
            f"TuSimple not found in {folder}: need label_data_*.json (training labels), test_label.json and clips/.\n"
            "Get train_set.zip, test_set.zip and test_label.json from the TuSimple benchmark "
            "(https://github.com/TuSimple/tusimple-benchmark/issues/3), unzip both into that folder so that the "
            "json files and clips/ sit side by side (Ultra-Fast-Lane-Detection's layout). Nothing is downloaded."
        )
    train = [label for f in train_files for label in read_labels(f)]
    return frame_splits(folder, train, read_labels(test_file), input_size, name=name, workers=workers)


def frame_splits(folder: Path, train_labels: list[LaneLabel], test_labels: list[LaneLabel],
                 input_size: tuple[int, int] = INPUT_SIZE, *, name: str, workers: int | None = None) -> DataSplits:
    """Labelled frames under `folder`, each resized to `input_size`."""
    transform = transforms.Compose([transforms.Resize(input_size), transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    train, test = TuSimpleFrames(folder, train_labels), TuSimpleFrames(folder, test_labels)
    info = DatasetInfo(name=name, in_channels=3, num_classes=(GRIDING + 1), image_size=input_size[0], mean=MEAN,
                       std=STD, task="tusimple_lanes")
    return DataSplits(
        info, LoaderSource(train, transform, shuffle=True, num_workers=workers),
        LoaderSource(test, transform, shuffle=False, num_workers=workers), str(folder),
    )


def load_tusimple(root: Path | None, augment: bool, download: bool) -> DataSplits:
    return read_tusimple((root or default_data_root()) / FOLDER)


SAMPLE_FOLDER = "sample_512x288"  # the offline copy's 10 real training frames, 512×288, their labels' x scaled to it


def load_tusimple_sample(root: Path | None, augment: bool, download: bool) -> DataSplits:
    """`make paper-check`'s TuSimple stand-in: the offline copy's 10 real frames with their labels' x scaled back to
    TuSimple's 1280 px (the frames are upscaled by the resize to UFLD's input), as both splits: no test frame is
    offline. A TuSimple config's network, input, loss and metric are the paper's; its accuracy means nothing."""
    folder = (root or default_data_root()) / FOLDER / SAMPLE_FOLDER
    if not (folder / "label_data.json").is_file():
        raise DatasetNotFoundError(
            f"tusimple_sample10_upscaled not found: no {folder}/label_data.json. `make data` unpacks it from "
            "../shared/data/tusimple-labels.tar.gz into the data root ($PRUNEBENCH_DATA, else ~/.cache/prunebench/data)."
        )
    sample = read_labels(folder / "label_data.json")
    with Image.open(folder / sample[0].raw_file) as first:
        scale = IMAGE_W / first.width
    labels = [replace(label, lanes=[[x * scale if x >= 0 else x for x in lane] for lane in label.lanes])
              for label in sample]
    return frame_splits(folder, labels, labels, name="tusimple_sample10_upscaled")
