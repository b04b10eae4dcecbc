"""The TuSimple lane accuracy, as the benchmark's official `LaneEval` (TuSimple-benchmark, evaluate/lane.py).

Per image: each ground-truth lane's threshold is 20 px / cos(angle), the angle from a least-squares line
x(y) through its annotated points; a lane's accuracy is the fraction of the image's h_samples where the best
predicted lane is within the threshold (points absent in both, x < 0, count as agreeing, as in the official
code); the image's accuracy is the sum over ground-truth lanes over min(4, #lanes) (with more than 4 lanes the
worst one is dropped). The benchmark's accuracy is the mean over images: the paper's Σ C_clip / Σ S_clip with
every clip weighted by its lane count, as the official script computes it. FP and FN rates come along.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PIXEL_THRESH = 20.0
PT_THRESH = 0.85  # a lane with accuracy below this is a false negative
ABSENT = -100.0  # what the official code substitutes for x < 0 before comparing


@dataclass(frozen=True)
class LaneScore:
    accuracy: float
    fp: float
    fn: float


def lane_angle(xs: np.ndarray, ys: np.ndarray) -> float:
    """arctan of the slope dx/dy of the least-squares line through the lane's annotated (x >= 0) points."""
    keep = xs >= 0
    xs, ys = xs[keep], ys[keep]
    if len(xs) <= 1:
        return 0.0
    return math.atan(np.polyfit(ys, xs, 1)[0])


def line_accuracy(pred: np.ndarray, gt: np.ndarray, thresh: float) -> float:
    pred = np.where(pred >= 0, pred, ABSENT)
    gt = np.where(gt >= 0, gt, ABSENT)
    return float(np.sum(np.abs(pred - gt) < thresh) / len(gt))


def score_image(pred: Sequence[Sequence[float]], gt: Sequence[Sequence[float]], y_samples: Sequence[float]) -> LaneScore:
    """One image, as `LaneEval.bench` (without its running-time rule: we time nothing)."""
    ys = np.asarray(y_samples, dtype=float)
    if any(len(p) != len(ys) for p in pred):
        raise ValueError(f"every predicted lane needs one x per h_sample ({len(ys)}); got lengths {[len(p) for p in pred]}")
    if len(gt) + 2 < len(pred):
        return LaneScore(0.0, 0.0, 1.0)
    preds = [np.asarray(p, dtype=float) for p in pred]
    gts = [np.asarray(g, dtype=float) for g in gt]
    accs, matched, fn = [], 0, 0.0
    for g in gts:
        thresh = PIXEL_THRESH / math.cos(lane_angle(g, ys))
        best = max((line_accuracy(p, g, thresh) for p in preds), default=0.0)
        if best < PT_THRESH:
            fn += 1
        else:
            matched += 1
        accs.append(best)
    fp = len(preds) - matched
    if len(gts) > 4 and fn > 0:
        fn -= 1
    total = sum(accs)
    if len(gts) > 4:
        total -= min(accs)
    lanes = max(min(4.0, len(gts)), 1.0)
    return LaneScore(total / lanes, fp / len(preds) if preds else 0.0, fn / lanes)


def tusimple_accuracy(images: Sequence[tuple[Sequence[Sequence[float]], Sequence[Sequence[float]], Sequence[float]]]) -> LaneScore:
    """Mean over images of (pred lanes, gt lanes, h_samples): the official benchmark's Accuracy, FP, FN."""
    if not images:
        raise ValueError("no images to evaluate")
    scores = [score_image(*image) for image in images]
    n = len(scores)
    return LaneScore(sum(s.accuracy for s in scores) / n, sum(s.fp for s in scores) / n, sum(s.fn for s in scores) / n)
