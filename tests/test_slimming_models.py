"""Network slimming's CIFAR models (Liu et al. 2017): VGG-19, DenseNet-40, ResNet-164 and the
ChannelSelection layer. Exact sizes against the paper, shapes, NS's init, forward-order registration."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from prunebench.models import build_model
from prunebench.models.channel_selection import ChannelSelection
from prunebench.sparsity import multiply_accumulates

pytestmark = pytest.mark.unit

NS_MODELS = ["vgg19_ns_cifar", "densenet40_cifar", "preresnet164_cifar"]
SMALL = {"vgg19_ns_cifar": {}, "densenet40_cifar": {"depth": 10}, "preresnet164_cifar": {"depth": 20}}


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _selected_channels(model: nn.Module) -> int:
    return sum(m.index.numel() for m in model.modules() if isinstance(m, ChannelSelection))


def _forward(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model.eval()(x)


@pytest.mark.parametrize(
    ("name", "options", "classes", "count", "published"),
    [
        ("vgg19_ns_cifar", {}, 10, 20_035_018, 20.04),
        ("vgg19_ns_cifar", {}, 100, 20_081_188, 20.08),
        ("densenet40_cifar", {}, 10, 1_019_722, 1.02),
        ("densenet40_cifar", {}, 100, 1_060_132, 1.06),
        ("preresnet164_cifar", {}, 10, 1_703_258, 1.70),
        ("preresnet164_cifar", {}, 100, 1_726_388, 1.73),
    ],
)
def test_parameter_counts_match_liu_table1(name, options, classes, count, published):
    """Width 1, against Liu et al. 2017 Table 1 (millions, two decimals).

    DenseNet-40 matches only with a 16-channel stem (the original DenseNet Torch code and the DenseNet
    paper's non-BC network); the official PyTorch code's 2·growth = 24 stem is checked separately."""
    model = build_model(name, in_channels=3, num_classes=classes, **options)
    assert _params(model) == count
    assert round(count / 1e6, 2) == published


@pytest.mark.parametrize(("classes", "count"), [(10, 1_059_298), (100, 1_100_428)])
def test_densenet40_official_code_stem_is_larger_than_the_paper(classes, count):
    """The official PyTorch code's stem 24 (an option): 1.06M / 1.10M against the paper's 1.02M / 1.06M."""
    model = build_model("densenet40_cifar", in_channels=3, num_classes=classes, stem_channels=24)
    assert model.conv1.out_channels == 24
    assert _params(model) == count


@pytest.mark.parametrize(
    ("name", "classes", "readme"),
    [("densenet40_cifar", 10, 1.07), ("preresnet164_cifar", 10, 1.71), ("preresnet164_cifar", 100, 1.73)],
)
def test_selection_buffers_counted_as_parameters_give_the_official_readme(name, classes, readme):
    """The official code's `indexes` is an nn.Parameter with one entry per selected channel; adding those
    entries gives its README's totals. (Its DenseNet C100 figure, 1.10M, does not follow: 1,109,788.)"""
    options = {"stem_channels": 24} if name == "densenet40_cifar" else {}  # the official code's stem
    model = build_model(name, in_channels=3, num_classes=classes, **options)
    assert round((_params(model) + _selected_channels(model)) / 1e6, 2) == readme


@pytest.mark.parametrize(
    ("name", "options", "macs", "paper_flops"),
    [
        ("vgg19_ns_cifar", {}, 398_136_320, 7.97e8),
        ("densenet40_cifar", {}, 264_812_928, 5.33e8),
        ("densenet40_cifar", {"stem_channels": 24}, 282_917_328, None),
        ("preresnet164_cifar", {}, 247_646_720, 4.99e8),
    ],
)
def test_multiply_accumulates_against_liu_flops(name, options, macs, paper_flops):
    """MACs of convs and linears at 32×32×3, CIFAR-10 head. Liu et al.'s FLOPs count the multiply and
    the add separately: 2·MACs is within 1% below each (7.963 / 5.296 / 4.953 ×10^8); the rest is
    elementwise work (BN, ReLU, pooling) whose exact counting rule the paper does not give. The default
    official code's DenseNet (stem 24) has 2·MACs = 5.66×10^8, 6% above the paper: another sign its stem was 16."""
    model = build_model(name, in_channels=3, num_classes=10, **options)
    assert multiply_accumulates(model, torch.randn(1, 3, 32, 32))[0] == macs
    if paper_flops is not None:
        assert 0.99 * paper_flops < 2 * macs < paper_flops


@pytest.mark.parametrize("name", NS_MODELS)
def test_forward_fashion_mnist_quarter_width(name):
    model = build_model(name, in_channels=1, num_classes=10, width=0.25)
    assert _forward(model, torch.randn(2, 1, 28, 28)).shape == (2, 10)


@pytest.mark.parametrize(("name", "width"), [("vgg19_ns_cifar", 1.0), ("densenet40_cifar", 0.25),
                                             ("preresnet164_cifar", 0.25)])
def test_forward_cifar(name, width):
    model = build_model(name, in_channels=3, num_classes=100, width=width)
    assert _forward(model, torch.randn(2, 3, 32, 32)).shape == (2, 100)


def test_vgg19_ns_has_no_last_max_pool_and_ns_classifier_init():
    torch.manual_seed(0)
    model = build_model("vgg19_ns_cifar", in_channels=3, num_classes=10)
    assert sum(isinstance(m, nn.MaxPool2d) for m in model.modules()) == 4
    assert all(m.bias is None for m in model.modules() if isinstance(m, nn.Conv2d))
    assert model.classifier.in_features == 512
    assert model.classifier.weight.std().item() == pytest.approx(0.01, rel=0.05)
    assert not model.classifier.bias.any()


def test_densenet40_channels():
    model = build_model("densenet40_cifar", in_channels=3, num_classes=10)
    assert [len(model.dense1), len(model.dense2), len(model.dense3)] == [12, 12, 12]
    assert model.dense1[0].conv1.weight.shape == (12, 16, 3, 3)
    assert model.trans1.conv1.weight.shape == (160, 160, 1, 1)
    assert model.trans2.conv1.weight.shape == (304, 304, 1, 1)
    assert model.fc.in_features == model.select.index.numel() == 448
    quarter = build_model("densenet40_cifar", in_channels=1, num_classes=10, width=0.25)
    assert quarter.conv1.out_channels == 4 and quarter.fc.in_features == 4 + 36 * 3


def test_preresnet164_structure():
    model = build_model("preresnet164_cifar", in_channels=3, num_classes=10)
    assert [len(model.layer1), len(model.layer2), len(model.layer3)] == [18, 18, 18]
    with_downsample = [n for n, m in model.named_modules() if n.endswith("downsample")]
    assert with_downsample == ["layer1.0.downsample", "layer2.0.downsample", "layer3.0.downsample"]
    first = model.layer2[0]
    assert (first.conv1.stride, first.conv2.stride, first.downsample[0].stride) == ((1, 1), (2, 2), (2, 2))
    assert first.conv3.out_channels == 128 and model.fc.in_features == 256


def test_preresnet_shortcut_reads_the_block_input():
    """With conv3 zeroed the block's output is its shortcut alone: the projection of x itself, not of
    bn1's output (with bn1 at γ 0.5, a shortcut after it would halve the result)."""
    torch.manual_seed(0)
    block = build_model("preresnet164_cifar", in_channels=1, num_classes=10, width=0.25, depth=11).layer2[0]
    nn.init.zeros_(block.conv3.weight)
    x = torch.randn(2, 16, 8, 8)
    expected = nn.functional.conv2d(x, block.downsample[0].weight, stride=2)
    torch.testing.assert_close(_forward(block, x), expected)


@pytest.mark.parametrize("name", NS_MODELS)
def test_ns_init(name):
    torch.manual_seed(0)
    model = build_model(name, in_channels=3, num_classes=10, width=0.5, **SMALL[name])
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and all(bool((bn.weight == 0.5).all()) and not bn.bias.any() for bn in bns)
    conv = max((m for m in model.modules() if isinstance(m, nn.Conv2d)), key=lambda m: m.weight.numel())
    fan_out = conv.kernel_size[0] * conv.kernel_size[1] * conv.out_channels
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / fan_out), rel=0.05)


@pytest.mark.parametrize("name", ["densenet40_cifar", "preresnet164_cifar"])
def test_selection_is_a_buffer_read_by_the_next_registered_layer(name):
    """Every BN of a DenseNet (and bn1 / the final BN of ResNet-164) is followed by a selection whose
    output is exactly the input of the next Conv2d or Linear in registration order."""
    model = build_model(name, in_channels=1, num_classes=10, width=0.25, **SMALL[name])
    named = list(model.named_modules())
    selections = [i for i, (_, m) in enumerate(named) if isinstance(m, ChannelSelection)]
    assert selections
    assert not any(isinstance(p, ChannelSelection) for p in model.parameters())
    outputs: dict[str, torch.Tensor] = {}
    reads: dict[str, torch.Tensor] = {}
    for i in selections:
        key, selection = named[i]
        assert isinstance(named[i - 1][1], nn.BatchNorm2d)
        assert list(selection.parameters()) == [] and f"{key}.index" in dict(model.named_buffers())
        consumer = next(m for _, m in named[i + 1:] if isinstance(m, (nn.Conv2d, nn.Linear)))
        selection.register_forward_hook(lambda m, args, out, key=key: outputs.__setitem__(key, out.clone()))
        consumer.register_forward_pre_hook(lambda m, args, key=key: reads.__setitem__(key, args[0].clone()))
    _forward(model, torch.randn(2, 1, 28, 28))
    assert len(outputs) == len(reads) == len(selections)
    for key in outputs:
        out, read = outputs[key], reads[key]
        # a Linear reads the selection's output after ReLU and pooling; a conv after ReLU only
        expected = torch.relu(out).mean((2, 3)) if read.dim() == 2 else torch.relu(out)
        torch.testing.assert_close(read, expected)


def test_channel_selection_narrowed_index_selects_those_channels():
    selection = ChannelSelection(4)
    x = torch.arange(2 * 4 * 1 * 1, dtype=torch.float32).view(2, 4, 1, 1)
    torch.testing.assert_close(selection(x), x)
    selection.index = torch.tensor([3, 1])
    assert selection(x).flatten().tolist() == [3.0, 1.0, 7.0, 5.0]
    fresh = ChannelSelection(4)
    fresh.index = torch.tensor([0, 0])
    fresh.load_state_dict(selection.state_dict())
    assert fresh.index.tolist() == [3, 1]
    with pytest.raises(RuntimeError, match="index"):
        ChannelSelection(4).load_state_dict(selection.state_dict())
    with pytest.raises(ValueError, match="at least one channel"):
        ChannelSelection(0)


@pytest.mark.parametrize(
    ("name", "depth", "rule"),
    [("densenet40_cifar", 41, "3n\\+4"), ("densenet40_cifar", 4, "3n\\+4"),
     ("preresnet164_cifar", 165, "9n\\+2"), ("preresnet164_cifar", 2, "9n\\+2")],
)
def test_bad_depth(name, depth, rule):
    with pytest.raises(ValueError, match=rule):
        build_model(name, in_channels=3, num_classes=10, depth=depth)


@pytest.mark.parametrize(("name", "depth", "blocks"), [("densenet40_cifar", 10, 2), ("preresnet164_cifar", 20, 2)])
def test_depth_option(name, depth, blocks):
    model = build_model(name, in_channels=1, num_classes=10, width=0.25, depth=depth)
    stages = [model.dense1, model.dense2, model.dense3] if name.startswith("dense") else [
        model.layer1, model.layer2, model.layer3]
    assert [len(s) for s in stages] == [blocks] * 3
    assert _forward(model, torch.randn(1, 1, 28, 28)).shape == (1, 10)
