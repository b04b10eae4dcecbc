"""Hand-computed cases of the cardinality projection, the prune sets and the accounting."""
import pytest
import torch
from torch import nn

from prunebench.models import build_model
from prunebench.sparsity import (
    count_parameters,
    hard_prune,
    keep_count,
    multiply_accumulates,
    project,
    solve_uniform_ratio,
    uniform_plan,
    validate_ratio,
)

pytestmark = pytest.mark.unit


def test_projection_keeps_the_largest_magnitudes():
    w = torch.tensor([3.0, -5.0, 1.0, 0.5, -2.0])
    # ratio 0.6 of 5 entries: prune round(3.0) = 3, keep l = 2: the entries 3 and -5
    assert keep_count(5, 0.6) == 2
    assert torch.equal(project(w, 0.6), torch.tensor([3.0, -5.0, 0.0, 0.0, 0.0]))


def test_projection_is_exact_topk_per_tensor_shape():
    w = torch.tensor([[0.1, -0.9], [0.4, 0.3]])
    assert torch.equal(project(w, 0.5), torch.tensor([[0.0, -0.9], [0.4, 0.0]]))
    assert torch.equal(project(w, 0.0), w)  # ratio 0 keeps everything


def test_projection_is_idempotent_and_never_keeps_more_than_l():
    torch.manual_seed(0)
    w = torch.randn(64, 32, 3, 3)
    once = project(w, 0.9)
    assert int(torch.count_nonzero(once)) == keep_count(w.numel(), 0.9)
    assert torch.equal(project(once, 0.9), once)


@pytest.mark.parametrize("bad", [1.0, 1.2, -0.1, float("nan")])
def test_ratio_outside_unit_interval_is_refused(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        validate_ratio(bad)


def test_hard_prune_returns_masks_and_zeroes_in_place():
    layer = nn.Linear(4, 1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[4.0, -3.0, 2.0, 1.0]]))
    masks = hard_prune(layer, {"weight": 0.5})
    assert torch.equal(masks["weight"], torch.tensor([[1.0, 1.0, 0.0, 0.0]]))
    assert torch.equal(layer.weight.detach(), torch.tensor([[4.0, -3.0, 0.0, 0.0]]))


def test_resnet18_counts_and_the_published_8_71x():
    model = build_model("resnet18_cifar", in_channels=3, num_classes=10)
    assert count_parameters(model, "nonbias")[0] == 11_169_152
    plan = uniform_plan(model, "residual_branch_convs", 0.9)
    assert len(plan) == 16
    # 8.71x under the reference code's counting rule is a uniform 0.9 on the 16 residual convs
    assert solve_uniform_ratio(model, "residual_branch_convs", 8.71) == pytest.approx(0.9, abs=5e-4)
    hard_prune(model, plan)
    total, nonzero = count_parameters(model, "nonbias")
    assert total / nonzero == pytest.approx(8.71, abs=0.005)


def test_unknown_prune_set_and_unreachable_compression():
    model = build_model("resnet18_cifar", in_channels=1, num_classes=10, width=0.125)
    with pytest.raises(KeyError, match="unknown prune set"):
        uniform_plan(model, "nope", 0.5)
    with pytest.raises(ValueError, match="holds only"):
        solve_uniform_ratio(model, "residual_branch_convs", 1000.0)


def test_macs_scale_with_density():
    conv = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, bias=False))
    dense, nonzero = multiply_accumulates(conv, torch.zeros(1, 2, 5, 5))
    assert dense == 4 * 5 * 5 * (2 * 3 * 3)  # outputs x (in channels x kernel)
    hard_prune(conv, {"0.weight": 0.75})
    assert multiply_accumulates(conv, torch.zeros(1, 2, 5, 5))[1] == dense // 4
