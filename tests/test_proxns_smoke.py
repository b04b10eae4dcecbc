"""Every proximal-NS reproduction end to end at smoke scale, sharing one run cache as a user's would:
Table 2's trainings and the figure's runs are Table 1's."""

import pandas as pd
import pytest

from prunebench.paths import figure_csv, results_csv
from prunebench.scales import SCALES
from reproductions.proxns.common import PAPER_BATCH, PAPER_EPOCHS, shrink_multiplier
from tests.claims_check import written_verdicts_match

pytestmark = pytest.mark.smoke

SCRIPTS = ["table1", "table2", "figure_scaling_factors"]


@pytest.fixture(scope="module")
def smoke_results(run_smoke_scripts):
    return run_smoke_scripts("proxns", SCRIPTS)


def rows(results, table):
    return pd.read_csv(results_csv("smoke", "proxns", table, results))


def test_every_script_writes_rows_and_claims(smoke_results):
    for script in SCRIPTS:
        frame = rows(smoke_results, script)
        assert not frame.empty and frame["value"].notna().all(), script
        written_verdicts_match("proxns", script, smoke_results)
    table1 = rows(smoke_results, "table1")
    assert set(table1["method"]) == {"dense", "ns", "proximal_ns"}
    assert {"top1_trained", "top1_pruned", "top1_finetuned", "params_pruned_pct", "flops_pruned_pct",
            "zero_scaling_factors_pct"} <= set(table1["metric"])


def test_cells_sit_beside_the_published_cells(smoke_results):
    published = pd.read_csv("reproductions/published/proxns_table1.csv")
    cells = set(rows(smoke_results, "table1")["cell"])
    headline = {c for c in cells if "@lam" not in c}
    assert headline <= set(published["cell"])  # every headline cell has its published place
    assert {c.split("@")[0] for c in cells - headline} == {"cifar10/vgg19/ns-p0.7", "cifar10/vgg19/proximal_ns"}


def test_ns_prunes_its_percent_and_proximal_ns_removes_its_zero_channels(smoke_results):
    frame = rows(smoke_results, "table1").set_index(["cell", "metric"])["value"]
    assert frame[("cifar10/vgg19/ns-p0.7", "channels_pruned_pct")] >= 70.0  # |γ| ≤ sorted[floor(0.7·N)]
    assert frame[("cifar10/vgg19/ns-p0.7", "params_pruned_pct")] > 0
    sweep = next(c for c, _ in frame.index if c.startswith("cifar10/vgg19/proximal_ns@lam"))
    assert frame[(sweep, "zero_scaling_factors_pct")] > 0 and frame[(sweep, "removed_not_xi_zero")] == 0  # PNS-C5
    assert frame[("cifar10/vgg19/proximal_ns", "sparsity_used")] == 0.0045  # headline: the paper's λ
    assert frame[(sweep, "sparsity_used")] == pytest.approx(0.0045 * shrink_multiplier(SCALES.get("smoke")))


def test_table2_reuses_table1_trainings(smoke_results):
    one, two = rows(smoke_results, "table1"), rows(smoke_results, "table2")
    dense_one = set(one[one["method"] == "dense"]["run_id"])
    assert dense_one == set(two[two["method"] == "dense"]["run_id"])  # Fashion-MNIST/synthetic stand in for both


def test_scaling_factor_figure_has_both_methods_per_network(smoke_results):
    figure = pd.read_csv(figure_csv("smoke", "proxns", "figure_scaling_factors", smoke_results))
    sweep = next(p for p in figure["panel"] if p.startswith("cifar10/vgg19@lam"))
    assert set(figure["panel"]) == {"cifar10/vgg19", sweep, "cifar10/densenet40", "cifar10/resnet164"}
    assert set(figure[figure["panel"] == sweep]["series"]) >= {"NS |γ| exactly 0", "proximal NS |ξ| exactly 0"}
    series = set(figure["series"])
    assert {"NS |γ|", "proximal NS |γ|", "proximal NS |ξ| exactly 0"} <= series
    zeros = figure[figure["series"].str.endswith("exactly 0")]
    assert (zeros["x"] == 0).all() and (zeros["y"] >= 0).all()


def test_sweep_multiplier_is_the_step_ratio():
    quick = SCALES.get("quick")
    paper_steps = PAPER_EPOCHS * -(-50_000 // PAPER_BATCH)  # 160 × 782
    quick_steps = 4 * -(-4000 // quick.batch_size)  # 4 × 32
    assert shrink_multiplier(quick) == pytest.approx(paper_steps / quick_steps) == pytest.approx(977.5)
    assert shrink_multiplier(SCALES.get("paper")) == 1.0


@pytest.mark.filterwarnings("ignore:.*found in sys.modules:RuntimeWarning")  # the test imported the scripts first
def test_prunebench_reproduce_finds_every_paper_script(capsys):
    from prunebench.cli import main
    from prunebench.reproduction import scripts

    assert {"proxns/table1", "proxns/table2", "proxns/figure_scaling_factors", "greg/table1", "grda/table_cifar",
            "slr/table1"} <= set(scripts())
    assert main(["reproduce", "proxns/table1", "--scale", "smoke", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "cifar10/vgg19/proximal_ns" in out and "network_slimming-vgg19_ns_cifar" in out
    assert main(["reproduce", "proxns/table9"]) == 2
