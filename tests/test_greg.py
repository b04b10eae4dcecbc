"""Hand-computed GReg-1 / GReg-2 schedules on a two-conv chain (Algorithm 1; methods.md §4–5).

The pruned layer is conv 1 with four filters at ratio 0.5 (two pruned). Each test drives the method's
hooks by hand, iteration by iteration, with a zero loss gradient, so the gradient after the hook is
exactly the penalty λ_j·w_j, and compares λ, phase and stop with values worked out from the paper.
"""
import pytest
import torch
from torch import nn

from prunebench.methods import METHODS, EpochContext

pytestmark = pytest.mark.unit


def chain(filter_scales=(4.0, 1.0, 3.0, 2.0)):
    """conv0 (1->2) -> BN -> conv1 (2->4, filter j all equal to filter_scales[j]) -> BN -> linear."""
    model = nn.Sequential(
        nn.Conv2d(1, 2, 1, bias=False), nn.BatchNorm2d(2), nn.ReLU(),
        nn.Conv2d(2, 4, 1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3),
    )
    set_filters(model, filter_scales)
    return model


def set_filters(model, scales):
    with torch.no_grad():
        model[3].weight.copy_(torch.tensor(scales).view(4, 1, 1, 1).expand(4, 2, 1, 1))


def make(name, **options):
    method = METHODS.get(name).from_dict({"ratios": "[1:0.5]", "log_every": 1, **options}, {})
    return method


def start(method, model):
    method.setup(model, EpochContext(0, float("nan"), lambda: 0.0))


def iterate(method, model):
    """One iteration with a zero loss gradient; returns the penalty gradient per filter (dividing out w)."""
    for param in model.parameters():
        param.grad = torch.zeros_like(param)
    method.after_backward(model)
    penalty = (model[3].weight.grad / model[3].weight)[:, 0, 0, 0]
    method.after_step(model)
    return penalty


def test_greg1_growth_interval_ceiling_and_stabilisation():
    model = chain()
    greg = make("greg1", delta_lambda=0.25, ceiling=1.0, update_interval=2, stabilize_iterations=3)
    start(greg, model)
    # L1 picks the two smallest filters: 1 (|1|) and 3 (|2|)
    assert greg.pruned["3"].tolist() == [1, 3]
    # updates at i = 0, 2, 4, 6, 8 -> λ = .25, .5, .75, 1.0, 1.25; 1.0 is not > τ, 1.25 is (i = 8)
    expected = [0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1.0, 1.0, 1.25]
    for i, lam in enumerate(expected):
        penalty = iterate(greg, model)
        assert penalty.tolist() == pytest.approx([0.0, lam, 0.0, lam]), f"iteration {i}"
        assert greg.phase == ("stabilize" if i == 8 else "grow")
    assert greg.finished == {"3": "ceiling"}
    assert greg.stabilize_start == 9
    # λ frozen for K_s = 3 more iterations, then the run stops (iterations 9, 10, 11)
    for _ in range(3):
        assert not greg.should_stop()
        assert iterate(greg, model).tolist() == pytest.approx([0.0, 1.25, 0.0, 1.25])
    assert greg.should_stop()
    summary = greg.summary()
    assert summary["reg_iterations"] == 9 and summary["stabilize_iterations"] == 3
    assert summary["layers_exit_ceiling"] == 1 and summary["lambda_pruned_final"] == 1.25


def test_greg1_kept_lambda_option_applies_to_kept_filters():
    model = chain()
    greg = make("greg1", delta_lambda=0.25, update_interval=1, kept_lambda=-5e-4)
    start(greg, model)
    assert iterate(greg, model).tolist() == pytest.approx([-5e-4, 0.25, -5e-4, 0.25])


def test_greg2_picks_by_current_norms_then_grows_and_recovers():
    model = chain(filter_scales=(4.0, 1.0, 3.0, 2.0))
    greg = make(
        "greg2", delta_lambda=0.25, ceiling=1.0, update_interval=1, stabilize_iterations=0,
        pick_delta_lambda=0.1, pick_ceiling=0.3, recover_lambda=-0.05,
    )
    start(greg, model)
    assert greg.phase == "pick"
    # picking: every filter's λ grows by 0.1 per update; 3·0.1 equals τ' = 0.3 (not above it, despite
    # float rounding), so the pick happens at the update after λ = 0.4, at i = 4
    for i, lam in enumerate([0.1, 0.2, 0.3, 0.4]):
        assert iterate(greg, model).tolist() == pytest.approx([lam] * 4), f"iteration {i}"
        assert greg.phase == "pick"
        if i == 1:  # training reorders the filters: now 0 and 2 are the smallest
            set_filters(model, (0.5, 5.0, 0.25, 6.0))
    # i = 4: pick S_p = {0, 2} by current L1 norms; same update: λ_p = 0.4 + 0.25, λ_kept = −0.05
    assert iterate(greg, model).tolist() == pytest.approx([0.65, -0.05, 0.65, -0.05])
    assert greg.pruned["3"].tolist() == [0, 2]
    assert greg.pick_iteration == 4
    assert iterate(greg, model).tolist() == pytest.approx([0.9, -0.05, 0.9, -0.05])
    assert iterate(greg, model).tolist() == pytest.approx([1.15, -0.05, 1.15, -0.05])  # i = 6: 1.15 > τ
    assert greg.phase == "stabilize" and greg.should_stop()  # K_s = 0
    summary = greg.summary()
    assert summary["overlap_with_initial_l1"] == 0.0  # the L1 set at setup was {1, 3}
    assert summary["pick_iteration"] == 4


def test_greg2_pick_update_interval_applies_to_picking_only():
    model = chain()
    greg = make(
        "greg2", delta_lambda=0.25, ceiling=1.0, update_interval=3, stabilize_iterations=0,
        pick_delta_lambda=0.1, pick_ceiling=0.2, pick_update_interval=1, recover_lambda=0.0,
    )
    start(greg, model)
    # picking updates every iteration (K_u' = 1): λ = .1, .2, .3 at i = 0, 1, 2; .3 > τ' = .2, so the
    # update at i = 3 picks and grows in the same update (λ_p = .3 + .25); growth then waits K_u = 3
    # iterations: .8 at i = 6, then 1.05 > τ = 1 at i = 9, which stabilises
    expected = ([[0.1] * 4, [0.2] * 4, [0.3] * 4] + [[0.0, 0.55, 0.0, 0.55]] * 3 + [[0.0, 0.8, 0.0, 0.8]] * 3
                + [[0.0, 1.05, 0.0, 1.05]])
    for i, penalty in enumerate(expected):
        assert iterate(greg, model).tolist() == pytest.approx(penalty), f"iteration {i}"
    assert greg.pick_iteration == 3 and greg.phase == "stabilize" and greg.stabilize_start == 10


def test_greg1_magnitude_ratio_exit_needs_every_layer():
    model = chain(filter_scales=(4.0, 1e-4, 3.0, 1e-4))
    greg = METHODS.get("greg1").from_dict(
        {"ratios": "[0:0.5,1:0.5]", "delta_lambda": 1e-3, "update_interval": 1, "mag_ratio_limit": 1000.0}, {}
    )
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[[[1.0]]], [[[2.0]]]]))  # conv0: ratio 2 only
    start(greg, model)
    assert greg.pruned["0"].tolist() == [0] and greg.pruned["3"].tolist() == [1, 3]
    iterate(greg, model)
    assert greg.finished == {}  # conv1's ratio is 3.5e4 but conv0's is 2
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[[[1e-6]]], [[[2.0]]]]))
    iterate(greg, model)
    # EMA of conv0: 0.9·2 + 0.1·2e6 ≥ 1000 -> every layer exits on the ratio at once
    assert greg.finished == {"0": "mag_ratio", "3": "mag_ratio"}
    assert greg.phase == "stabilize"


def test_greg_state_round_trip_continues_identically():
    options = dict(delta_lambda=0.25, update_interval=2, stabilize_iterations=2)
    straight, model_a = make("greg1", **options), chain()
    start(straight, model_a)
    for _ in range(5):
        iterate(straight, model_a)
    resumed = make("greg1", **options)
    resumed.load_state_dict(straight.state_dict())
    model_b = chain()
    trace_a, trace_b = [], []
    while not straight.should_stop():
        trace_a.append(iterate(straight, model_a).tolist())
    while not resumed.should_stop():
        trace_b.append(iterate(resumed, model_b).tolist())
    assert trace_a == trace_b and len(trace_a) == 6  # i = 5..10: exit at i = 8, K_s = 2 -> stop after i = 10
    assert straight.summary() == resumed.summary()


@pytest.mark.parametrize(("layers", "logged"), [("", {"0", "3"}), ("3", {"3"})])
def test_snapshots_log_the_layers_a_figure_draws(layers, logged):
    """Both convs pruned; a snapshot logs each filter's L1 norm over its layer's max (conv 1: 4, 1, 3, 2 times
    two inputs -> 1, .25, .75, .5), for the layers `snapshot_layers` matches (all when empty)."""
    model = chain()
    greg = make("greg1", ratios="[0-1:0.5]", snapshot_every=2, snapshot_layers=layers)
    start(greg, model)
    for _ in range(3):  # snapshots at iterations 0 and 2
        iterate(greg, model)
    rows = [row for row in greg.log if row["kind"] == "filter_norms"]
    assert {row["layer"] for row in rows} == logged and {row["iteration"] for row in rows} == {0, 2}
    conv1 = [row["norm_over_max"] for row in rows if row["layer"] == "3" and row["iteration"] == 0]
    assert conv1 == pytest.approx([1.0, 0.25, 0.75, 0.5])


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("greg1", {"ratios": ""}, "needs `ratios`"),
        ("greg2", {"ratios": "[1:0.5]"}, "recover_lambda"),
        ("greg2", {"ratios": "[1:0.5]", "recover_lambda": -5e-4, "criterion": "random"}, "criterion must be 'l1'"),
        ("greg1", {"ratios": "[1:0.5]", "granularity": "weight", "mag_ratio_limit": 1000.0}, "magnitude-ratio"),
        ("greg1", {"ratios": "[1:0.5]", "update_interval": 0}, "update_interval"),
        ("greg1", {"ratios": "[1:0.5]", "snapshot_layers": "features.(7"}, "not a regular expression"),
        ("oneshot", {"ratios": "[1:0.5]", "criterion": "hessian"}, "criterion"),
    ],
)
def test_bad_options_fail_clearly(name, options, message):
    with pytest.raises((ValueError, KeyError), match=message):
        METHODS.get(name).from_dict(options, {})


def test_figure_snapshots_after_picking_are_kept():
    """GReg Figures 1-2: the published snapshots (10k-30k iterations) fall after picking at paper scale, so
    the figure must keep growth-phase snapshots (named as such), while row 1 (std vs λ) stays on picking."""
    import pandas as pd

    from reproductions.greg.figure1 import series

    base = {"cell": "x/resnet56/2.55x", "seed": 0, "run_id": "r", "layer": "layer2.3.conv1"}
    logs = pd.DataFrame([
        {**base, "kind": "lambda_update", "phase": "pick", "iteration": 5, "lambda_pruned": 0.1, "normalized_std": 0.2},
        {**base, "kind": "lambda_update", "phase": "grow", "iteration": 15, "lambda_pruned": 0.3, "normalized_std": 0.4},
        {**base, "kind": "filter_norms", "phase": "pick", "iteration": 10_000, "filter": 0, "norm_over_max": 1.0},
        {**base, "kind": "filter_norms", "phase": "grow", "iteration": 20_000, "filter": 0, "norm_over_max": 0.5},
    ])
    rows = series(logs, r"layer2\.3\.conv1")
    assert rows[rows["x_label"] == "λ"]["x"].tolist() == [0.1]
    snapshots = rows[rows["x_label"] == "filter index"]
    assert snapshots["series"].tolist() == ["iteration 10000", "iteration 20000 (grow phase)"]
