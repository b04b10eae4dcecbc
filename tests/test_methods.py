"""Hand-computed updates of ADMM, SLR and masked training on a four-weight layer.

The layer is W = [4, -3, 2, 1] with ratio 0.5 (keep l = 2), so Z^0 = Π_S(W^0) = [4, -3, 0, 0].
Expected values are written out from the papers' equations, not from the implementation.
"""
import math

import pytest
import torch
from torch import nn

from prunebench.methods import METHODS, EpochContext
from prunebench.methods.slr import OFFICIAL_CODE, alpha

pytestmark = pytest.mark.unit

RHO = 0.1
W0 = [4.0, -3.0, 2.0, 1.0]


def layer(values=W0):
    module = nn.Linear(4, 1, bias=False)
    set_weights(module, values)
    return module


def set_weights(module, values):
    with torch.no_grad():
        module.weight.copy_(torch.tensor([values]))


def context(epoch, f=float("nan"), mean_ce=float("nan")):
    return EpochContext(epoch, mean_ce, lambda: f)


def t(values):
    return torch.tensor([values])


# ---- ADMM ----------------------------------------------------------------------------------------

def test_admm_z_and_u_updates():
    model = layer()
    admm = METHODS.get("admm").from_dict({"rho": RHO}, {"weight": 0.5})
    admm.setup(model, context(0))
    assert torch.equal(admm.Z[0], t([4.0, -3.0, 0.0, 0.0]))
    assert torch.equal(admm.U[0], torch.zeros(1, 4))

    set_weights(model, [4.0, -1.0, 3.0, 0.5])  # W^1 after some SGD
    admm.on_epoch_end(model, context(1))
    # Z^1 = Π(W^1 + U^0) = Π([4, -1, 3, .5]) = [4, 0, 3, 0];  U^1 = U^0 + W^1 - Z^1 = [0, -1, 0, .5]
    assert torch.equal(admm.Z[0], t([4.0, 0.0, 3.0, 0.0]))
    assert torch.equal(admm.U[0], t([0.0, -1.0, 0.0, 0.5]))

    admm.on_epoch_end(model, context(2))
    # Z^2 = Π(W + U^1) = Π([4, -2, 3, 1]) = [4, 0, 3, 0];  U^2 = U^1 + W - Z^2 = [0, -2, 0, 1]
    assert torch.equal(admm.Z[0], t([4.0, 0.0, 3.0, 0.0]))
    assert torch.equal(admm.U[0], t([0.0, -2.0, 0.0, 1.0]))
    assert admm.log[-1]["primal_residual"] == pytest.approx(math.sqrt(1 + 0.25))


def test_admm_penalty_gradient_is_rho_times_w_minus_z_plus_u():
    model = layer()
    admm = METHODS.get("admm").from_dict({"rho": RHO}, {"weight": 0.5})
    admm.setup(model, context(0))
    admm.U = [t([1.0, 0.0, 0.0, -1.0])]
    admm._refresh_target()
    model.weight.grad = torch.zeros(1, 4)
    admm.after_backward(model)
    # ρ (W - Z + U) = 0.1 * ([0, 0, 2, 1] + [1, 0, 0, -1]) = [0.1, 0, 0.2, 0]
    assert torch.allclose(model.weight.grad, t([0.1, 0.0, 0.2, 0.0]))


def test_admm_updates_only_every_interval():
    model = layer()
    admm = METHODS.get("admm").from_dict({"rho": RHO, "interval_epochs": 2}, {"weight": 0.5})
    admm.setup(model, context(0))
    assert admm.on_epoch_end(model, context(1)) == {}
    assert admm.log == []
    admm.on_epoch_end(model, context(2))
    assert len(admm.log) == 1


# ---- SLR -----------------------------------------------------------------------------------------

def test_alpha_eq_11():
    # k = 1: the exponent 1 - 1/1^r is 0, so α = 1 - 1/M
    assert alpha(1, 300, 0.1) == pytest.approx(1 - 1 / 300, abs=1e-12)
    # k = 2: 2^0.1 = 1.0717735, exponent 1 - 1/1.0717735 = 0.0669670, 2^0.066967 = 1.0475122
    assert alpha(2, 300, 0.1) == pytest.approx(1 - 1 / (300 * 1.0475122), abs=1e-8)
    # large k: α_k -> 1 - 1/(M k^(1 - 1/k^r)) stays below 1 and rises towards it
    assert alpha(10, 300, 0.1) < alpha(100, 300, 0.1) < 1


def slr(**options):
    method = METHODS.get("slr").from_dict({"rho": RHO, **options}, {"weight": 0.5})
    model = layer()
    method.setup(model, context(0, f=1.0))  # f(W^0) = 1.0
    return method, model


def test_slr_initial_state():
    method, _ = slr()
    assert torch.equal(method.Z[0], t([4.0, -3.0, 0.0, 0.0]))  # Z^0 = Π(W^0)
    assert method.k == 1 and method.f_prev == 1.0
    assert method.s.tolist() == [0.01]  # s^0 = s0, held in float64
    # ||W^0 - Z^0|| = ||[0,0,2,1]||, the numerator of the first step ratio
    assert torch.linalg.norm(method.w_prev[0] - method.z_prev[0]) == pytest.approx(math.sqrt(5))


def test_slr_both_conditions_hold():
    method, model = slr()
    W1 = [4.0, -1.0, 3.0, 0.5]
    set_weights(model, W1)
    method.on_epoch_end(model, context(1, f=0.5))
    a = 1 - 1 / 300  # α_1
    row = method.log[-1]
    # (3): L(W^1,Z^0,Λ^1=0) = 0.5 + 0.05*||[0,2,3,.5]||^2 = 0.5 + 0.05*13.25 < L(W^0,Z^0,0) = 1 + 0.05*5
    assert row["lhs3"] == pytest.approx(0.5 + 0.05 * 13.25)
    assert row["rhs3"] == pytest.approx(1.0 + 0.05 * 5)
    assert row["cond3"] == 1
    # (5): s' = α s0 ||W^0 - Z^0|| / ||W^1 - Z^0|| ; (4): Λ = s' (W^1 - Z^0)
    s_prime = a * 0.01 * math.sqrt(5) / math.sqrt(13.25)
    lam = [0.0, 2 * s_prime, 3 * s_prime, 0.5 * s_prime]
    # (7): Z^1 = Π(W^1 + Λ/ρ) keeps 4 and 3 + 30 s'
    u = [x / RHO for x in lam]
    z1 = [4.0, 0.0, 3.0 + u[2], 0.0]
    assert torch.allclose(method.Z[0], t(z1))
    # (8): tr(Λᵀ(W-Z)) + ρ/2||W-Z||^2 at Z^1 vs at Z^0 (f cancels)
    d1 = [w - z for w, z in zip(W1, z1, strict=True)]
    d0 = [0.0, 2.0, 3.0, 0.5]
    lhs8 = sum(lm * d for lm, d in zip(lam, d1, strict=True)) + 0.05 * sum(d * d for d in d1)
    rhs8 = sum(lm * d for lm, d in zip(lam, d0, strict=True)) + 0.05 * sum(d * d for d in d0)
    assert row["lhs8"] - 0.5 == pytest.approx(lhs8, abs=1e-6)
    assert row["rhs8"] - 0.5 == pytest.approx(rhs8, abs=1e-6)
    assert lhs8 < rhs8 and row["cond8"] == 1
    # (10): s = α s' ||W^0 - Z^0|| / ||W^1 - Z^1|| ; (9): Λ += s (W^1 - Z^1)
    s = a * s_prime * math.sqrt(5) / math.sqrt(sum(d * d for d in d1))
    lam2 = [lm + s * d for lm, d in zip(lam, d1, strict=True)]
    assert torch.allclose(method.U[0] * RHO, t(lam2), atol=1e-7)
    assert method.s.item() == pytest.approx(s, rel=1e-5)
    # the iteration completed: k advances, W^{k-1} and f(W^{k-1}) are the new ones
    assert method.k == 2 and method.f_prev == 0.5
    assert torch.equal(method.w_prev[0], t(W1))


def test_slr_condition_3_fails_multipliers_unchanged():
    method, model = slr()
    set_weights(model, [4.0, -1.0, 3.0, 0.5])
    method.on_epoch_end(model, context(1, f=2.0))  # 2 + 0.6625 is not < 1.25
    row = method.log[-1]
    assert row["cond3"] == 0
    # Λ stayed 0 through (3), so (7) gives Z^1 = Π(W^1) = [4, 0, 3, 0]; then (8) holds and uses s' = s0
    assert torch.equal(method.Z[0], t([4.0, 0.0, 3.0, 0.0]))
    assert row["s_prime"] == pytest.approx(0.01)
    a = 1 - 1 / 300
    s = a * 0.01 * math.sqrt(5) / math.sqrt(1 + 0.25)  # ||W^1 - Z^1|| = ||[0,-1,0,.5]||
    assert method.s.item() == pytest.approx(s, rel=1e-5)
    assert torch.allclose(method.U[0] * RHO, t([0.0, -s, 0.0, 0.5 * s]), atol=1e-7)


def test_slr_condition_8_fails_when_z_does_not_move():
    method, model = slr()
    set_weights(model, [4.0, -3.0, 1.0, 0.5])  # Π(W + Λ/ρ) = Z^0 again
    method.on_epoch_end(model, context(1, f=0.8))
    row = method.log[-1]
    assert row["cond3"] == 1 and row["cond8"] == 0
    s_prime = (1 - 1 / 300) * 0.01 * math.sqrt(5) / math.sqrt(1.25)
    # only the (4) step was taken; (9) is skipped, k does not advance, W^{k-1} stays W^0
    assert torch.allclose(method.U[0] * RHO, t([0.0, 0.0, s_prime, 0.5 * s_prime]), atol=1e-7)
    assert method.k == 1 and method.f_prev == 1.0
    assert torch.equal(method.w_prev[0], t(W0))


def test_slr_both_conditions_fail_leaves_multipliers_alone():
    method, model = slr()
    set_weights(model, [4.0, -3.0, 1.0, 0.5])
    method.on_epoch_end(model, context(1, f=5.0))
    assert method.log[-1]["cond3"] == 0 and method.log[-1]["cond8"] == 0
    assert torch.equal(method.U[0], torch.zeros(1, 4))
    assert method.k == 1


def test_slr_official_code_first_two_updates():
    # the reference code's bookkeeping, hand-computed: W_prev = Z_prev = 0 and CE_prev = 0 before the first
    # taken step; only the first (3) is forced (k == 1); Z_prev is the Z of the last taken step
    method, model = slr(**OFFICIAL_CODE)
    assert method.z_prev[0].abs().sum() == 0 and method.f_prev == 0.0
    W1 = [4.0, -1.0, 3.0, 0.5]
    set_weights(model, W1)
    method.on_epoch_end(model, context(1, mean_ce=0.7))
    row = method.log[-1]
    # (3) as tested: 0.7 + ρ/2||W1 − 0||² = 0.7 + 0.05·26.25 against 0 + 0: fails, but k == 1 takes it
    assert row["lhs3"] == pytest.approx(2.0125) and row["rhs3"] == 0.0
    assert row["cond3_held"] == 0 and row["cond3"] == 1
    # ||W_prev − Z_prev|| = 0, so s stays s0; Λ = s0 (W1 − 0), U = Λ/ρ = [.4, -.1, .3, .05]; k = 2
    u = [0.4, -0.1, 0.3, 0.05]
    # (7) with the percentile: |W1 + U| = [4.4, 1.1, 3.3, .55], 50th percentile 1.1 + (3.3 − 1.1)/2 = 2.2
    z1 = [4.4, 0.0, 3.3, 0.0]
    assert torch.allclose(method.Z[0], t(z1))
    # (8) against Z_prev = Z^0 (taken with (3)): 0.7 + [ρ<U, W1−Z1> + ρ/2||W1−Z1||²] = 0.7 − 0.0125 + 0.075
    # vs 0 + [ρ<U, W1−Z0> + ρ/2||W1−Z0||²] = 0.0725 + 0.6625; not below, and k is 2 now: not taken
    assert row["lhs8"] == pytest.approx(0.7625) and row["rhs8"] == pytest.approx(0.735)
    assert row["cond8_held"] == 0 and row["cond8"] == 0
    assert method.k == 2 and method.s.item() == pytest.approx(0.01)
    assert torch.allclose(method.U[0], t(u))
    # the leak: the penalty gradient is ρ(W − Z + U)(1 + s0/ρ) = 0.1·[0, −1.1, 0, .55]·1.1
    model.weight.grad = torch.zeros(1, 4)
    method.after_backward(model)
    assert torch.allclose(model.weight.grad, t([0.0, -0.121, 0.0, 0.0605]))

    method.on_epoch_end(model, context(2, mean_ce=0.6))
    row = method.log[-1]
    # (3) measures against Z_prev = Z^0, not the current Z^1: 0.6 + 0.735 < 0.7 + 0.735 (W_prev is the live W)
    assert row["lhs3"] == pytest.approx(1.335) and row["rhs3"] == pytest.approx(1.435) and row["cond3"] == 1
    # ratio ||W_prev − Z_prev|| / ||W − Z_prev|| = 1: s' = α_2 s0; Λ += s' (W1 − Z^0)
    s_prime = alpha(2, 300, 0.1) * 0.01
    assert row["s_prime"] == pytest.approx(s_prime)
    u2 = [u[0], u[1] + 2 * s_prime / RHO, u[2] + 3 * s_prime / RHO, u[3] + 0.5 * s_prime / RHO]
    # (7): |W1 + U| = [4.4, .9006, 3.5991, .5998]: the percentile (.9006 + 3.5991)/2 keeps 4.4 and 3 + u2[2]
    z2 = [4.4, 0.0, 3.0 + u2[2], 0.0]
    assert torch.allclose(method.Z[0], t(z2))
    # (8) against Z_prev = Z^1 now (taken with (3)), CE_prev = 0.7: holds (0.6316 < 0.7361)
    d2 = [w - z for w, z in zip(W1, z2, strict=True)]
    d1 = [w - z for w, z in zip(W1, z1, strict=True)]
    dot = lambda a, b: sum(x * y for x, y in zip(a, b, strict=True))  # noqa: E731
    assert row["lhs8"] == pytest.approx(0.6 + RHO * dot(u2, d2) + RHO / 2 * dot(d2, d2))
    assert row["rhs8"] == pytest.approx(0.7 + RHO * dot(u2, d1) + RHO / 2 * dot(d1, d1))
    assert row["cond8_held"] == 1
    # (10) with α at k = 3 (raised by (3)): s = α_3 s' ||W − Z^1|| / ||W − Z^2||; Λ += s (W1 − Z^2); k = 4
    s = alpha(3, 300, 0.1) * s_prime * math.sqrt(dot(d1, d1)) / math.sqrt(dot(d2, d2))
    assert method.s.item() == pytest.approx(s)
    assert torch.allclose(method.U[0], t([x + s / RHO * d for x, d in zip(u2, d2, strict=True)]))
    assert method.k == 4
    assert method.leak == pytest.approx([(0.01 + s_prime + s) / RHO])


def test_paper_default_has_no_leak_and_exact_topk():
    method, model = slr()
    set_weights(model, [4.0, -1.0, 3.0, 0.5])
    method.on_epoch_end(model, context(1, f=0.5))
    assert method._gradient_scales == [RHO]
    assert int(torch.count_nonzero(method.Z[0])) == 2


def test_slr_rejects_bad_options():
    with pytest.raises(ValueError, match="step_size_scope"):
        METHODS.get("slr").from_dict({"step_size_scope": "nope"}, {"weight": 0.5})
    with pytest.raises(ValueError, match="no option"):
        METHODS.get("slr").from_dict({"gamma": 1}, {"weight": 0.5})
    with pytest.raises(ValueError, match="M > 1"):
        METHODS.get("slr").from_dict({"M": 1.0}, {"weight": 0.5})


def test_slr_state_round_trip():
    method, model = slr()
    set_weights(model, [4.0, -1.0, 3.0, 0.5])
    method.on_epoch_end(model, context(1, f=0.5))
    copy = METHODS.get("slr").from_dict({"rho": RHO}, {"weight": 0.5})
    copy.load_state_dict(method.state_dict())
    assert copy.k == method.k and torch.equal(copy.s, method.s)
    assert torch.equal(copy.U[0], method.U[0]) and torch.equal(copy._target[0], method._target[0])


# ---- masked training -----------------------------------------------------------------------------

def test_magnitude_keeps_pruned_weights_at_zero_through_adam():
    model = layer()
    method = METHODS.get("magnitude").from_dict({}, {"weight": 0.5})
    method.setup(model, context(0))
    assert torch.equal(model.weight.detach(), t([4.0, -3.0, 0.0, 0.0]))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1, weight_decay=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        model(torch.ones(2, 4)).sum().backward()
        method.after_backward(model)
        assert torch.equal(model.weight.grad[0, 2:], torch.zeros(2))
        optimizer.step()
        method.after_step(model)
    assert torch.equal(model.weight.detach()[0, 2:], torch.zeros(2))
    assert not torch.equal(model.weight.detach()[0, :2], t([4.0, -3.0])[0])


def put(module: nn.Module, rows: list[list[float]]) -> None:
    with torch.no_grad():
        module.weight.copy_(torch.tensor(rows))


def test_imp_prunes_globally_each_round_and_rewinds_the_survivors():
    """Two layers (8 + 2 weights) at plan ratio 0.5 each: global sparsity 0.5 reached in 2 rounds of 2 epochs
    (6 epochs: the last 2 train the final network). Round 1 keeps 0.5^(1/2) of 10 -> prunes round(2.93) = 3, the
    smallest trained magnitudes across both layers; round 2 prunes 5 in all. Survivors return to the weights the
    run started from (rewind_epoch 0)."""
    net = nn.Sequential(nn.Linear(4, 2, bias=False), nn.Linear(2, 1, bias=False))
    start = ([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]], [[0.9, 1.0]])
    put(net[0], start[0])
    put(net[1], start[1])
    method = METHODS.get("imp").from_dict({"rounds": 2}, {"0.weight": 0.5, "1.weight": 0.5})
    method.setup(net, EpochContext(0, math.nan, lambda: 0.0, epochs=6))
    at = lambda epoch: EpochContext(epoch, 1.0, lambda: 0.0, epochs=6)  # noqa: E731

    put(net[0], [[0.05, -0.9, 0.3, 0.01], [0.7, -0.2, 0.6, 0.02]])  # "trained" for two epochs
    put(net[1], [[0.5, -0.04]])
    assert method.on_epoch_end(net, at(1)) == {}
    assert method.on_epoch_end(net, at(2))["imp_sparsity"] == pytest.approx(1 - 0.5 ** 0.5)
    assert torch.equal(net[0].weight, torch.tensor([[0.1, 0.2, 0.3, 0.0], [0.5, 0.6, 0.7, 0.0]]))  # 0.01, 0.02 gone, rewound
    assert torch.equal(net[1].weight, torch.tensor([[0.9, 0.0]]))  # 0.04 gone: the ranking is across layers

    put(net[0], [[0.8, 0.1, -0.3, 0.0], [0.05, 0.6, 0.4, 0.0]])
    put(net[1], [[-0.35, 0.0]])
    assert method.on_epoch_end(net, at(3)) == {}
    assert method.on_epoch_end(net, at(4))["imp_sparsity"] == pytest.approx(0.5)
    assert torch.equal(net[0].weight, torch.tensor([[0.1, 0.0, 0.3, 0.0], [0.0, 0.6, 0.7, 0.0]]))
    assert torch.equal(net[1].weight, torch.tensor([[0.9, 0.0]]))
    assert method.on_epoch_end(net, at(6)) == {} and method.summary() == {"imp_rounds": 2.0}
    with pytest.raises(ValueError, match="needs at least 3 epochs"):
        method.setup(net, EpochContext(0, math.nan, lambda: 0.0, epochs=2))
