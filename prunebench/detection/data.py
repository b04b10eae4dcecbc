"""Detection data sets by name, for the `ultralytics_detection` run kind: where each one's data.yaml is under the
data root, and whether its mAP is COCO's own (pycocotools through ultralytics' save_json). A generated set is
written on first use."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prunebench.registry import Registry


@dataclass(frozen=True)
class DetectionData:
    locate: Callable[[Path], Path]  # data root -> data.yaml
    coco_eval: bool


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


DETECTION_DATA: Registry[DetectionData] = Registry("detection data set")
DETECTION_DATA.register("coco")(DetectionData(coco, True))
DETECTION_DATA.register("detection_generated_quick")(DetectionData(generated("detection_generated_quick", 32, 8, 96), False))
DETECTION_DATA.register("detection_generated_smoke")(DetectionData(generated("detection_generated_smoke", 8, 4, 64), False))
