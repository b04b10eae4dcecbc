"""Model registry: shapes on every input size we use, exact parameter counts, the naming other code relies on."""

from __future__ import annotations

import re

import pytest
import torch
import torchvision
from torch import nn

from prunebench.models import MODELS, build_model
from prunebench.models.common import PretrainedWeightsMissing
from prunebench.registry import UnknownNameError

pytestmark = pytest.mark.unit

CIFAR_MODELS = ["resnet18_cifar", "resnet50_cifar", "resnet56", "resnet110", "vgg16_bn_cifar", "vgg19_bn_cifar", "vgg16_nobn_cifar",
                "wrn28_10", "mobilenetv2"]
IMAGENET_MODELS = ["resnet18_imagenet", "resnet34_imagenet", "resnet50_imagenet"]
TASK_MODELS = ["ufld_resnet18"]  # lane detection: tested in tests/test_tusimple.py
SLIMMING_MODELS = ["vgg19_ns_cifar", "densenet40_cifar", "preresnet164_cifar"]  # tests/test_slimming_models.py
RESIDUAL_CONV = re.compile(r"layer\d+\.\d+\.conv\d\.weight")


def _params(model: nn.Module, keep=lambda name: True) -> int:
    return sum(p.numel() for name, p in model.named_parameters() if keep(name))


def _forward(model: nn.Module, in_channels: int, size: int) -> torch.Tensor:
    with torch.no_grad():
        return model.eval()(torch.randn(2, in_channels, size, size))


def test_every_registered_model_is_covered():
    assert sorted(CIFAR_MODELS + IMAGENET_MODELS + TASK_MODELS + SLIMMING_MODELS) == MODELS.names()


@pytest.mark.parametrize("name", CIFAR_MODELS)
@pytest.mark.parametrize("width", [1 / 8, 1 / 4])
@pytest.mark.parametrize(("in_channels", "size"), [(1, 28), (3, 16), (3, 32)])
def test_cifar_models_forward(name, width, in_channels, size):
    model = build_model(name, in_channels=in_channels, num_classes=10, width=width)
    assert _forward(model, in_channels, size).shape == (2, 10)


@pytest.mark.parametrize("name", CIFAR_MODELS)
def test_cifar_models_forward_full_width(name):
    model = build_model(name, in_channels=1, num_classes=7)
    assert _forward(model, 1, 16).shape == (2, 7)


@pytest.mark.parametrize("name", IMAGENET_MODELS)
@pytest.mark.parametrize("in_channels", [1, 3])
def test_imagenet_models_forward(name, in_channels):
    model = build_model(name, in_channels=in_channels, num_classes=5, width=1 / 8)
    assert _forward(model, in_channels, 64).shape == (2, 5)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("resnet18_cifar", {"maxpool": False}),
        ("resnet56", {"shortcut": "B"}),
        ("mobilenetv2", {"cifar_stem": True}),
    ],
)
def test_options_forward(name, options):
    model = build_model(name, in_channels=3, num_classes=10, width=1 / 4, **options)
    assert _forward(model, 3, 16).shape == (2, 10)


def test_resnet18_cifar_parameter_counts():
    model = build_model("resnet18_cifar", in_channels=3, num_classes=10)
    assert _params(model) == 11_173_962
    assert _params(model, lambda n: not n.endswith("bias")) == 11_169_152
    residual = [n for n, _ in model.named_parameters() if re.fullmatch(r"layer\d\.\d\.conv[12]\.weight", n)]
    assert len(residual) == 16
    assert _params(model, lambda n: n in residual) == 10_985_472


@pytest.mark.parametrize(
    ("name", "options", "count"),
    [
        ("resnet56", {}, 853_018),
        ("resnet56", {"shortcut": "B"}, 855_770),
        ("resnet110", {}, 1_727_962),
        ("resnet50_cifar", {}, 23_520_842),
        ("vgg16_bn_cifar", {}, 14_728_266),
    ],
)
def test_parameter_counts(name, options, count):
    assert _params(build_model(name, in_channels=3, num_classes=10, **options)) == count


def test_resnet18_cifar_keeps_maxpool_by_default():
    assert isinstance(
        build_model("resnet18_cifar", in_channels=3, num_classes=10, width=1 / 8).maxpool, nn.MaxPool2d
    )
    plain = build_model("resnet18_cifar", in_channels=3, num_classes=10, width=1 / 8, maxpool=False)
    assert isinstance(plain.maxpool, nn.Identity)


@pytest.mark.parametrize(
    ("name", "shortcut_word"),
    [
        ("resnet18_cifar", "shortcut"),
        ("resnet50_cifar", "shortcut"),
        ("resnet18_imagenet", "downsample"),
        ("resnet50_imagenet", "downsample"),
    ],
)
def test_resnet_naming(name, shortcut_word):
    names = [n for n, _ in build_model(name, in_channels=3, num_classes=10, width=1 / 8).named_parameters()]
    assert {"conv1.weight", "bn1.weight", "fc.weight"} <= set(names)
    convs = [n for n in names if n.startswith("layer") and n.endswith(".weight") and ".bn" not in n]
    shortcuts = [n for n in convs if shortcut_word in n]
    assert shortcuts and all(
        re.fullmatch(rf"layer\d\.0\.{shortcut_word}\.[01]\.weight", n) for n in shortcuts
    )
    assert all(RESIDUAL_CONV.fullmatch(n) for n in convs if n not in shortcuts)


def test_he_resnet_shortcuts():
    option_a = build_model("resnet56", in_channels=3, num_classes=10, width=1 / 8)
    names = [n for n, _ in option_a.named_parameters()]
    assert "conv1.weight" in names and not any("shortcut" in n for n in names)
    assert [f"layer{i}" for i in (1, 2, 3)] == [
        n for n, _ in option_a.named_children() if n.startswith("layer")
    ]
    option_b = build_model("resnet56", in_channels=3, num_classes=10, width=1 / 8, shortcut="B")
    assert {"layer2.0.shortcut.0.weight", "layer3.0.shortcut.1.weight"} <= dict(
        option_b.named_parameters()
    ).keys()


def test_imagenet_resnet_is_torchvision_at_width_one():
    for name, reference in [
        ("resnet18_imagenet", torchvision.models.resnet18),
        ("resnet50_imagenet", torchvision.models.resnet50),
    ]:
        ours = build_model(name, in_channels=3, num_classes=1000).state_dict()
        theirs = reference().state_dict()
        assert [(k, v.shape) for k, v in ours.items()] == [(k, v.shape) for k, v in theirs.items()]


@pytest.mark.parametrize(
    ("name", "width", "stem", "features"),
    [
        ("resnet18_cifar", 1 / 4, 16, 128),
        ("resnet50_cifar", 1 / 4, 16, 512),
        ("resnet56", 1 / 2, 8, 32),
        ("resnet18_imagenet", 1 / 4, 16, 128),
        ("resnet50_imagenet", 1 / 8, 8, 256),
    ],
)
def test_width_scales_resnet_channels(name, width, stem, features):
    model = build_model(name, in_channels=1, num_classes=10, width=width)
    assert model.conv1.weight.shape[:2] == (stem, 1)
    assert model.fc.in_features == features


def test_width_scales_vgg_and_mobilenet():
    vgg = build_model("vgg16_bn_cifar", in_channels=1, num_classes=10, width=1 / 4)
    assert vgg.features[0].weight.shape[:2] == (16, 1) and vgg.classifier.in_features == 128
    mobilenet = build_model("mobilenetv2", in_channels=1, num_classes=10, width=1 / 2, cifar_stem=True)
    stem = mobilenet.features[0][0]
    assert stem.weight.shape[:2] == (16, 1) and stem.stride == (1, 1)


def test_unknown_name():
    with pytest.raises(UnknownNameError, match="resnet18_cifar"):
        build_model("resnet19", in_channels=3, num_classes=10)


@pytest.mark.parametrize("width", [0, -0.5, float("nan")])
def test_bad_width(width):
    with pytest.raises(ValueError, match="width"):
        build_model("resnet56", in_channels=3, num_classes=10, width=width)


def test_unknown_option():
    with pytest.raises(TypeError, match="'max_pool'"):
        build_model("resnet18_cifar", in_channels=3, num_classes=10, max_pool=False)


def test_bad_option_value():
    with pytest.raises(ValueError, match="shortcut"):
        build_model("resnet56", in_channels=3, num_classes=10, shortcut="C")


def test_pretrained_weights_need_the_torchvision_architecture():
    with pytest.raises(ValueError, match="width=1"):
        build_model("resnet18_imagenet", in_channels=1, num_classes=1000, weights="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="IMAGENET1K_V1"):
        build_model("resnet18_imagenet", in_channels=3, num_classes=1000, weights="IMAGENET9K")


def test_missing_weights_file_says_where_to_put_it(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    expected = tmp_path / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    with pytest.raises(PretrainedWeightsMissing, match=re.escape(str(expected))):
        build_model("resnet18_imagenet", in_channels=3, num_classes=1000, weights="IMAGENET1K_V1")


def test_mobilenetv2_pretrained_weights_need_the_imagenet_shape():
    with pytest.raises(ValueError, match="width 1"):
        build_model("mobilenetv2", in_channels=1, num_classes=10, width=0.5, weights="IMAGENET1K_V1")


def test_vgg19_is_gregs_eigendamage_network():
    """GReg's VGG19 (EigenDamage's): four max-pools, the last four convs at 2×2 (32×32 input), their map
    average-pooled into the classifier; Kaiming-normal fan-in init of convs and classifier, zero bias."""
    torch.manual_seed(0)
    model = build_model("vgg19_bn_cifar", in_channels=3, num_classes=100).eval()
    assert sum(isinstance(m, nn.MaxPool2d) for m in model.modules()) == 4
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        features = model.features(x)
        assert features.shape[-2:] == (2, 2)
        expected = model.classifier(nn.functional.avg_pool2d(features, 2).flatten(1))
        assert torch.allclose(model(x), expected, atol=1e-6)
    first_conv = model.features[0]  # 3 -> 64: fan-in 27, fan-out 576
    assert first_conv.weight.std().item() == pytest.approx((2 / 27) ** 0.5, rel=0.15)
    assert model.classifier.weight.std().item() == pytest.approx((2 / 512) ** 0.5, rel=0.1)
    assert model.classifier.bias.abs().max().item() == 0.0
