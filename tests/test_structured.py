"""prunebench.structured: the ratio notation, GReg's layer rules, filter scoring, physical removal and
the params / FLOPs / speedup accounting that GReg's "Sparsity" and "Speedup" columns use.

Everything runs at small widths except the count checks against the published full-size numbers,
which need one forward pass of one image per model."""
from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from prunebench.models import build_model
from prunebench.sparsity import count_parameters, multiply_accumulates
from prunebench.structured import (
    RatioNotationError,
    SelectionInputs,
    apply_structure,
    describe,
    fingerprint,
    overlap,
    parse_ratios,
    parse_skip_layers,
    pruned_count,
    remove_filters,
    resolve_layers,
    select_pruned,
    weight_masks,
)
from prunebench.structured.criteria import fisher_diagonal
from prunebench.structured.notation import IndexRatios, StageRatios
from prunebench.training_run import accounting

pytestmark = pytest.mark.unit

CIFAR = torch.zeros(1, 3, 32, 32)


@pytest.fixture(autouse=True)
def _one_thread(_two_threads):
    """One intra-op thread: these forwards are tiny, and on a loaded two-core machine two spinning
    threads made each one ~50x slower (4.5 s vs 0.05 s for a quarter-width ResNet56, measured)."""
    torch.set_num_threads(1)


def model(name: str, width: float = 1.0, num_classes: int = 10) -> nn.Module:
    return build_model(name, in_channels=3, num_classes=num_classes, width=width)


def names(layers) -> list[str]:
    return [layer.name for layer in layers]


# ---- notation ------------------------------------------------------------------------------------

def test_stage_list_parses_stem_stages_classifier():
    parsed = parse_ratios(" [0, 0.75,0.75 ,0.32,0] ")
    assert parsed == StageRatios(0.0, (0.75, 0.75, 0.32), 0.0)
    assert parsed.text == "[0,0.75,0.75,0.32,0]"
    assert parse_ratios("[0,0.3,0.3,0.3,0.14,0]").stages == (0.3, 0.3, 0.3, 0.14)


def test_index_map_ranges_and_explicit_zero():
    parsed = parse_ratios("[1-15:0.7]")
    assert isinstance(parsed, IndexRatios)
    assert [i for i, _ in parsed.by_index] == list(range(1, 16))
    assert parsed.ratio(0) == 0.0 and parsed.ratio(1) == parsed.ratio(15) == 0.7 and parsed.ratio(16) == 0.0
    explicit = parse_ratios("[0:0,1-15:0.7]")
    assert explicit.by_index[0] == (0, 0.0) and dict(explicit.by_index) == {0: 0.0, **dict(parsed.by_index)}
    assert parse_ratios("[3:0.5,1:0.2]").by_index == ((1, 0.2), (3, 0.5))  # sorted by index


def test_skip_list():
    assert parse_skip_layers("[1.0,2.0,2.3,3.0,3.5]") == {(1, 0), (2, 0), (2, 3), (3, 0), (3, 5)}
    assert parse_skip_layers("") == parse_skip_layers("[]") == frozenset()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0,0.5,0.5,0.5,0", "bracketed list"),
        ("[0,0.5,0.5,0.5,0", "bracketed list"),
        ("[0,1.0,0.5,0.5,0]", r"must be in \[0, 1\)"),
        ("[0,-0.1,0.5,0.5,0]", r"must be in \[0, 1\)"),
        ("[1-15:1]", r"must be in \[0, 1\)"),
        ("[0,nan,0.5,0.5,0]", r"must be in \[0, 1\)"),
        ("[0,x,0.5,0.5,0]", "is not a number"),
        ("[15-1:0.7]", "runs backwards"),
        ("[1-5:0.5,3:0.7]", "given twice"),
        ("[0,1-15:0.7]", "mixes a stage list"),
        ("[0,0.5]", "at least 3 entries"),
        ("[]", "empty entry"),
        ("[0,,0.5,0]", "empty entry"),
        ("[a-3:0.5]", "not 'index:ratio'"),
    ],
)
def test_invalid_ratio_strings_fail_clearly(text, message):
    with pytest.raises(RatioNotationError, match=message) as info:
        parse_ratios(text)
    assert repr(text) in str(info.value)  # the message quotes the string


@pytest.mark.parametrize("text", ["1.0,2.3", "[1,2.3]", "[1.a]"])
def test_invalid_skip_lists_fail_clearly(text):
    with pytest.raises(RatioNotationError, match="bracketed list|stage.block"):
        parse_skip_layers(text)


@pytest.mark.parametrize(
    ("name", "ratios", "skip", "message"),
    [
        ("vgg19_bn_cifar", "[1-16:0.7]", "", r"names conv\(s\) \[16\]; the model has convs 0..15"),
        ("resnet56", "[0,0.5,0.5,0.5,0.5,0]", "", "gives 4 stage ratios; CifarResNet has 3 stages"),
        ("resnet56", "[0,0.5,0.5,0]", "", "gives 2 stage ratios"),
        ("resnet56", "[0,0.5,0.5,0.5,0]", "[4.0]", r"skip layers \[\(4, 0\)\] are not blocks"),
        ("resnet56", "[0,0.5,0.5,0.5,0]", "[1.9]", r"skip layers \[\(1, 9\)\] are not blocks"),
        ("resnet56", "[0.5,0.5,0.5,0.5,0]", "", "stem and classifier whole"),
        ("resnet56", "[0,0.5,0.5,0.5,0.3]", "", "stem and classifier whole"),
        ("vgg19_bn_cifar", "[0,0.5,0.5,0.5,0]", "", "needs a ResNet"),
        ("vgg19_bn_cifar", "[1-15:0.7]", "[1.0]", "need a stage list"),
    ],
)
def test_ratios_that_do_not_fit_the_model_fail_clearly(name, ratios, skip, message):
    with pytest.raises(RatioNotationError, match=message):
        resolve_layers(model(name, width=0.125), ratios, skip_layers=skip)


def test_unknown_granularity_fails():
    with pytest.raises(ValueError, match="granularity"):
        resolve_layers(model("resnet56", 0.25), "[0,0.5,0.5,0.5,0]", granularity="channel")


# ---- layer rules ---------------------------------------------------------------------------------

def test_resnet56_prunes_the_first_conv_of_each_of_27_blocks():
    layers = resolve_layers(model("resnet56"), "[0,0.5,0.5,0.5,0]")
    assert names(layers) == [f"layer{s}.{b}.conv1" for s in (1, 2, 3) for b in range(9)]
    assert [layer.groups for layer in layers] == [16] * 9 + [32] * 9 + [64] * 9
    assert {layer.ratio for layer in layers} == {0.5}
    mixed = resolve_layers(model("resnet56"), "[0,0.75,0.75,0.32,0]")
    assert [layer.ratio for layer in mixed] == [0.75] * 18 + [0.32] * 9
    assert names(resolve_layers(model("resnet56"), "[0,0,0.5,0.5,0]"))[0] == "layer2.0.conv1"  # ratio 0: not listed


def test_resnet50_prunes_the_first_two_convs_of_each_bottleneck():
    layers = resolve_layers(model("resnet50_imagenet", 0.125), "[0,0.3,0.3,0.3,0.14,0]")
    blocks = [(s, b) for s, n in zip((1, 2, 3, 4), (3, 4, 6, 3), strict=True) for b in range(n)]
    assert names(layers) == [f"layer{s}.{b}.conv{c}" for s, b in blocks for c in (1, 2)]
    assert [layer.ratio for layer in layers] == [0.3] * 26 + [0.14] * 6


def test_resnet50_weight_granularity_prunes_every_conv_and_the_classifier():
    """Table 4's unstructured setting: the stem ratio 0 keeps conv1; shortcut convs and fc are pruned."""
    layers = resolve_layers(model("resnet50_imagenet", 0.125), "[0,0.827,0.827,0.827,0.827,0.827]", "weight")
    assert len(layers) == 16 * 3 + 4 + 1 and "conv1" not in names(layers)
    assert "layer1.0.downsample.0" in names(layers) and names(layers)[-1] == "fc"
    assert layers[0].name == "layer1.0.conv1" and layers[0].groups == 8 * 8  # 1x1, 8 -> 8 channels
    assert layers[-1].groups == 256 * 10 and {layer.ratio for layer in layers} == {0.827}


def test_vgg19_index_map_prunes_convs_1_to_15():
    vgg = model("vgg19_bn_cifar", 0.125, num_classes=100)
    convs = [n for n, m in vgg.named_modules() if isinstance(m, nn.Conv2d)]
    layers = resolve_layers(vgg, "[1-15:0.7]")
    assert len(convs) == 16 and names(layers) == convs[1:]
    assert names(resolve_layers(vgg, "[0:0,1-15:0.7]")) == convs[1:]
    assert names(resolve_layers(vgg, "[0:0.5]")) == convs[:1]


def test_resnet34_pruned_b_skip_layers():
    resnet34 = model("resnet34_imagenet", 0.125)
    layers = resolve_layers(resnet34, "[0,0.5,0.6,0.4,0,0]", skip_layers="[1.0,2.0,2.3,3.0,3.5]")
    assert names(layers) == [
        "layer1.1.conv1", "layer1.2.conv1",
        "layer2.1.conv1", "layer2.2.conv1",
        "layer3.1.conv1", "layer3.2.conv1", "layer3.3.conv1", "layer3.4.conv1",
    ]
    assert [layer.ratio for layer in layers] == [0.5] * 2 + [0.6] * 2 + [0.4] * 4
    assert len(resolve_layers(resnet34, "[0,0.5,0.6,0.4,0,0]")) == 3 + 4 + 6  # without skipping


@pytest.mark.parametrize(
    ("groups", "ratio", "expected"),
    [(10, 0.7, 7), (10, 0.3, 3), (16, 0.5, 8), (7, 0.5, 4), (16, 0.925, 15), (64, 0.14, 9),
     (4, 0.95, 3), (2, 0.9, 1), (1, 0.5, 0), (64, 0.0, 0)],
)
def test_pruned_count_is_ceil_but_never_the_whole_layer(groups, ratio, expected):
    assert pruned_count(groups, ratio) == expected


def test_describe_lists_each_layer_with_its_counts():
    text = describe(resolve_layers(model("resnet56"), "[0,0.75,0.75,0.32,0]"))
    lines = text.splitlines()
    assert len(lines) == 28 and lines[0].split() == ["layer", "ratio", "groups", "pruned"]
    assert lines[1].split() == ["layer1.0.conv1", "0.750", "16", "12"]
    assert lines[-1].split() == ["layer3.8.conv1", "0.320", "64", "21"]


# ---- criteria ------------------------------------------------------------------------------------

def single_conv() -> nn.Module:
    """Five filters of two 1x1 weights: L1 norms 6, 2, 9, 1.5, 2 (L2 would rank filter 1 below 3)."""
    conv = nn.Conv2d(2, 5, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[3.0, -3.0], [1.0, -1.0], [4.0, 5.0], [-1.5, 0.0], [2.0, 0.0]]).view(5, 2, 1, 1))
    return nn.Sequential(conv)


@pytest.mark.parametrize(("ratio", "expected"), [(0.2, [3]), (0.4, [1, 3]), (0.6, [1, 3, 4]), (0.8, [0, 1, 3, 4])])
def test_l1_prunes_the_lowest_l1_filters_ties_to_the_lower_index(ratio, expected):
    net = single_conv()
    pruned = select_pruned(net, resolve_layers(net, f"[0:{ratio}]"), "l1", SelectionInputs())
    assert list(pruned) == ["0"] and pruned["0"].tolist() == expected


def test_l1_weight_granularity_prunes_the_smallest_magnitudes():
    net = single_conv()  # |w| flat: 3 3 1 1 4 5 1.5 0 2 0
    layers = resolve_layers(net, "[0:0.4]", "weight")
    assert layers[0].groups == 10 and layers[0].n_pruned == 4
    pruned = select_pruned(net, layers, "l1", SelectionInputs("weight"))
    assert pruned["0"].tolist() == [2, 3, 7, 9]
    mask = weight_masks(net, pruned)["0"]
    assert mask.shape == net[0].weight.shape and mask.flatten().tolist() == [1, 1, 0, 0, 1, 1, 1, 0, 1, 0]


def test_random_criterion_is_reproducible_by_seed_and_differs_across_seeds():
    net = model("resnet56", 0.25)
    layers = resolve_layers(net, "[0,0.5,0.5,0.5,0]")
    first, again = (select_pruned(net, layers, "random", SelectionInputs(seed=3)) for _ in range(2))
    other = select_pruned(net, layers, "random", SelectionInputs(seed=4))
    assert fingerprint(first) == fingerprint(again) and fingerprint(first) != fingerprint(other)
    for layer in layers:
        indices = first[layer.name].tolist()
        assert len(indices) == layer.n_pruned and indices == sorted(set(indices)) and indices[-1] < layer.groups
    assert overlap(first, first) == 1.0 and overlap(first, other) < 1.0


def test_overlap_is_the_shared_fraction_of_the_first_set():
    a = {"x": torch.tensor([0, 1, 2, 3])}
    assert overlap(a, {"x": torch.tensor([2, 3, 4])}) == 0.5
    assert overlap(a, {}) == 0.0


class TwoBranches(nn.Module):
    """Two parallel 1x1 convs on a 1x1 one-channel image, concatenated into a linear layer: the
    cross-entropy gradient of each conv weight has a closed form, and the branches do not interact."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 4, 1, bias=False)
        self.b = nn.Conv2d(1, 4, 1, bias=False)
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.cat([self.a(x), self.b(x)], 1).flatten(1))


def hand_fisher(net: TwoBranches, batches) -> torch.Tensor:
    """Mean over batches of (d mean-CE / d w)^2 for the 8 conv weights [a | b], by the chain rule:
    d/dw_j = Σ_n ((softmax_n − onehot_n) / B) · W_fc[:, j] · x_n."""
    total = torch.zeros(8)
    with torch.no_grad():
        for x, y in batches:
            dlogits = (F.softmax(net(x), 1) - F.one_hot(y, 3)) / len(y)
            total += ((dlogits @ net.fc.weight) * x.flatten()[:, None]).sum(0) ** 2
    return total / len(batches)


def test_obd_fisher_diagonal_matches_the_hand_gradient_and_ranks_globally():
    torch.manual_seed(0)
    net = TwoBranches()
    with torch.no_grad():
        net.a.weight.mul_(1e-3)  # branch a is nearly useless: a pure global ranking would remove all of it
    batches = [(torch.randn(5, 1, 1, 1), torch.tensor([0, 1, 2, 1, 0])), (torch.randn(3, 1, 1, 1), torch.tensor([2, 2, 0]))]
    fisher = fisher_diagonal(net, ["a", "b"], batches)
    expected = hand_fisher(net, batches)
    torch.testing.assert_close(torch.cat([fisher["a"].flatten(), fisher["b"].flatten()]), expected)

    layers = resolve_layers(net, "[0-1:0.5]")
    pruned = select_pruned(net, layers, "obd", SelectionInputs(batches=lambda: batches))
    weights = torch.cat([net.a.weight.flatten(), net.b.weight.flatten()]).detach()
    saliency = 0.5 * expected * weights**2
    keep_a = int(saliency[:4].argmax())
    assert pruned["a"].tolist() == [i for i in range(4) if i != keep_a]  # one filter of a survives
    assert pruned["b"].tolist() == [int(saliency[4:].argmin())]  # the budget round(0.5·8) = 4 is spent
    assert all(param.grad is None for param in net.parameters())


def test_obd_needs_one_ratio_and_batches():
    net = TwoBranches()
    with pytest.raises(ValueError, match="one ratio"):
        select_pruned(net, resolve_layers(net, "[0:0.5,1:0.3]"), "obd", SelectionInputs(batches=lambda: []))
    with pytest.raises(ValueError, match="training batches"):
        select_pruned(net, resolve_layers(net, "[0-1:0.5]"), "obd", SelectionInputs())
    with pytest.raises(ValueError, match="at least one batch"):
        select_pruned(net, resolve_layers(net, "[0-1:0.5]"), "obd", SelectionInputs(batches=lambda: []))


# ---- physical removal ----------------------------------------------------------------------------

def randomize_batch_norms(net: nn.Module, seed: int) -> None:
    """Trained-like BN layers (non-trivial running statistics and affine terms), so that zeroed
    filters are the only reason a removed channel carries nothing."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                for tensor in (m.weight, m.bias, m.running_mean):
                    tensor.copy_(torch.randn(tensor.shape, generator=generator))
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=generator) + 0.5)


def zero_pruned_filters(net: nn.Module, pruned) -> None:
    """Zero each pruned filter's conv weight and the weight/bias of the BN that follows the conv."""
    modules = list(net.named_modules())
    with torch.no_grad():
        for i, (name, conv) in enumerate(modules):
            if name in pruned:
                bn = next(m for _, m in modules[i + 1:] if isinstance(m, nn.BatchNorm2d))
                for tensor in (conv.weight, bn.weight, bn.bias):
                    tensor[pruned[name]] = 0


@pytest.mark.parametrize(
    ("name", "width", "num_classes", "ratios"),
    [("resnet56", 0.25, 10, "[0,0.5,0.5,0.7,0]"), ("vgg19_bn_cifar", 0.125, 100, "[1-15:0.7]")],
)
def test_removing_zeroed_filters_leaves_the_outputs_unchanged(name, width, num_classes, ratios):
    torch.manual_seed(0)
    wide = model(name, width, num_classes)
    randomize_batch_norms(wide, 1)
    wide.eval()
    layers = resolve_layers(wide, ratios)
    pruned = select_pruned(wide, layers, "l1", SelectionInputs())
    x = torch.randn(4, 3, 32, 32)

    with torch.no_grad():
        dense = wide(x)
        zero_pruned_filters(wide, pruned)
        before = wide(x)
    assert not torch.allclose(dense, before, atol=1e-3)  # control: the zeroed filters did carry signal
    kept = remove_filters(wide, pruned, x)
    modules = dict(wide.named_modules())
    for layer in layers:
        assert modules[layer.name].out_channels == layer.groups - layer.n_pruned == len(kept[layer.name])
        assert sorted(set(kept[layer.name]) | set(pruned[layer.name].tolist())) == list(range(layer.groups))
    with torch.no_grad():
        torch.testing.assert_close(wide(x), before, rtol=1e-5, atol=1e-5)

    # the recorded structure (as the runner writes it, JSON) rebuilds the narrow shape on a fresh model
    structure = json.loads(json.dumps([kept]))
    rebuilt = apply_structure(model(name, width, num_classes), structure, x)
    rebuilt.load_state_dict(wide.state_dict())  # strict: every shape matches
    rebuilt.eval()
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(x), before, rtol=1e-5, atol=1e-5)


def test_vgg19_classifier_input_shrinks_with_the_last_conv():
    vgg = model("vgg19_bn_cifar", 0.125, 100)
    layers = resolve_layers(vgg, "[1-15:0.7]")
    remove_filters(vgg, select_pruned(vgg, layers, "l1", SelectionInputs()), CIFAR)
    assert vgg.classifier.in_features == 64 - 45 == vgg.features[49].out_channels


# ---- accounting ----------------------------------------------------------------------------------

def nonzero_everywhere(net: nn.Module) -> nn.Module:
    """Give every parameter non-zero entries, as in a trained model: the accounting counts non-zero
    entries, and freshly initialised BN biases are exactly zero."""
    with torch.no_grad():
        for param in net.parameters():
            param.copy_(torch.where(param == 0, torch.full_like(param, 0.01), param))
    return net


def two_convs() -> nn.Module:
    return nonzero_everywhere(nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5),
    ))


def test_params_and_macs_of_a_two_conv_net_by_hand():
    x = torch.zeros(1, 3, 8, 8)
    reference, narrow = two_convs(), two_convs()
    layers = resolve_layers(narrow, "[0:0.25,1:0.5]")
    assert [layer.n_pruned for layer in layers] == [1, 3]
    remove_filters(narrow, select_pruned(narrow, layers, "l1", SelectionInputs()), x)
    out = accounting(narrow, reference, x)
    # dense: conv 3·4·9 = 108, BN 4+4, conv 4·6·9 = 216, BN 6+6, fc 6·5 + 5
    assert out["params_all_dense"] == 108 + 8 + 216 + 12 + 35 == 379
    assert out["params_nonbias_dense"] == 379 - 4 - 6 - 5 == 364
    # narrow: 3 filters of 3·9, BN 3+3, 3 filters of 3·9, BN 3+3, fc 3·5 + 5
    assert out["params_all_nonzero"] == 81 + 6 + 81 + 6 + 20 == 194
    assert out["params_nonbias_nonzero"] == 194 - 3 - 3 - 5 == 183
    # MACs at 8x8: 64·4·27 + 64·6·36 + 30 dense; 64·3·27 + 64·3·27 + 15 narrow
    assert out["macs_dense"] == 6912 + 13824 + 30 == 20766
    assert out["macs_nonzero"] == 5184 + 5184 + 15 == 10383
    assert out["speedup"] == 2.0 and out["compression_all"] == 379 / 194


@pytest.fixture(scope="module")
def full_size():
    """ResNet56 / CIFAR-10 at r = 0.5 and VGG19 / CIFAR-100 at r = 0.7, full width, pruned once."""
    out = {}
    torch.set_num_threads(1)  # module scope: set up before the per-test fixture above
    for name, num_classes, ratios in (("resnet56", 10, "[0,0.5,0.5,0.5,0]"), ("vgg19_bn_cifar", 100, "[1-15:0.7]")):
        torch.manual_seed(0)
        reference = nonzero_everywhere(model(name, 1.0, num_classes))
        narrow = model(name, 1.0, num_classes)
        narrow.load_state_dict(reference.state_dict())
        remove_filters(narrow, select_pruned(narrow, resolve_layers(narrow, ratios), "l1", SelectionInputs()), CIFAR)
        out[name] = (reference, accounting(narrow, reference, CIFAR))
    return out


@pytest.mark.parametrize(
    ("name", "params", "macs"),
    [("resnet56", 853_018, 125_485_696), ("vgg19_bn_cifar", 20_081_188, 398_182_400)],
)
def test_full_size_counts_match_the_published_models(full_size, name, params, macs):
    reference, out = full_size[name]
    assert count_parameters(reference, "all") == (params, params)
    assert multiply_accumulates(reference, CIFAR) == (macs, macs)
    assert out["params_all_dense"] == params and out["macs_dense"] == macs


@pytest.mark.parametrize(
    ("name", "sparsity_pct", "speedup", "relative"),
    [("resnet56", 49.82, 1.99, 0.001), ("vgg19_bn_cifar", 90.98, 8.84, 0.01)],
)
def test_sparsity_and_speedup_match_greg_table1(full_size, name, sparsity_pct, speedup, relative):
    """GReg's "Sparsity" is the fraction of all parameters (BN included) removed; "Speedup" the MAC ratio.
    ResNet56 r = 0.5 matches to the printed digits; VGG19 r = 0.7 within 1 % (8.89x here vs 8.84x)."""
    _, out = full_size[name]
    measured = 100 * (1 - out["params_all_nonzero"] / out["params_all_dense"])
    assert measured == pytest.approx(sparsity_pct, rel=relative, abs=0.005)
    assert out["speedup"] == pytest.approx(speedup, rel=relative, abs=0.005)
    assert math.isclose(out["compression_all"], 1 / (1 - measured / 100))
