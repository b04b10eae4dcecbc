"""Π_S on one 512×512×3×3 conv weight: prunebench's exact top-k vs the SLR reference code's percentile cut.

The reference code (the ADMM-NN `weight_pruning` the SLR code calls) moves the weight to numpy, takes
`np.percentile(|w|, 100·ratio)` as a threshold, zeroes `|w| < threshold` and returns the pruned weight
and the 0/1 mask as tensors. prunebench's `project` keeps exactly l = numel − round(ratio·numel)
entries with `torch.topk`. A torch.quantile variant of the threshold cut is timed too, for information.
The reference runs as pedantic's setup before each `project` round; the ratio is
median(reference) / median(project), so > 1 means prunebench is faster. Only a loose floor is asserted.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from benchmarks.common import median
from prunebench.sparsity import keep_count, project

SHAPE = (512, 512, 3, 3)
RATIO = 0.8
ROUNDS = 20
FLOOR = 0.3  # asserted: project more than ~3x slower than the percentile cut is a regression (measured ~0.7)


def reference_weight_pruning(weight: torch.Tensor, prune_ratio: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The SLR/ADMM-NN reference code's projection (CUDA transfers dropped)."""
    weight = weight.cpu().detach().numpy()
    percent = prune_ratio * 100
    weight_temp = np.abs(weight)
    percentile = np.percentile(weight_temp, percent)
    under_threshold = weight_temp < percentile
    above_threshold = (weight_temp > percentile).astype(np.float32)
    weight[under_threshold] = 0
    return torch.from_numpy(above_threshold), torch.from_numpy(weight)


def torch_quantile_pruning(weight: torch.Tensor, prune_ratio: float) -> torch.Tensor:
    magnitude = weight.detach().abs()
    return weight * (magnitude >= torch.quantile(magnitude.flatten(), prune_ratio))


def test_projection_speed(benchmark):
    weight = torch.randn(SHAPE, generator=torch.Generator().manual_seed(0))
    keep = keep_count(weight.numel(), RATIO)

    ours: list[float] = []
    reference: list[float] = []
    quantile: list[float] = []
    kept: dict[str, int] = {}

    def timed_reference() -> None:
        began = time.perf_counter()
        _, pruned = reference_weight_pruning(weight.clone(), RATIO)
        reference.append(time.perf_counter() - began)
        kept["reference"] = int(torch.count_nonzero(pruned))
        began = time.perf_counter()
        pruned = torch_quantile_pruning(weight, RATIO)
        quantile.append(time.perf_counter() - began)
        kept["torch_quantile"] = int(torch.count_nonzero(pruned))

    def timed_ours() -> None:
        began = time.perf_counter()
        pruned = project(weight, RATIO)
        ours.append(time.perf_counter() - began)
        kept["prunebench"] = int(torch.count_nonzero(pruned))

    timed_reference()  # warm-up
    timed_ours()
    ours.clear(), reference.clear(), quantile.clear()

    benchmark.pedantic(timed_ours, setup=timed_reference, rounds=ROUNDS)

    ratio = median(reference) / median(ours)
    benchmark.extra_info.update(
        {
            "shape": list(SHAPE),
            "prune_ratio": RATIO,
            "project_ms": round(1e3 * median(ours), 2),
            "reference_numpy_percentile_ms": round(1e3 * median(reference), 2),
            "torch_quantile_ms": round(1e3 * median(quantile), 2),
            "ratio_vs_reference": round(ratio, 3),
            "ratio_vs_torch_quantile": round(median(quantile) / median(ours), 3),
            "kept_target": keep,
            "kept": kept,
        }
    )
    print(
        f"\nprojection {SHAPE}: project {1e3 * median(ours):.1f} ms, reference numpy percentile "
        f"{1e3 * median(reference):.1f} ms, torch.quantile cut {1e3 * median(quantile):.1f} ms; "
        f"ratio {ratio:.2f}x; kept {kept} of target {keep}"
    )
    assert kept["prunebench"] == keep  # exact cardinality, whatever the speed
    assert ratio > FLOOR, f"project is {1 / ratio:.1f}x slower than the percentile cut"
