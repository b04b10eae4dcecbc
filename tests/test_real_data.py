"""The offline real-data copies: archives verified and unpacked once into the data root, and the loaders of the
JPEG image sets (on small trees made here, and on the real archives where ../shared/data has them)."""
from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest
import torch
from PIL import Image

from prunebench.data import DatasetNotFoundError, load_dataset
from prunebench.data.archives import SHARED_DATA, ArchiveError, listed, unpack

pytestmark = pytest.mark.unit


def jpeg(path: Path, colour: tuple[int, int, int], size: int, mode: str = "RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, (size, size), colour if mode == "RGB" else colour[0]).save(path, quality=95)


def archive_of(tmp_path: Path, folder: str, files: dict[str, bytes]) -> tuple[Path, str]:
    path = tmp_path / f"{folder}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_archive_is_verified_unpacked_once_and_again_when_it_changes(tmp_path):
    archive, digest = archive_of(tmp_path, "toy", {"a.txt": b"one"})
    root = tmp_path / "root"
    assert unpack(archive, digest, root) == root / "toy"
    assert (root / "toy" / "a.txt").read_bytes() == b"one"
    assert unpack(archive, digest, root) is None  # already there
    archive, digest = archive_of(tmp_path, "toy", {"a.txt": b"two"})
    assert unpack(archive, digest, root) == root / "toy" and (root / "toy" / "a.txt").read_bytes() == b"two"


def test_a_damaged_archive_is_refused_and_nothing_unpacked(tmp_path):
    archive, digest = archive_of(tmp_path, "toy", {"a.txt": b"one"})
    with pytest.raises(ArchiveError, match="damaged copy"):
        unpack(archive, "0" * 64, tmp_path / "root")
    assert not (tmp_path / "root" / "toy").exists()


def test_an_archive_reaching_outside_its_folder_is_refused(tmp_path):
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("toy/../../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises((ArchiveError, tarfile.TarError)):
        unpack(path, hashlib.sha256(path.read_bytes()).hexdigest(), tmp_path / "root")
    assert not (tmp_path / "escaped.txt").exists()


def test_cifar10_jpeg_reads_the_class_folders_and_caches_the_decoded_images(tmp_path):
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    for label, name in enumerate(classes):
        for split, count in (("train", 2), ("test", 1)):
            for i in range(count):
                jpeg(tmp_path / "cifar10-jpeg" / split / name / f"{i:04d}.jpg", (25 * label, 100, 200), 32)
    splits = load_dataset("cifar10_jpeg", root=tmp_path)
    assert splits.info.name == "cifar10_jpeg" and splits.info.num_classes == 10
    assert splits.train.images.shape == (20, 3, 32, 32) and splits.train.images.dtype == torch.uint8
    assert splits.train.labels.tolist() == [i // 2 for i in range(20)]
    assert abs(int(splits.test.images[3, 0].float().mean()) - 75) <= 3  # class 3's red channel, through JPEG
    assert list((tmp_path / "cifar10-jpeg").glob(".prunebench-uint8-*.pt"))
    again = load_dataset("cifar10_jpeg", root=tmp_path)
    assert torch.equal(again.train.images, splits.train.images)


def test_tiny_imagenet_subset_takes_the_first_100_per_class_and_the_labelled_validation_set(tmp_path):
    folder = tmp_path / "tiny-imagenet-200"
    wnids = ["n02", "n01"]
    folder.mkdir()
    (folder / "wnids.txt").write_text("\n".join(wnids) + "\n")
    for w in wnids:
        for i in range(101):  # one more than the subset takes, as in a full copy
            jpeg(folder / "train" / w / "images" / f"{w}_{i}.JPEG", (10, 10, 10), 64, mode="L" if i == 0 else "RGB")
    jpeg(folder / "val" / "images" / "val_0.JPEG", (1, 2, 3), 64)
    jpeg(folder / "val" / "images" / "val_1.JPEG", (1, 2, 3), 64)
    (folder / "val" / "val_annotations.txt").write_text("val_0.JPEG\tn02\t0\t0\t9\t9\nval_1.JPEG\tn01\t0\t0\t9\t9\n")
    splits = load_dataset("tiny_imagenet200_subset100", root=tmp_path)
    assert splits.train.images.shape == (200, 3, 64, 64)  # greyscale files become RGB
    assert splits.train.labels.bincount().tolist() == [100, 100]
    assert splits.test.labels.tolist() == [1, 0]  # classes in sorted wnid order: n01 = 0, n02 = 1


def test_a_missing_image_set_says_how_to_get_it(tmp_path):
    for name in ("cifar10_jpeg", "tiny_imagenet200_subset100"):
        with pytest.raises(DatasetNotFoundError, match="make data"):
            load_dataset(name, root=tmp_path)


@pytest.mark.skipif(not (SHARED_DATA / "SHA256SUMS").exists(), reason="no ../shared/data in this checkout")
def test_the_shared_archives_match_their_checksums_and_unpack(tmp_path):
    sums = listed(SHARED_DATA)
    assert {"cifar10-jpeg.tar.gz", "tiny-imagenet-200-subset.tar.gz"} <= set(sums)
    small = {name: digest for name, digest in sums.items() if name.startswith("tusimple")}
    for name, digest in small.items():
        folder = unpack(SHARED_DATA / name, digest, tmp_path)
        assert folder is not None and (folder / "test_label_0627.json").exists()


@pytest.fixture(scope="module")
def tusimple_root(tmp_path_factory) -> Path:
    """A data root holding the unpacked TuSimple label archive."""
    sums = listed(SHARED_DATA) if (SHARED_DATA / "SHA256SUMS").exists() else {}
    name = next((n for n in sums if n.startswith("tusimple")), None)
    if name is None:
        pytest.skip("no TuSimple label archive in ../shared/data")
    root = tmp_path_factory.mktemp("tusimple")
    unpack(SHARED_DATA / name, sums[name], root)
    return root


@pytest.fixture(scope="module")
def tusimple_labels(tusimple_root):
    folder = tusimple_root / "tusimple"
    import json

    return [json.loads(line) for line in (folder / "test_label_0627.json").read_text().splitlines() if line.strip()]


def test_the_tusimple_stand_in_is_the_ten_real_frames_with_labels_at_tusimple_resolution(tusimple_root):
    import json

    raw = [json.loads(line) for line in
           (tusimple_root / "tusimple" / "sample_512x288" / "label_data.json").read_text().splitlines() if line.strip()]
    splits = load_dataset("tusimple_sample10_upscaled", root=tusimple_root)
    assert len(splits.train) == len(splits.test) == len(raw) == 10
    label = splits.train.samples.labels[0]
    assert label.lanes[0] == [x * 2.5 if x >= 0 else x for x in raw[0]["lanes"][0]]  # 512 px -> TuSimple's 1280
    images, targets = next(iter(splits.test.batches(2)))
    assert images.shape == (2, 3, 288, 800) and splits.info.task == "tusimple_lanes"


def test_the_tusimple_evaluator_scores_the_real_ground_truth_against_itself_as_100_percent(tusimple_labels):
    from prunebench.lanes.metric import tusimple_accuracy

    images = [(label["lanes"], label["lanes"], label["h_samples"]) for label in tusimple_labels]
    assert len(images) == 2782
    score = tusimple_accuracy(images)
    assert (score.accuracy, score.fp, score.fn) == (1.0, 0.0, 0.0)


def test_a_shifted_real_lane_loses_exactly_what_laneeval_says(tusimple_labels):
    """Lane 0 moved 2,000 px sideways, on real labels. LaneEval: gt lane 0's accuracy is its best match among the
    predictions — the moved lane now matches only where lane 0 is absent, another lane where both are absent or
    closer than 20 px / cos(lane 0's angle) — the image scores (n − 1 + that) / n, one false positive among n
    predictions and one false negative among n lanes (it falls below 0.85)."""
    import numpy as np

    from prunebench.lanes.metric import score_image

    checked = 0
    for label in tusimple_labels[:300]:
        gt, ys = label["lanes"], label["h_samples"]
        if not 1 < len(gt) <= 4:
            continue
        lane0 = np.asarray(gt[0], dtype=float)
        present = lane0 >= 0
        if present.sum() < 2:
            continue
        slope = np.polyfit(np.asarray(ys, dtype=float)[present], lane0[present], 1)[0]
        threshold = 20 / np.cos(np.arctan(slope))
        matches = [(~present).mean()]  # the moved lane
        for other in map(np.asarray, gt[1:]):
            both_absent = ~present & (other < 0)
            close = present & (other >= 0) & (np.abs(other - lane0) < threshold)
            matches.append((both_absent | close).mean())
        best = max(matches)
        if threshold >= 2000 or best >= 0.85:
            continue
        shifted = [[x + 2000 if x >= 0 else x for x in gt[0]], *gt[1:]]
        score = score_image(shifted, gt, ys)
        n = len(gt)
        assert score.accuracy == pytest.approx((n - 1 + best) / n)
        assert (score.fp, score.fn) == (pytest.approx(1 / n), pytest.approx(1 / n))
        checked += 1
    assert checked > 100


def test_paper_check_trains_a_tables_paper_scale_runs_briefly_on_the_offline_copy(tmp_path, capsys, monkeypatch):
    """The fast subset of `make paper-check`: SLR Table 1's first paper-scale CIFAR-10 runs (full-width ResNet-18
    baseline, then ADMM from it) for one step each on a small tree in the cifar10_jpeg layout."""
    from reproductions.paper_check import main as paper_check

    for label, name in enumerate(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                                  "truck"]):
        for split in ("train", "test"):
            jpeg(tmp_path / "cifar10-jpeg" / split / name / "0000.jpg", (25 * label, 100, 200), 32)
    monkeypatch.chdir(tmp_path)  # nothing may be written to ./results
    assert paper_check(["slr/table1", "--limit", "2", "--steps", "1", "--eval-images", "8",
                        "--data-root", str(tmp_path)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("slr/table1: 2 of 15 runs checked in ")  # the CIFAR-10 runs: no ImageNet copy here
    assert "imagenet (its copy tiny_imagenet200_subset100_224_1000class is not in the data root" in line and "s/step here" in line and "PFLOP" in line
    assert "resnet18_cifar killed after epoch 1 and resumed to epoch 2" in line
    assert not (tmp_path / "results").exists() and not (tmp_path / "runs").exists()


def test_paper_check_stand_ins_follow_the_run_chain():
    from prunebench.config import RunConfig
    from reproductions.paper_check import stand_in

    dense = RunConfig(dataset="cifar100", model="vgg19_bn_cifar")
    pruned = RunConfig(dataset="cifar100", model="vgg19_bn_cifar", method="greg1", parent=dense)
    local = stand_in(pruned)
    assert local.dataset == local.parent.dataset == "cifar10_jpeg_100class"
    assert stand_in(RunConfig(dataset="imagenet", model="x")).dataset == "tiny_imagenet200_subset100_224_1000class"
    assert stand_in(RunConfig(dataset="tusimple", model="x")).dataset == "tusimple_sample10_upscaled"
    assert stand_in(RunConfig(dataset="coco", model="x")) is None
    assert stand_in(RunConfig(dataset="cifar10", model="x", parent=RunConfig(dataset="coco", model="x"))) is None


def test_paper_check_covers_every_reproduction_but_two_that_say_why_not():
    from prunebench.reproduction import scripts
    from reproductions.paper_check import checked, not_checked

    assert set(not_checked()) == {"slr/figure3", "slr/table3"}  # a new script is walked unless it says why not
    assert set(checked()) == set(scripts()) - set(not_checked())


def test_paper_check_groups_runs_that_differ_only_in_numbers():
    from dataclasses import replace

    from prunebench.config import OptimizerConfig, RunConfig
    from reproductions.paper_check import variant

    dense = RunConfig(dataset="cifar10", model="resnet56")
    greg = RunConfig(dataset="cifar10", model="resnet56", method="greg1", prune_ratio=0.5, parent=dense,
                     method_options={"ratios": "[0-1:0.5]", "criterion": "l1", "delta_lambda": 1e-4})
    numbers = replace(greg, prune_ratio=0.7, epochs=9, optimizer=OptimizerConfig("adam", lr=0.5),
                      method_options={"ratios": "[0-1:0.7]", "criterion": "l1", "delta_lambda": 1e-5})
    assert variant(numbers) == variant(greg)
    assert variant(replace(greg, method_options={**greg.method_options, "criterion": "obd"})) != variant(greg)
    assert variant(replace(greg, method="greg2")) != variant(greg)
    assert variant(replace(greg, parent=replace(dense, model_options={"weights": "x"}))) != variant(greg)
