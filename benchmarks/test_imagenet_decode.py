"""Decode throughput of the streamed ImageNet pipeline on one core: JPEG file -> random-resized 224x224 crop ->
flip -> normalised tensor, as the loader's workers do it (PIL, torchvision's classic transforms), against the
tensor path (torchvision.io.decode_jpeg and the v2 transforms on uint8 tensors). Both sides read the same files in
the same rounds; the ratio is median(PIL) / median(tensor path): > 1 means the tensor path is faster.

The images are Tiny-ImageNet's 64x64 JPEGs (the offline copy), not ImageNet's ~400x350: decoding is a smaller share
here and resizing a larger one, so the images per second per core are an upper bound of what ImageNet's files give.
An H100 trains ResNet-50 at roughly 3,000 images/s: divide by the per-core rate for the workers a GPU needs.
The loader keeps PIL: torchvision's image decoders are deprecated (since 0.29) in favour of TorchCodec, which is not
a dependency here; this benchmark says what moving would gain.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch
from torchvision import io, transforms
from torchvision.transforms import v2

from benchmarks.common import median
from prunebench.data import default_data_root
from prunebench.data.imagenet import MEAN, STD

FILES = 200
ROUNDS = 5


def jpeg_files() -> list[Path]:
    folder = default_data_root() / "tiny-imagenet-200" / "train"
    files = sorted(folder.glob("*/images/*.JPEG"))[:FILES]
    if len(files) < FILES:
        pytest.skip(f"Tiny-ImageNet is not unpacked under {folder} (`make data`)")
    return files


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torchvision.io's decoders (see above)
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_imagenet_decode_per_core_pil_vs_tensor_path(benchmark):
    from PIL import Image

    torch.set_num_threads(1)  # one core: a worker's share
    files = jpeg_files()
    classic = transforms.Compose([transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(),
                                  transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    tensor_path = v2.Compose([v2.RandomResizedCrop(224, antialias=True), v2.RandomHorizontalFlip(),
                              v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)])
    pil_s: list[float] = []
    tensor_s: list[float] = []

    def pil_round() -> None:
        began = time.perf_counter()
        for f in files:
            with Image.open(f) as image:
                classic(image.convert("RGB"))
        pil_s.append(time.perf_counter() - began)

    def tensor_round() -> None:
        began = time.perf_counter()
        for f in files:
            tensor_path(io.decode_jpeg(io.read_file(str(f)), mode=io.ImageReadMode.RGB))
        tensor_s.append(time.perf_counter() - began)

    benchmark.pedantic(tensor_round, setup=pil_round, rounds=ROUNDS)
    pil_rate, tensor_rate = FILES / median(pil_s), FILES / median(tensor_s)
    benchmark.extra_info.update({"pil_images_per_s_per_core": round(pil_rate, 1),
                                 "tensor_images_per_s_per_core": round(tensor_rate, 1),
                                 "ratio_pil_over_tensor": round(median(pil_s) / median(tensor_s), 3)})
    print(f"ImageNet pipeline on one core, {FILES} Tiny-ImageNet JPEGs -> 224x224: PIL {pil_rate:.0f} img/s, "
          f"tensor path {tensor_rate:.0f} img/s, ratio {median(pil_s) / median(tensor_s):.2f}")
    assert pil_rate > 0 and tensor_rate > 0
