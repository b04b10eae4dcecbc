"""ImageNet (ILSVRC-2012) from an ImageFolder tree, streamed from disk: it is far too large for memory.

Nothing is downloaded: the archives need an image-net.org account, and torchvision cannot fetch them.
"""
from __future__ import annotations

from pathlib import Path

from torchvision import datasets, transforms

from prunebench.data.base import DatasetInfo, DatasetNotFoundError, DataSplits, LoaderSource
from prunebench.data.root import default_data_root

IMAGE_SIZE = 224
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
FOLDER = "imagenet"  # under the data root


def _find(root: Path) -> tuple[Path | None, list[Path]]:
    """The first of <root>/imagenet and <root> holding train/ and val/, and every place looked at."""
    looked = [root / FOLDER, root]
    found = next((place for place in looked if (place / "train").is_dir() and (place / "val").is_dir()), None)
    return found, looked


def _not_found(looked: list[Path]) -> DatasetNotFoundError:
    places = "\n".join(f"  {place}" for place in looked)
    return DatasetNotFoundError(
        f"ImageNet not found: no folder with both train/ and val/ among:\n{places}\n"
        "Expected ImageFolder layout: <dir>/train/<wnid>/*.JPEG and <dir>/val/<wnid>/*.JPEG, where <dir> is "
        "<data root>/imagenet or the data root itself (the `root` argument, else $PRUNEBENCH_DATA, else "
        "~/.cache/prunebench/data). The validation images must be sorted into their wnid folders too.\n"
        "ImageNet cannot be downloaded automatically (download=True does nothing here): get "
        "ILSVRC2012_img_train.tar and ILSVRC2012_img_val.tar from https://image-net.org (free account) and "
        "follow https://pytorch.org/vision/stable/generated/torchvision.datasets.ImageNet.html or "
        "https://github.com/pytorch/examples/tree/main/imagenet to unpack them into that layout."
    )


def load_imagenet(root: Path | None, augment: bool, download: bool, *, image_size: int = IMAGE_SIZE) -> DataSplits:
    folder, looked = _find(root or default_data_root())
    if folder is None:
        raise _not_found(looked)
    return image_folder_splits(folder, "imagenet", augment, image_size=image_size)


def image_folder_splits(
    folder: Path, name: str, augment: bool, *, image_size: int = IMAGE_SIZE, num_classes: int | None = None
) -> DataSplits:
    """ImageNet's pipeline over any ImageFolder tree `folder`/{train,val}/<class>/: random-resized crops of
    `image_size` and flips for training; validation resized to image_size * 8/7 (256 for 224), centre-cropped.
    `num_classes` (default: the class folders) is the head's width, e.g. 1000 for a stand-in with fewer classes."""
    normalize = [transforms.ToTensor(), transforms.Normalize(MEAN, STD)]
    eval_transform = transforms.Compose(
        [transforms.Resize(image_size * 8 // 7), transforms.CenterCrop(image_size), *normalize]
    )
    train_transform = transforms.Compose(
        [transforms.RandomResizedCrop(image_size), transforms.RandomHorizontalFlip(), *normalize]
    ) if augment else eval_transform
    train, val = datasets.ImageFolder(str(folder / "train")), datasets.ImageFolder(str(folder / "val"))
    if train.classes != val.classes:
        raise ValueError(
            f"{folder}: train/ has {len(train.classes)} class folders and val/ has {len(val.classes)}, "
            "or their names differ; they must match or the labels would disagree"
        )
    if num_classes is not None and num_classes < len(train.classes):
        raise ValueError(f"{folder} has {len(train.classes)} classes, more than the {num_classes} asked for")
    info = DatasetInfo(name=name, in_channels=3, num_classes=num_classes or len(train.classes), image_size=image_size,
                       mean=MEAN, std=STD)
    return DataSplits(
        info=info,
        train=LoaderSource(train, train_transform, shuffle=True, eval_transform=eval_transform),
        test=LoaderSource(val, eval_transform, shuffle=False),
        source=str(folder),
    )
