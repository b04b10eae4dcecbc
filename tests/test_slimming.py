"""Network slimming and proximal NS: hand-computed update rules, NS's threshold, the keep-one guard,
channel removal that leaves outputs unchanged, ξ in the checkpoint, and a run through the runner."""
import pytest
import torch
from torch import nn

from prunebench.checkpoint import load_checkpoint
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.methods import METHODS, EpochContext
from prunebench.methods.proximal_slimming import gamma_min_threshold, palm_scaling_step
from prunebench.models import build_model
from prunebench.paths import RunPaths
from prunebench.proximal import soft_threshold
from prunebench.runner import run
from prunebench.structured import apply_structure
from prunebench.structured.channels import (
    PRODUCER,
    SELECTION,
    global_threshold,
    keep_one_per_layer,
    remove_channels,
    scaling_layers,
)
from prunebench.train import SCHEDULES

pytestmark = pytest.mark.unit

SLIMMING_MODELS = {  # small members of each family: removal is exercised on every kind of BN
    "vgg19_ns_cifar": {},
    "densenet40_cifar": {"depth": 10},
    "preresnet164_cifar": {"depth": 20},
}


def tiny_vgg() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1, bias=False), nn.BatchNorm2d(3), nn.ReLU(),
        nn.Conv2d(3, 2, 3, padding=1, bias=False), nn.BatchNorm2d(2), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 4),
    )


def set_gammas(model: nn.Module, values: dict[str, list[float]]) -> None:
    modules = dict(model.named_modules())
    with torch.no_grad():
        for name, gamma in values.items():
            modules[name].weight.copy_(torch.tensor(gamma))


# -- update rules, by hand -----------------------------------------------------------------------
def test_soft_threshold_by_hand():
    out = soft_threshold(torch.tensor([0.3, -0.05, -0.4, 0.1, 0.0]), 0.1)
    assert torch.allclose(out, torch.tensor([0.2, 0.0, -0.3, 0.0, 0.0]))
    assert (out[[1, 3, 4]] == 0).all()  # exact zeros, not small numbers


def test_palm_scaling_step_by_hand():
    """α = 10 (lr 0.1), β = 100, λ = 0.0045 (VGG, CIFAR-10): keep = 1/11, pull = 10/11, shrink λ/110."""
    gamma = torch.tensor([0.5, 0.02, 0.0])
    xi = torch.tensor([0.5, 0.01, 1e-5])
    palm_scaling_step([gamma], [xi], alpha=10.0, beta=100.0, lam=0.0045)
    expected_gamma = torch.tensor([0.5, (0.02 + 10 * 0.01) / 11, 10 * 1e-5 / 11])
    assert torch.allclose(gamma, expected_gamma, rtol=1e-6, atol=0)
    mixed = (10 * torch.tensor([0.5, 0.01, 1e-5]) + 100 * expected_gamma) / 110
    expected_xi = torch.tensor([mixed[0] - 0.0045 / 110, mixed[1] - 0.0045 / 110, 0.0])
    assert torch.allclose(xi, expected_xi, rtol=1e-6, atol=0)
    assert xi[2] == 0  # |mixed| = 9.17e-6 < λ/(α+β) = 4.09e-5: exactly zero


def test_ns_subgradient_adds_lambda_sign_gamma():
    model = tiny_vgg()
    method = METHODS.get("network_slimming").from_dict({"sparsity": 1e-4}, {})
    method.setup(model, EpochContext(0, 0.0, lambda: 0.0))
    set_gammas(model, {"1": [0.5, -0.2, 0.0], "4": [0.3, 0.0]})
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    model[1].weight.grad[0] = 0.25
    method.after_backward(model)
    assert torch.allclose(model[1].weight.grad, torch.tensor([0.25 + 1e-4, -1e-4, 0.0]))
    assert torch.allclose(model[4].weight.grad, torch.tensor([1e-4, 0.0]))
    assert (model[0].weight.grad == 0).all()  # convs are not penalised


def test_alpha_follows_the_learning_rate_after_a_drop():
    model = tiny_vgg()
    method = METHODS.get("proximal_slimming").from_dict({"sparsity": 0.0045, "beta": 100.0}, {})
    config = OptimizerConfig("sgd", lr=0.1, momentum=0.9, weight_decay=1e-4, schedule="multistep", milestones=(2,))
    optimizer = method.build_optimizer(model, config)
    scheduler = SCHEDULES.get("multistep")(optimizer, config, 4)
    assert method.alpha == pytest.approx(10.0)
    scheduler.step()
    scheduler.step()  # past the milestone: lr 0.01
    assert method.alpha == pytest.approx(100.0)


def test_decay_gamma_off_takes_weight_decay_off_gamma_only():
    model = tiny_vgg()
    method = METHODS.get("proximal_slimming").from_dict({"decay_gamma": False}, {})
    optimizer = method.build_optimizer(model, OptimizerConfig("sgd", lr=0.1, weight_decay=1e-4))
    groups = {g["weight_decay"]: {id(p) for p in g["params"]} for g in optimizer.param_groups}
    assert groups[0.0] == {id(model[1].weight), id(model[4].weight)}
    assert id(model[1].bias) in groups[1e-4] and id(model[0].weight) in groups[1e-4]
    with pytest.raises(ValueError, match="SGD"):
        method.build_optimizer(model, OptimizerConfig("adam", lr=0.1))


# -- thresholds and the guard --------------------------------------------------------------------
def test_global_threshold_is_the_value_at_floor_n_percent():
    magnitudes = torch.tensor([0.1, 0.5, 0.3, 0.05, 0.2])
    assert global_threshold(magnitudes, 0.4) == pytest.approx(0.2)  # sorted[int(5·0.4)] = sorted[2]
    assert global_threshold(magnitudes, 0.0) == pytest.approx(0.05)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        global_threshold(magnitudes, 1.0)


def test_ns_threshold_selection_on_a_toy_net():
    model = tiny_vgg()
    set_gammas(model, {"1": [0.1, 0.5, -0.3], "4": [0.05, 0.2]})
    method = METHODS.get("network_slimming").from_dict({"percent": 0.4}, {})
    method.setup(model, EpochContext(0, 0.0, lambda: 0.0))
    pruned = method.pruned_channels(method.factors(model))
    assert pruned["1"].tolist() == [True, False, False] and pruned["4"].tolist() == [True, True]
    assert method.outcome["threshold"] == pytest.approx(0.2)


def test_guard_keeps_the_largest_gamma_and_reports_the_layer():
    pruned = {"a": torch.tensor([True, True, True]), "b": torch.tensor([True, False])}
    guarded, fired = keep_one_per_layer(pruned, {"a": torch.tensor([0.1, -0.4, 0.2]), "b": torch.tensor([0.0, 1.0])})
    assert guarded["a"].tolist() == [True, False, True] and guarded["b"].tolist() == [True, False]
    assert fired == ["a"]


def test_ns_prune_with_every_channel_of_a_layer_below_threshold_keeps_one():
    model = tiny_vgg()
    set_gammas(model, {"1": [0.9, 0.8, 0.7], "4": [0.01, 0.02]})
    method = METHODS.get("network_slimming").from_dict({"percent": 0.4}, {})
    method.setup(model, EpochContext(0, 0.0, lambda: 0.0, lambda n: iter([(torch.zeros(2, 1, 8, 8), None)])))
    method.finalize(model)
    assert method.outcome["layers_guarded"] == 1 and model[3].out_channels == 1
    assert model(torch.randn(2, 1, 8, 8)).shape == (2, 4)


def test_proximal_prune_rules():
    gammas = {"a": torch.tensor([0.0, 0.3, -0.01]), "b": torch.tensor([0.2, 0.01])}
    xis = {"a": torch.tensor([0.0, 0.25, 0.0]), "b": torch.tensor([0.1, 0.0])}
    method = METHODS.get("proximal_slimming")
    assert method.Options().prune_on == "xi_zero"
    assert gamma_min_threshold(gammas, xis)["a"].tolist() == [True, False, False]  # |γ| <= min |γ| = 0
    with pytest.raises(KeyError, match="xi_zero"):
        METHODS.get("proximal_slimming").from_dict({"prune_on": "gamma_below"}, {})


# -- removal ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SLIMMING_MODELS)
def test_removing_zero_factor_channels_leaves_outputs_unchanged(name):
    """Channels whose γ and β are 0 output exact zeros; removing them (filters or selections) must not
    change the network's function, and the recorded structure rebuilds the narrow model."""
    torch.manual_seed(0)
    model = build_model(name, in_channels=1, num_classes=10, width=0.25, **SLIMMING_MODELS[name]).eval()
    layers = scaling_layers(model)
    assert {layer.kind for layer in layers} == ({PRODUCER} if name.startswith("vgg") else
                                                {SELECTION} if name.startswith("dense") else {PRODUCER, SELECTION})
    modules = dict(model.named_modules())
    pruned = {}
    with torch.no_grad():
        for layer in layers:
            bn = modules[layer.bn]
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
            bn.bias.uniform_(-0.5, 0.5)
            mask = torch.zeros(bn.num_features, dtype=torch.bool)
            mask[1::2] = True  # every other channel
            bn.weight[mask] = 0.0
            bn.bias[mask] = 0.0
            pruned[layer.bn] = mask
    x = torch.randn(3, 1, 28, 28)
    before = model(x)
    params_before = sum(p.numel() for p in model.parameters())
    step = remove_channels(model, layers, pruned, x[:1])
    assert sum(p.numel() for p in model.parameters()) < params_before
    assert torch.allclose(model(x), before, atol=1e-5)
    rebuilt = apply_structure(build_model(name, in_channels=1, num_classes=10, width=0.25, **SLIMMING_MODELS[name]),
                              [step], x[:1])
    rebuilt.load_state_dict(model.state_dict())
    assert torch.allclose(rebuilt.eval()(x), before, atol=1e-5)


# -- through the runner ------------------------------------------------------------------------------
PNS_RUN = RunConfig(dataset="synthetic", model="vgg19_ns_cifar", method="proximal_slimming", width=0.125, epochs=2,
                    batch_size=64, optimizer=OptimizerConfig("sgd", lr=0.1, momentum=0.9, weight_decay=1e-4),
                    train_subset=256, seed=1, eval_every=0, method_options={"sparsity": 3.0, "beta": 100.0, "xi_low": 0.0, "xi_high": 1.0})


def test_proximal_run_zeros_xi_removes_exactly_those_channels_and_resumes_identically(tmp_path, interrupted_then_resumed):
    ops = Operational(tmp_path / "a", tmp_path / "base", progress=False, channels_last=False)
    straight = run(PNS_RUN, ops)
    m = straight.metrics
    assert 0 < m["xi_zero"] < m["channels"] and m["layers_guarded"] == 0
    assert m["channels_pruned"] == m["channels_xi_zero"] == m["xi_zero"]  # PNS-C5: exactly the zero-ξ channels
    assert m["gamma_zero"] == 0 and m["channels_gamma_min_threshold"] >= 1  # γ only approaches ξ; the code's rule differs
    assert m["params_all_remaining"] < m["params_all_dense"]

    other = Operational(tmp_path / "b", tmp_path / "base", progress=False, channels_last=False)
    resumed = interrupted_then_resumed(PNS_RUN, other)
    assert resumed.metrics == straight.metrics  # ξ came back from the checkpoint, not a fresh draw
    a = load_checkpoint(RunPaths(PNS_RUN, ops.runs_root, ops.baselines_root).weights)
    b = load_checkpoint(RunPaths(PNS_RUN, other.runs_root, other.baselines_root).weights)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_palm_decreases_the_objective_in_the_theory_setting():
    """PNS-C6's setting: full batch, plain gradient step (momentum 0, no weight decay), small step (α large):
    F = L + λ‖ξ‖₁ + (β/2)‖γ − ξ‖² does not increase, and the steps shrink."""
    torch.manual_seed(0)
    model = tiny_vgg()
    x, y = torch.randn(32, 1, 8, 8), torch.randint(0, 4, (32,))
    lam, beta = 0.05, 1.0
    method = METHODS.get("proximal_slimming").from_dict({"sparsity": lam, "beta": beta, "decay_gamma": False}, {})
    optimizer = method.build_optimizer(model, OptimizerConfig("sgd", lr=0.05))
    method.setup(model, EpochContext(0, 0.0, lambda: 0.0))
    gammas = method.gamma_parameters(model)

    def objective() -> float:
        with torch.no_grad():
            loss = float(nn.functional.cross_entropy(model(x), y))
            return loss + sum(lam * float(xi.abs().sum()) + beta / 2 * float(((g - xi) ** 2).sum())
                              for g, xi in zip(gammas, method.xis, strict=True))

    values, moves = [objective()], []
    for _ in range(60):
        before = torch.cat([p.detach().flatten() for p in model.parameters()] + [xi.flatten() for xi in method.xis])
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        method.after_step(model)
        after = torch.cat([p.detach().flatten() for p in model.parameters()] + [xi.flatten() for xi in method.xis])
        moves.append(float((after - before).norm()))
        values.append(objective())
    assert all(b <= a + 1e-6 for a, b in zip(values, values[1:], strict=False))
    assert moves[-1] < moves[0]
