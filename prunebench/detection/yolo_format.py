"""The YOLO detection data format that ultralytics reads, checked before a run so that a bad file fails with its
name and line instead of deep inside a data loader:

    data.yaml          path: <root>, train: images/train, val: images/val, names: {0: person, ...}
    images/<split>/*.jpg|png    labels/<split>/<same stem>.txt: one "class cx cy w h" line per box,
                                coordinates normalised to [0, 1] (an empty file: no boxes)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


class YoloFormatError(ValueError):
    """A YOLO-format file is malformed; the message names the file (and line)."""


@dataclass(frozen=True)
class DetectionData:
    root: Path
    splits: dict[str, Path]  # split name -> image folder
    names: dict[int, str]


def read_label_file(path: Path, num_classes: int) -> np.ndarray:
    """(n, 5) array of class, cx, cy, w, h; YoloFormatError names the file and line of a bad box."""
    rows = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        fields = line.split()
        if len(fields) != 5:
            raise YoloFormatError(f"{where}: expected 'class cx cy w h' (5 fields), got {len(fields)}")
        try:
            cls, *box = (float(f) for f in fields)
        except ValueError:
            raise YoloFormatError(f"{where}: a field is not a number: {line.strip()!r}") from None
        if not cls.is_integer() or not 0 <= cls < num_classes:
            raise YoloFormatError(f"{where}: class {fields[0]} is not an integer in [0, {num_classes})")
        if not all(0.0 <= v <= 1.0 for v in box) or box[2] <= 0 or box[3] <= 0:
            raise YoloFormatError(f"{where}: box {box} must be normalised to [0, 1] with positive width and height")
        rows.append([cls, *box])
    return np.array(rows, dtype=np.float64).reshape(-1, 5)


def label_path(image: Path) -> Path:
    """ultralytics' rule: the last 'images' folder in the path becomes 'labels', the suffix '.txt'."""
    parts = list(image.parts)
    index = len(parts) - 1 - parts[::-1].index("images")
    parts[index] = "labels"
    return Path(*parts).with_suffix(".txt")


def read_data_yaml(path: Path) -> DetectionData:
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise YoloFormatError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(spec, dict) or not {"train", "val", "names"} <= set(spec):
        raise YoloFormatError(f"{path}: needs the keys train, val and names (and optionally path)")
    names = spec["names"]
    names = dict(enumerate(names)) if isinstance(names, list) else {int(k): str(v) for k, v in names.items()}
    root = Path(spec.get("path") or path.parent)
    root = root if root.is_absolute() else path.parent / root
    return DetectionData(root, {split: root / spec[split] for split in ("train", "val")}, names)


def split_images(folder: Path) -> list[Path]:
    """The images of a split's folder, in name order (none if the folder is absent)."""
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in IMAGE_SUFFIXES) if folder.is_dir() else []


def check_dataset(path: Path) -> dict[str, int]:
    """Validate every label of both splits; returns the number of images per split."""
    data = read_data_yaml(path)
    counts = {}
    for split, folder in data.splits.items():
        images = split_images(folder)
        if not images:
            raise YoloFormatError(f"{path}: split {split!r} has no images in {folder}")
        for image in images:
            label = label_path(image)
            if label.exists():  # a missing label file means "no boxes" to ultralytics
                read_label_file(label, len(data.names))
        counts[split] = len(images)
    return counts
