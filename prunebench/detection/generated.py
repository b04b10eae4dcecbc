"""A tiny generated detection set in YOLO format (the tests' stand-in for COCO): small images with one to three
filled rectangles of two classes (red boxes, blue boxes) on a noisy background, exact labels."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageDraw

COLOURS = {0: (220, 40, 40), 1: (40, 60, 220)}


def write_detection_set(folder: Path, train: int = 8, val: int = 4, size: int = 64, seed: int = 0) -> Path:
    """Write images/{train,val}, labels/{train,val} and data.yaml under `folder`; returns the yaml path."""
    folder = Path(folder)
    rng = np.random.default_rng(seed)
    for split, count in (("train", train), ("val", val)):
        (folder / "images" / split).mkdir(parents=True, exist_ok=True)
        (folder / "labels" / split).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            image = Image.fromarray(rng.integers(90, 160, size=(size, size, 3), dtype=np.uint8))
            draw, lines = ImageDraw.Draw(image), []
            for _ in range(int(rng.integers(1, 4))):
                cls = int(rng.integers(0, 2))
                w, h = rng.uniform(0.15, 0.4, size=2)
                cx, cy = rng.uniform(w / 2, 1 - w / 2), rng.uniform(h / 2, 1 - h / 2)
                draw.rectangle([(cx - w / 2) * size, (cy - h / 2) * size, (cx + w / 2) * size, (cy + h / 2) * size], fill=COLOURS[cls])
                lines.append(f"{cls} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
            image.save(folder / "images" / split / f"{i:04d}.png")
            (folder / "labels" / split / f"{i:04d}.txt").write_text("\n".join(lines) + "\n")
    spec = {"path": str(folder.resolve()), "train": "images/train", "val": "images/val", "names": {0: "red", 1: "blue"}}
    (folder / "data.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return folder / "data.yaml"
