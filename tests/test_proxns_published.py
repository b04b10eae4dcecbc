"""The published network-slimming / proximal-NS tables (reproductions/published/proxns_table{1,2}.csv):
schema, the cell conventions of reproductions/proxns, hand-decoded numbers from published-numbers.md §5.1
(Liu et al. 2017, Table 1: error %) and §5.4 (the official PyTorch code's README: accuracy %), and the
proximal-NS rows, which stay empty because the paper's tables are not available (§6)."""
from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd
import pytest

from prunebench.paths import published_csv
from prunebench.report.sources import PUBLISHED_COLUMNS

pytestmark = pytest.mark.unit

LIU = "Liu et al., ICCV 2017 (Learning Efficient Convolutional Networks through Network Slimming), Table 1"
README = "official PyTorch code Eric-mingjie/network-slimming, README.md"
BUI = "Bui, Xue, Park, Qi, Xin, LOD 2023 (A Proximal Algorithm for Network Slimming), arXiv 2307.00684"
NOT_AVAILABLE = "not available: only the paper's summary is provided (published-numbers.md §6)"
MODELS = {"vgg19": "vgg19_ns_cifar", "densenet40": "densenet40_cifar", "resnet164": "preresnet164_cifar"}
TABLES = {"table1": "cifar10", "table2": "cifar100"}
# the NS percents of each table: Liu et al.'s, plus the README's DenseNet-40 60% on CIFAR-10
PERCENTS = {
    "table1": {"vgg19": ["0.7"], "densenet40": ["0.4", "0.6", "0.7"], "resnet164": ["0.4", "0.6"]},
    "table2": {"vgg19": ["0.5"], "densenet40": ["0.4", "0.6"], "resnet164": ["0.4", "0.6"]},
}
LIU_METRICS = {"top1_finetuned", "params_pruned_pct", "flops_pruned_pct"}
README_METRICS = {"top1_before_removal", "top1_pruned"}
PNS_METRICS = {"top1_before_removal", "top1_pruned", "top1_finetuned", "params_pruned_pct", "flops_pruned_pct",
               "zero_scaling_factors_pct"}


def load(table: str) -> pd.DataFrame:
    return pd.read_csv(published_csv("proxns", table), dtype={"value": str}, keep_default_na=False)


def found(frame: pd.DataFrame, cell: str, method: str, metric: str) -> pd.Series:
    hit = frame[(frame.cell == cell) & (frame.method == method) & (frame.metric == metric)]
    assert len(hit) == 1, (cell, method, metric)
    return hit.iloc[0]


def value(frame: pd.DataFrame, cell: str, method: str, metric: str) -> str:
    return found(frame, cell, method, metric).value


def accuracy(error: str) -> str:
    """Liu et al. print test error; the CSV holds 100 − error, exactly (two decimals kept)."""
    return str(Decimal(100) - Decimal(error))


@pytest.fixture(scope="module", params=list(TABLES))
def table(request) -> tuple[str, pd.DataFrame]:
    return request.param, load(request.param)


def test_schema_cells_and_sources(table):
    name, frame = table
    data = TABLES[name]
    assert list(frame.columns) == PUBLISHED_COLUMNS
    assert set(frame.paper) == {"proxns"} and set(frame.table) == {name} and set(frame.dataset) == {data}
    assert set(frame.unit) == {"%"}
    assert not frame.duplicated(["cell", "method", "metric"]).any()
    expected_cells = []
    for net, percents in PERCENTS[name].items():
        expected_cells += [f"{data}/{net}", *(f"{data}/{net}/ns-p{float(p):g}" for p in percents),
                           f"{data}/{net}/proximal_ns"]
    assert list(dict.fromkeys(frame.cell)) == expected_cells  # the layout's row order
    for row in frame.itertuples():
        net = row.cell.split("/")[1]
        assert row.model == MODELS[net], row
        if row.value:
            assert math.isfinite(float(row.value)), row
        setting = row.cell.split("/")[2] if row.cell.count("/") == 2 else None
        if setting is None:
            assert (row.method, row.metric, row.source) == ("dense", "top1_trained", LIU), row
            assert "official PyTorch code README: " in row.note, row
        elif setting == "proximal_ns":
            assert (row.method, row.value, row.source, row.note) == ("proximal_ns", "", BUI, NOT_AVAILABLE), row
        else:
            assert row.method == "ns" and row.metric in LIU_METRICS | README_METRICS, row
            readme = row.metric in README_METRICS or row.cell == "cifar10/densenet40/ns-p0.6"  # README-only cell
            assert row.source == (README if readme else LIU), row


def test_proximal_ns_has_every_metric_and_no_number(table):
    _, frame = table
    pns = frame[frame.method == "proximal_ns"]
    assert len(pns) == 3 * len(PNS_METRICS)
    for cell, rows in pns.groupby("cell"):
        assert set(rows.metric) == PNS_METRICS, cell
    assert set(pns.value) == {""}


@pytest.mark.parametrize(("name", "empty"), [("table1", set()), ("table2", {("cifar100/resnet164/ns-p0.6", "top1_pruned")})])
def test_the_only_empty_ns_value_is_the_failed_readme_run(name, empty):
    frame = load(name)
    ns = frame[frame.method != "proximal_ns"]
    assert set(zip(ns[ns.value == ""].cell, ns[ns.value == ""].metric, strict=True)) == empty


def test_liu_decoded_values_match_their_notes(table):
    """Every accuracy from Liu et al. is 100 − the error its note quotes, exactly."""
    _, frame = table
    liu = frame[(frame.source == LIU) & frame.metric.isin(["top1_trained", "top1_finetuned"])]
    assert len(liu) == 8  # 3 baselines + 5 pruned rows per data set
    for row in liu.itertuples():
        error = row.note.split("error ", 1)[1].split(";", 1)[0]
        assert row.value == accuracy(error), row


def test_cifar10_hand_checked_cells():
    frame = load("table1")
    vgg = "cifar10/vgg19/ns-p0.7"
    assert value(frame, "cifar10/vgg19", "dense", "top1_trained") == "93.66"  # 100 − 6.34
    assert found(frame, "cifar10/vgg19", "dense", "top1_trained").note.endswith("official PyTorch code README: 93.77")
    assert value(frame, vgg, "ns", "top1_finetuned") == "93.80"  # 100 − 6.20
    assert found(frame, vgg, "ns", "top1_finetuned").note.endswith("official PyTorch code README: 93.78")
    assert (value(frame, vgg, "ns", "params_pruned_pct"), value(frame, vgg, "ns", "flops_pruned_pct")) == ("88.5", "51.0")
    assert (value(frame, vgg, "ns", "top1_before_removal"), value(frame, vgg, "ns", "top1_pruned")) == ("93.30", "32.54")
    assert value(frame, "cifar10/densenet40/ns-p0.7", "ns", "top1_finetuned") == "94.35"  # 100 − 5.65
    assert value(frame, "cifar10/densenet40/ns-p0.7", "ns", "params_pruned_pct") == "65.2"
    assert value(frame, "cifar10/resnet164", "dense", "top1_trained") == "94.58"  # 100 − 5.42
    assert value(frame, "cifar10/resnet164/ns-p0.4", "ns", "flops_pruned_pct") == "23.7"
    assert value(frame, "cifar10/resnet164/ns-p0.6", "ns", "top1_pruned") == "47.73"
    assert value(frame, "cifar10/resnet164/ns-p0.6", "ns", "top1_finetuned") == "94.73"  # 100 − 5.27
    # the README-only cell: README metrics only, its fine-tuned accuracy from the README
    readme_only = frame[frame.cell == "cifar10/densenet40/ns-p0.6"]
    assert set(readme_only.metric) == {"top1_finetuned", "top1_before_removal", "top1_pruned"}
    assert set(readme_only.source) == {README}
    assert value(frame, "cifar10/densenet40/ns-p0.6", "ns", "top1_finetuned") == "94.22"
    assert value(frame, "cifar10/densenet40/ns-p0.6", "ns", "top1_pruned") == "89.46"
    # Liu's DenseNet-40 70% has no README run
    assert set(frame[frame.cell == "cifar10/densenet40/ns-p0.7"].metric) == LIU_METRICS


def test_cifar100_hand_checked_cells():
    frame = load("table2")
    assert value(frame, "cifar100/vgg19", "dense", "top1_trained") == "73.26"  # 100 − 26.74
    assert value(frame, "cifar100/vgg19/ns-p0.5", "ns", "top1_finetuned") == "73.48"  # 100 − 26.52
    assert value(frame, "cifar100/vgg19/ns-p0.5", "ns", "params_pruned_pct") == "75.1"
    assert value(frame, "cifar100/vgg19/ns-p0.5", "ns", "top1_pruned") == "5.31"
    assert value(frame, "cifar100/densenet40/ns-p0.6", "ns", "top1_finetuned") == "74.28"  # 100 − 25.72
    assert value(frame, "cifar100/densenet40/ns-p0.6", "ns", "top1_pruned") == "19.18"
    assert value(frame, "cifar100/resnet164/ns-p0.4", "ns", "top1_pruned") == "48.0"
    assert value(frame, "cifar100/resnet164/ns-p0.4", "ns", "flops_pruned_pct") == "33.3"
    # ResNet-164 60%: the paper's numbers; the README's pruning fails, so no pruned accuracy
    failed = "cifar100/resnet164/ns-p0.6"
    assert value(frame, failed, "ns", "top1_finetuned") == "76.09"  # 100 − 23.91
    assert (value(frame, failed, "ns", "params_pruned_pct"), value(frame, failed, "ns", "flops_pruned_pct")) == ("29.7", "50.6")
    assert value(frame, failed, "ns", "top1_pruned") == "" and "fails" in found(frame, failed, "ns", "top1_pruned").note
    assert "fails" in found(frame, failed, "ns", "top1_finetuned").note


@pytest.mark.parametrize("name", list(TABLES))
def test_one_sparsity_trained_model_serves_every_percent(name):
    """The README trains once per network and prunes that model at each percent: one top1_before_removal per network."""
    frame = load(name)
    trained = frame[(frame.method == "ns") & (frame.metric == "top1_before_removal")]
    per_network = trained.groupby(trained.cell.str.rsplit("/", n=1).str[0]).value.unique()
    assert all(len(v) == 1 for v in per_network), per_network
    expected = {"table1": {"vgg19": "93.30", "densenet40": "94.17", "resnet164": "94.76"},
                "table2": {"vgg19": "72.05", "densenet40": "73.29", "resnet164": "76.87"}}[name]
    assert {k.split("/")[1]: v[0] for k, v in per_network.items()} == expected
