"""Hand-computed gRDA steps (methods.md §10.1), written out from the update rule, not from the code.

With μ = 0.5 the increment c·lr^{μ+1/2}·(k^μ − (k−1)^μ) is c·lr·(√k − √(k−1)), so at lr 0.1, c 0.1:
T_1 = 0.01, T_2 = 0.01·√2 = 0.0141421...
"""
import math

import pytest
import torch

from prunebench.optimizers import GRDA

pytestmark = pytest.mark.unit

SQRT2 = math.sqrt(2.0)


def param(values):
    return torch.nn.Parameter(torch.tensor(values, dtype=torch.float64))


def step(opt, p, grad):
    p.grad = torch.tensor(grad, dtype=torch.float64)
    opt.step()


def close(p, values):
    assert torch.allclose(p.detach(), torch.tensor(values, dtype=torch.float64), rtol=0, atol=1e-12), p


def test_two_steps_at_constant_lr():
    p = param([1.0, -0.5, 0.05])
    opt = GRDA([p], lr=0.1, c=0.1, mu=0.5)
    step(opt, p, [1.0, 1.0, -1.0])  # a = [0.9, -0.6, 0.15], T = 0.01
    close(p, [0.89, -0.59, 0.14])
    step(opt, p, [2.0, -1.0, 2.0])  # a = [0.7, -0.5, -0.05], T = 0.01·√2
    t2 = 0.01 * SQRT2
    close(p, [0.7 - t2, -(0.5 - t2), -(0.05 - t2)])
    assert opt.current_threshold() == pytest.approx(t2, abs=1e-15)
    assert opt.state[p]["step"] == 2
    close(opt.state[p]["initial"], [1.0, -0.5, 0.05])


def test_lr_drop_accumulates_increments_with_the_current_lr():
    p = param([1.0])
    opt = GRDA([p], lr=0.1, c=0.1, mu=0.5)
    step(opt, p, [1.0])  # a = 0.9, T_1 = 0.1·0.1·1 = 0.01
    close(p, [0.89])
    opt.param_groups[0]["lr"] = 0.01
    step(opt, p, [1.0])  # a = 0.89, T_2 = 0.01 + 0.1·0.01·(√2 − 1)
    close(p, [0.89 - (0.01 + 0.001 * (SQRT2 - 1))])


def test_closed_form_option_uses_the_current_lr_only():
    p = param([1.0])
    opt = GRDA([p], lr=0.1, c=0.1, mu=0.5, threshold_form="closed_form")
    step(opt, p, [1.0])
    close(p, [0.89])
    opt.param_groups[0]["lr"] = 0.01
    step(opt, p, [1.0])  # T = c·√0.01·(2·0.01)^0.5 = 0.1·0.1·√0.02
    close(p, [0.89 - 0.01 * math.sqrt(0.02)])


def test_zeroed_weight_keeps_accumulating_and_comes_back():
    p = param([0.005])
    opt = GRDA([p], lr=0.1, c=0.1, mu=0.5)
    step(opt, p, [0.0])  # a = 0.005 < T_1 = 0.01
    close(p, [0.0])
    step(opt, p, [-1.0])  # a = 0.105, T_2 = 0.01·√2
    close(p, [0.105 - 0.01 * SQRT2])


@pytest.mark.parametrize(("c", "mu", "lr"), [(0.005, 0.6, 0.1), (5e-4, 0.51, 0.1), (0.01, 0.4, 0.05)])
def test_threshold_equals_g_at_constant_lr(c, mu, lr):
    p = param([0.0, 0.0])
    opt = GRDA([p], lr=lr, c=c, mu=mu)
    for k in range(1, 301):
        step(opt, p, [0.0, 0.0])
        g = c * math.sqrt(lr) * (k * lr) ** mu
        assert opt.current_threshold() == pytest.approx(g, rel=1e-12)


def test_c_zero_is_plain_sgd():
    p, q = param([0.3, -0.2]), param([0.3, -0.2])
    grda, sgd = GRDA([p], lr=0.1, c=0.0, mu=0.7), torch.optim.SGD([q], lr=0.1)
    for grad in ([1.0, 2.0], [-0.5, 0.25], [3.0, -1.0]):
        step(grda, p, grad)
        step(sgd, q, grad)
    assert torch.allclose(p, q, rtol=0, atol=1e-15)


def test_legacy_zero_accumulator_forgets_w0():
    p = param([1.0])
    opt = GRDA([p], lr=0.1, c=0.1, mu=0.5, accumulator_init="zero")
    step(opt, p, [1.0])  # a = 0 − 0.1 = −0.1, T = 0.01
    close(p, [-0.09])


def test_group_counter_gives_a_late_tensor_the_groups_threshold():
    for counter, expected in (("tensor", 0.01), ("group", 0.01 * SQRT2)):
        early, late = param([1.0]), param([1.0])
        opt = GRDA([early, late], lr=0.1, c=0.1, mu=0.5, counter=counter)
        step(opt, early, [0.0])  # `late` has no gradient yet: skipped, as in the official code
        close(late, [1.0])
        late.grad = torch.tensor([0.0], dtype=torch.float64)
        step(opt, early, [0.0])
        close(late, [1.0 - expected])


def test_state_dict_round_trip_continues_identically():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    x, y = torch.randn(32, 6), torch.randint(0, 3, (32,))

    def train(m, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(m(x), y).backward()
            opt.step()

    opt = GRDA(model.parameters(), lr=0.5, c=0.05, mu=0.6)
    train(model, opt, 5)
    saved_model, saved_opt = {k: v.clone() for k, v in model.state_dict().items()}, opt.state_dict()
    saved_opt = {"state": {k: {n: (t.clone() if torch.is_tensor(t) else t) for n, t in s.items()}
                           for k, s in saved_opt["state"].items()}, "param_groups": saved_opt["param_groups"]}
    train(model, opt, 5)

    clone = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    clone.load_state_dict(saved_model)
    opt2 = GRDA(clone.parameters(), lr=0.5, c=0.05, mu=0.6)
    opt2.load_state_dict(saved_opt)
    train(clone, opt2, 5)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), clone.state_dict().values(), strict=True))
    assert opt2.current_threshold() == opt.current_threshold()
    assert sum(int((p == 0).sum()) for p in model.parameters()) > 0  # the run did prune something


@pytest.mark.parametrize(
    "kwargs",
    [dict(lr=0.1, c=-1.0, mu=0.5), dict(lr=0.1, c=0.1, mu=0.0), dict(lr=0.0, c=0.1, mu=0.5),
     dict(lr=0.1, c=0.1, mu=0.5, threshold_form="exact"), dict(lr=0.1, c=float("nan"), mu=0.5)],
)
def test_bad_hyperparameters_are_rejected(kwargs):
    with pytest.raises(ValueError):
        GRDA([param([1.0])], **kwargs)


@pytest.mark.parametrize("options", [{}, {"counter": "group"}, {"threshold_form": "closed_form"},
                                     {"accumulator_init": "zero"}])
def test_the_foreach_step_is_the_per_tensor_update_bit_for_bit(options):
    """The GPU's form of the step (`torch._foreach_*`) against the CPU's (a tensor at a time). Tensors of several shapes, one of which misses its gradient every other step (its own step count, so its own
    threshold under the per-tensor counter): the same weights and state as updating one tensor at a time."""
    generator = torch.Generator().manual_seed(0)
    shapes = [(4, 3, 3, 3), (4,), (10, 4)]
    made = [[torch.randn(s, generator=generator) for s in shapes]]
    made.append([t.clone() for t in made[0]])
    params = [[torch.nn.Parameter(t) for t in tensors] for tensors in made]
    foreach, loop = (GRDA(p, lr=0.1, c=0.2, mu=0.6, foreach=f, **options) for p, f in zip(params, (True, False), strict=True))
    for step in range(6):
        grads = [torch.randn(s, generator=generator) for s in shapes]
        for group in params:
            for i, (p, g) in enumerate(zip(group, grads, strict=True)):
                p.grad = None if i == 1 and step % 2 else g.clone()
        foreach.step()
        loop.step()
    for a, b in zip(*params, strict=True):
        assert torch.equal(a, b)
        assert torch.equal(foreach.state[a]["accumulator"], loop.state[b]["accumulator"])
    assert foreach.current_threshold() == loop.current_threshold() > 0
