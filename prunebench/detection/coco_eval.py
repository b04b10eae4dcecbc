"""COCO's own mAP for a YOLO model: its detections on the val images written as COCO results and scored by
pycocotools against the instances file, the way the COCO benchmark scores every detector. ultralytics' own mAP
(its interpolation, its matching) is used only where no instances file exists (generated sets)."""
from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

# ultralytics' validator settings for mAP: keep nearly every box, NMS at IoU 0.7, up to 300 per image
CONFIDENCE, NMS_IOU, MAX_DETECTIONS = 0.001, 0.7, 300


def coco_detections(yolo: Any, images: list[Path], imgsz: int, batch: int, device: str) -> list[dict[str, Any]]:
    """The model's boxes on `images` as COCO results: image id = the numeric file name, 80 classes -> COCO's ids."""
    from ultralytics.data.converter import coco80_to_coco91_class

    to_coco = coco80_to_coco91_class()
    found = []
    for result in yolo.predict(source=[str(p) for p in images], imgsz=imgsz, conf=CONFIDENCE, iou=NMS_IOU,
                               max_det=MAX_DETECTIONS, batch=batch, device=device, verbose=False, stream=True):
        image_id = int(Path(result.path).stem)
        boxes = result.boxes
        for (x1, y1, x2, y2), cls, score in zip(boxes.xyxy.tolist(), boxes.cls.tolist(), boxes.conf.tolist(), strict=True):
            found.append({"image_id": image_id, "category_id": to_coco[int(cls)],
                          "bbox": [round(x1, 3), round(y1, 3), round(x2 - x1, 3), round(y2 - y1, 3)], "score": round(score, 5)})
    return found


def coco_map50(detections: list[dict[str, Any]], annotations: Path, image_ids: list[int]) -> float:
    """mAP@0.5 (%) of `detections` over `image_ids` by pycocotools' COCOeval (bbox); no detection at all: 0."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if not detections:
        return 0.0
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress and summary table
        truth = COCO(str(annotations))
        evaluation = COCOeval(truth, truth.loadRes(detections), "bbox")
        evaluation.params.imgIds = sorted(image_ids)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return max(0.0, 100.0 * float(evaluation.stats[1]))  # stats[1]: AP at IoU 0.5 (−1 when nothing is defined)
