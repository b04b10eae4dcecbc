"""`make gpu-check`'s arithmetic and its Markdown page (the whole check runs with `make gpu-check DEVICE=cpu`)."""
from __future__ import annotations

import pytest

from reproductions.gpu_check import markdown, method_overhead

pytestmark = pytest.mark.unit


def timed(method: str, seconds: float, model: str = "resnet56", batch: int = 128) -> dict:
    return {"run": f"{method}-x/h/seed0", "method": method, "model": model, "dataset": "cifar10_jpeg", "width": 1.0,
            "batch_size": batch, "epoch": 2, "seconds_per_step": seconds}


def test_each_methods_overhead_is_over_the_fastest_plain_step_of_the_same_setting():
    times = [timed("dense", 0.10), timed("dense", 0.08), timed("slr", 0.12), timed("slr", 0.10),
             timed("greg2", 0.2, batch=64),  # no plain step at batch 64: left out, never compared with batch 128
             timed("sgd", 0.5, model="vgg16_nobn_cifar"), timed("grda", 0.55, model="vgg16_nobn_cifar")]
    assert method_overhead(times) == {"grda": {"median": 1.1, "max": 1.1, "runs": 1},
                                      "slr": {"median": 1.375, "max": 1.5, "runs": 2}}


def test_the_page_names_the_device_the_resume_verdicts_failures_and_every_number():
    report = {"device": "cuda (NVIDIA H100)", "torch": "2.x", "wall_seconds": 400.0,
              "resume": [{"run": "sgd-vgg16/abc/seed0", "bit_identical": True},
                         {"run": "slr-resnet18/def/seed0", "bit_identical": False}],
              "epoch_seconds": [{"model": "resnet56", "variant": "bf16", "epoch_seconds": 1.9, "step_ms": 4.9,
                                 "peak_memory_gib": 1.2}],
              "paper_check": {"tables": ["a", "b"], "failed": ["grda/x: RuntimeError: boom"],
                              "method_overhead": {"slr": {"median": 1.02, "max": 1.04, "runs": 3}}}}
    page = markdown(report)
    assert "sgd-vgg16: bit-identical" in page and "slr-resnet18: DIFFERS" in page
    assert "tables passed: 2, failed: 1: grda/x: RuntimeError: boom" in page
    assert "| resnet56 | bf16 | 1.9 | 4.9 | 1.2 |" in page and "| slr | 1.02 | 1.04 | 3 |" in page
