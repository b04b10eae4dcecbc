"""Detection data sets by name, for the `ultralytics_detection` run kind: where each one's data.yaml is under the
data root, and, for COCO images, the instances file (beside the yaml) that pycocotools scores the val split
against (`prunebench.detection.coco_eval`). A generated set, or the COCO128 split, is written on first use."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from prunebench.registry import Registry


@dataclass(frozen=True)
class DetectionData:
    locate: Callable[[Path], Path]  # data root -> data.yaml
    annotations: str | None = None  # glob of the val split's COCO instances json, relative to the yaml's folder

    def annotations_file(self, data_yaml: Path) -> Path | None:
        """The one file matching `annotations` (None: the set has none, ultralytics' own mAP is used)."""
        if self.annotations is None:
            return None
        found = sorted(Path(data_yaml).parent.glob(self.annotations))
        if len(found) != 1:
            raise FileNotFoundError(f"COCO's mAP needs exactly one val-split instances file {self.annotations} beside "
                                    f"{data_yaml}, found {len(found)} (see datasets/README.md)")
        return found[0]


def generated(name: str, train: int, val: int, size: int) -> Callable[[Path], Path]:
    def locate(root: Path) -> Path:
        from prunebench.detection.generated import write_detection_set

        folder = Path(root) / name
        return folder / "data.yaml" if (folder / "data.yaml").exists() else write_detection_set(folder, train, val, size)

    return locate


def coco(root: Path) -> Path:
    path = Path(root) / "coco" / "coco.yaml"
    if not path.exists():
        raise FileNotFoundError(f"COCO in YOLO format is not at {path}: see datasets/README.md (nothing is downloaded)")
    return path


COCO128_SPLIT = "prunebench_coco128.yaml"


def coco128(root: Path) -> Path:
    """COCO128 with its two halves swapped: train on the 128 val2017 images, score the 128 train2017 images, the
    only ones with a COCO instances file. The copy's own coco128.yaml is left as it is."""
    folder = Path(root) / "coco128"
    source = folder / "coco128.yaml"
    if not source.exists():
        raise FileNotFoundError(f"COCO128 is not at {folder}: `make data` unpacks it from ../shared/data/coco128.tar.gz "
                                "into the data root ($PRUNEBENCH_DATA, else ~/.cache/prunebench/data)")
    path = folder / COCO128_SPLIT
    if not path.exists():
        names = yaml.safe_load(source.read_text())["names"]
        spec = {"path": str(folder.resolve()), "train": "images/val2017", "val": "images/train2017", "names": names}
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


DETECTION_DATA: Registry[DetectionData] = Registry("detection data set")
DETECTION_DATA.register("coco")(DetectionData(coco, "annotations/instances_val*.json"))
DETECTION_DATA.register("coco128")(DetectionData(coco128, "annotations/instances_train2017.json"))
DETECTION_DATA.register("detection_generated_smoke")(DetectionData(generated("detection_generated_smoke", 8, 4, 64)))
