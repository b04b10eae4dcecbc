"""A tiny generated lane set written in TuSimple's on-disk layout, read back by the real reader: the quick and
smoke scales of the lane reproductions run on it (no TuSimple here), and the tests check the reader with it.

Each 1280x720 frame is a noisy dark road with 2-4 straight white lanes converging to a jittered vanishing
point; the labels are exact (x at h_samples 160..710, -2 above the horizon or outside the frame).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from prunebench.data.base import DataSplits
from prunebench.data.root import default_data_root
from prunebench.data.tusimple import read_tusimple
from prunebench.lanes.task import ANCHOR_Y, IMAGE_H, IMAGE_W

SEED = 0
TRAIN, TEST = 160, 40
# name -> (train frames, test frames, model input (height, width)): small inputs for CPU budgets
SIZES = {"tusimple_generated": (TRAIN, TEST, (96, 256)), "tusimple_generated_smoke": (16, 8, (64, 128))}
H_SAMPLES = list(ANCHOR_Y)
DONE = ".complete"


def _frame(rng: np.random.Generator) -> tuple[Image.Image, list[list[int]]]:
    vx, vy = 640 + rng.uniform(-120, 120), 300 + rng.uniform(-30, 30)
    count = int(rng.integers(2, 5))
    bottoms = np.sort(rng.uniform(-300, 1580, size=count))
    image = Image.fromarray((rng.normal(60, 12, size=(IMAGE_H, IMAGE_W, 3))).clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, IMAGE_W, int(vy)], fill=(120, 140, 170))  # sky
    lanes = []
    for bx in bottoms:
        top_y = vy + 20
        top_x = vx + (bx - vx) * (top_y - vy) / (IMAGE_H - vy)
        draw.line([(top_x, top_y), (bx, IMAGE_H)], fill=(235, 235, 235), width=12)
        xs = [vx + (bx - vx) * (y - vy) / (IMAGE_H - vy) for y in H_SAMPLES]
        lanes.append([int(round(x)) if y >= top_y and 0 <= x < IMAGE_W else -2 for x, y in zip(xs, H_SAMPLES, strict=True)])
    return image, lanes


def write_tusimple_generated(folder: Path, train: int = TRAIN, test: int = TEST, seed: int = SEED) -> Path:
    """Write `train` + `test` frames and their label files under `folder` (idempotent: skipped when complete)."""
    folder = Path(folder)
    if (folder / DONE).exists():
        return folder
    rng = np.random.default_rng(seed)
    for split, count, label_file in (("train", train, "label_data_0313.json"), ("test", test, "test_label.json")):
        lines = []
        for i in range(count):
            image, lanes = _frame(rng)
            raw_file = f"clips/{split}/{i:04d}/20.jpg"
            (folder / raw_file).parent.mkdir(parents=True, exist_ok=True)
            image.save(folder / raw_file, quality=80)
            lines.append(json.dumps({"lanes": lanes, "h_samples": H_SAMPLES, "raw_file": raw_file}))
        (folder / label_file).write_text("\n".join(lines) + "\n")
    (folder / DONE).write_text(f"seed {seed}, {train} train, {test} test\n")
    return folder


def generated_loader(name: str) -> Callable[[Path | None, bool, bool], DataSplits]:
    train, test, input_size = SIZES[name]

    def load(root: Path | None, augment: bool, download: bool) -> DataSplits:
        """Generated on first use under <data root>/<name> (seed 0), then read as TuSimple (in-process decoding:
        worker processes cost more than they save on a few frames)."""
        folder = write_tusimple_generated((root or default_data_root()) / name, train, test)
        return read_tusimple(folder, input_size, name=name, workers=0)

    return load


tusimple_generated = generated_loader("tusimple_generated")
tusimple_generated_smoke = generated_loader("tusimple_generated_smoke")
