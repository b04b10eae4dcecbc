"""What a stand-in data set can and cannot test, said beside every verdict read from its runs. A stand-in replaces
a paper's data set where the original is not offline or too slow for a CPU (the data sets' own modules say how it is
made); this module holds no tensors, so the claims and the report read it without loading a data set."""
from __future__ import annotations

WHAT_IT_TESTS = {
    "cifar10_jpeg_100class": "CIFAR-10 images under a 100-way head (chance 10 %, not 1 %): the verdict tests the "
                             "network and the method, not CIFAR-100",
    "tiny_imagenet200_subset100": "a Tiny-ImageNet subset (200 classes, 64×64) stands in for ImageNet: the verdict "
                                  "tests the method on a small-image task, not ImageNet",
}


def notes(datasets: set[str]) -> list[str]:
    """The notes of the stand-ins among `datasets`, in name order."""
    return [f"{name}: {WHAT_IT_TESTS[name]}" for name in sorted(datasets) if name in WHAT_IT_TESTS]
