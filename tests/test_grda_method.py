"""gRDA as a method of the one trainer, its SGD and magnitude comparisons, the models, the Bézier curve, and
how a diverged run is recorded."""
import math

import pandas as pd
import pytest
import torch
from torch import nn

from prunebench.checkpoint import load_checkpoint
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.connectivity import BezierCurve, fit_middle
from prunebench.data import load_dataset
from prunebench.methods import METHODS
from prunebench.models import build_model
from prunebench.optimizers import GRDA
from prunebench.paths import RunPaths
from prunebench.reproduce import execute
from prunebench.reproduction import Arm
from prunebench.runner import run
from prunebench.sparsity import global_magnitude_plan
from prunebench.train import SCHEDULES, mode_connectivity_factor

pytestmark = pytest.mark.smoke

GRDA_RUN = RunConfig(dataset="synthetic", model="vgg16_bn_cifar", method="grda", width=0.0625, epochs=2, batch_size=64,
                     optimizer=OptimizerConfig("grda", lr=0.1), train_subset=256, seed=1, eval_every=0,
                     method_options={"c": 0.05, "mu": 0.6})


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """One uninterrupted gRDA run, shared by the tests below."""
    root = tmp_path_factory.mktemp("straight")
    ops = Operational(root / "runs", root / "base", progress=False, channels_last=False)
    return ops, run(GRDA_RUN, ops)


def test_grda_run_uses_the_grda_optimizer_and_logs_each_epoch(straight):
    ops, result = straight
    assert result.metrics["grda_steps"] == 2 * 4  # 256 images / 64 per batch, 2 epochs
    assert result.metrics["grda_final_threshold"] == pytest.approx(0.05 * math.sqrt(0.1) * (8 * 0.1) ** 0.6)
    assert 0 < 1 - result.metrics["params_all_nonzero"] / result.metrics["params_all_dense"] < 1
    log = pd.read_csv(RunPaths(GRDA_RUN, ops.runs_root, ops.baselines_root).method_log)
    assert list(log["epoch"]) == [1, 2] and {"threshold", "lr", "sparsity_all", "sparsity_weights", "revived"} <= set(log)
    assert (log["sparsity_all"].diff().dropna() >= 0).all()


def test_grda_run_resumes_mid_training_to_identical_weights(straight, tmp_path, interrupted_then_resumed):
    ops, straight = straight
    other = Operational(tmp_path / "runs", tmp_path / "base", progress=False, channels_last=False)

    resumed = interrupted_then_resumed(GRDA_RUN, other)
    assert resumed.metrics == straight.metrics
    a = load_checkpoint(RunPaths(GRDA_RUN, ops.runs_root, ops.baselines_root).weights)
    b = load_checkpoint(RunPaths(GRDA_RUN, other.runs_root, other.baselines_root).weights)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_grda_needs_c_and_mu_and_no_momentum():
    with pytest.raises(ValueError, match="c and mu"):
        METHODS.get("grda").from_dict({"mu": 0.6}, {})
    method = METHODS.get("grda").from_dict({"c": 0.1, "mu": 0.6}, {})
    params = nn.Linear(2, 1)
    with pytest.raises(ValueError, match="momentum"):
        method.build_optimizer(params, OptimizerConfig("grda", lr=0.1, momentum=0.9))
    with pytest.raises(ValueError, match="optimizer name"):
        method.build_optimizer(params, OptimizerConfig("adam", lr=0.1))
    assert isinstance(method.build_optimizer(params, OptimizerConfig("grda", lr=0.1)), GRDA)
    with pytest.raises(ValueError, match="weight decay"):
        METHODS.get("sgd").from_dict({}, {}).build_optimizer(params, OptimizerConfig("sgd", lr=0.1, weight_decay=5e-4))


def test_global_magnitude_ranks_all_parameters_as_one_vector():
    layer = nn.Linear(2, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[4.0, -1.0], [0.5, 3.0]]))
        layer.bias.copy_(torch.tensor([0.2, -2.0]))
    plan = global_magnitude_plan(layer, ["weight", "bias"], 0.5)  # drop the 3 smallest of 6: 0.2, 0.5, -1
    assert plan == {"weight": 0.5, "bias": 0.5}
    method = METHODS.get("magnitude_global").from_dict({"sparsity": 0.5}, {})
    method.setup(layer, None)
    assert layer.weight.tolist() == [[4.0, 0.0], [0.0, 3.0]] and layer.bias.tolist() == [0.0, -2.0]


def test_mode_connectivity_schedule_matches_garipov_et_al():
    # their train.py sets lr = f(e / E) before training epoch e = 1..E
    assert [mode_connectivity_factor(e, 10) for e in (1, 5, 6, 9, 10)] == pytest.approx(
        [1.0, 1.0, 1 - (0.6 - 0.5) / 0.4 * 0.99, 0.01, 0.01]
    )
    assert mode_connectivity_factor(7, 10) == pytest.approx(1 - (0.7 - 0.5) / 0.4 * 0.99)


def test_mode_connectivity_scheduler_gives_each_epoch_the_official_lr():
    # the lr each of 3 epochs trains with, read off the optimizer as the trainer steps the scheduler
    # (hand-computed from the official code: f(1/3) = 1, f(2/3) = 1 - (1/6)/0.4*0.99 = 0.5875, f(1) = 0.01)
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = SCHEDULES.get("mode_connectivity")(optimizer, OptimizerConfig("sgd", lr=0.1), 3)
    lrs = []
    for _ in range(3):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert lrs == pytest.approx([0.1, 0.05875, 0.001])


def test_models_have_the_published_sizes_and_take_small_inputs():
    assert sum(p.numel() for p in build_model("wrn28_10", in_channels=3, num_classes=10).parameters()) == 36_489_290
    assert sum(p.numel() for p in build_model("wrn28_10", in_channels=3, num_classes=100).parameters()) == 36_546_980
    vgg = build_model("vgg16_nobn_cifar", in_channels=3, num_classes=10)
    assert sum(p.numel() for p in vgg.parameters()) == 15_245_130  # 13 convs + the 512-512-512-10 classifier
    assert not any(isinstance(m, nn.BatchNorm2d) for m in vgg.modules())
    for name in ("vgg16_nobn_cifar", "wrn28_10"):
        for size in (28, 16):
            model = build_model(name, in_channels=1, num_classes=10, width=0.125).eval()
            assert model(torch.randn(2, 1, size, size)).shape == (2, 10)


def test_bezier_endpoints_are_the_two_trained_models():
    torch.manual_seed(0)
    a, b = build_model("vgg16_bn_cifar", in_channels=1, num_classes=10, width=0.125), build_model(
        "vgg16_bn_cifar", in_channels=1, num_classes=10, width=0.125)
    start = {n: p.detach().clone() for n, p in a.named_parameters()}
    end = {n: p.detach().clone() for n, p in b.named_parameters()}
    curve = BezierCurve(build_model("vgg16_bn_cifar", in_channels=1, num_classes=10, width=0.125), start, end)
    splits = load_dataset("synthetic")
    fit_middle(curve, splits.train, 1, OptimizerConfig("sgd", lr=0.1, schedule="mode_connectivity"), 128, 0)
    for t, expected in ((0.0, start), (1.0, end)):
        weights = curve.weights(t)
        assert all(torch.equal(weights[n], expected[n]) for n in expected)
    x = next(iter(splits.test.batches(8)))[0]
    curve.model.eval()
    a.load_state_dict(curve.model.state_dict(), strict=False)  # the same BN statistics as the curve's model
    with torch.no_grad():
        for name, p in a.named_parameters():
            p.copy_(start[name])
        assert torch.equal(curve(x, 0.0), a.eval()(x))
    middle = dict(zip(curve.names, curve.middle, strict=True))
    half = curve.weights(0.5)
    name = curve.names[0]
    assert torch.allclose(half[name], 0.25 * start[name] + 0.5 * middle[name] + 0.25 * end[name])
    assert not torch.allclose(middle[name], (start[name] + end[name]) / 2)  # the middle point was trained


def test_diverged_run_is_recorded_with_its_seed(ops, tmp_path):
    config = RunConfig(dataset="synthetic", model="vgg16_nobn_cifar", method="sgd", width=0.125, epochs=2, batch_size=64,
                       optimizer=OptimizerConfig("sgd", lr=1e12), train_subset=256, seed=4, eval_every=0)
    arm = Arm("diverging", config, lambda r: {"top1_trained": r.metrics["top1_trained"]})
    frame = execute("grdatest", "table", "smoke", [arm], ops, tmp_path / "results")
    values = dict(zip(frame["metric"], frame["value"], strict=True))
    assert values["diverged"] == 1.0 and math.isnan(values["top1_trained"])
    assert set(frame["seed"]) == {4}
    again = run(config, ops)
    assert again.skipped and again.diverged
