"""Claims judged as their papers state them: only the paper's own rates, no verdict that nothing could test, one
question per verdict, each verdict's scope and its stand-in data said."""
from __future__ import annotations

import pandas as pd
import pytest

from prunebench.claims import FAILS, HOLDS, NO_SIGNAL, Claim, beats, evaluate_claims, verdict_frame
from tests.report_fixtures import claim_rows

pytestmark = pytest.mark.unit
M = "top1_hardprune"


def test_slr_beats_admm_only_at_the_published_rates_not_the_sweep_points():
    """SLR Table 1 has one rate per model; the sweep points added for SLR-C2 are not what the paper claims."""
    from reproductions.slr.common import comparison_claims

    c1 = next(c for c in comparison_claims(M, "accuracy") if c.id == "SLR-C1")
    rows = claim_rows({("cifar10/resnet18", "slr", M, 0.9): [60.0, 61.0, 62.0],
                       ("cifar10/resnet18", "admm", M, 0.9): [50.0, 51.0, 52.5],
                       ("cifar10/resnet18~p0.5", "slr", M, 0.5): [70.0, 70.1, 70.2],
                       ("cifar10/resnet18~p0.5", "admm", M, 0.5): [72.0, 72.1, 72.3]})
    (_, verdict), = evaluate_claims([c1], rows, paper_cells={"cifar10/resnet18"})
    assert verdict.status == HOLDS and "p=0.5" not in verdict.evidence
    assert beats(M, "slr", "admm")(rows.assign(cell=rows["cell"].str.split("~").str[0])).status == FAILS


def test_a_condition_limit_that_no_run_could_break_is_no_signal():
    from reproductions.slr.common import CONDITION_CLAIM

    short = claim_rows({("c", "slr", "slr_longest_cond3_violation_run", 0.9): [2.0, 4.0, 3.0],
                        ("c", "slr", "slr_updates", 0.9): [4.0, 4.0, 4.0]})
    (_, verdict), = evaluate_claims([CONDITION_CLAIM], short)
    assert verdict.status == NO_SIGNAL and "at most 4 updates" in verdict.evidence
    long = claim_rows({("c", "slr", "slr_longest_cond3_violation_run", 0.9): [2.0, 4.0, 3.0],
                       ("c", "slr", "slr_updates", 0.9): [50.0, 50.0, 50.0]})
    assert evaluate_claims([CONDITION_CLAIM], long)[0][1].status == HOLDS


def proxns_rows(removed: float, epochs_ns: float = 320.0, accuracy_gap: float = 0.0) -> pd.DataFrame:
    values = {}
    for cell, method, metric, value in [
        ("cifar10/vgg19/proximal_ns", "proximal_ns", "channels_pruned_pct", removed),
        ("cifar10/vgg19/proximal_ns", "proximal_ns", "removed_not_xi_zero", 0.0),
        ("cifar10/vgg19/proximal_ns", "proximal_ns", "pipeline_epochs", 160.0),
        ("cifar10/vgg19/proximal_ns", "proximal_ns", "top1_pruned", 90.0 - accuracy_gap),
        ("cifar10/vgg19/ns-p0.7", "ns", "pipeline_epochs_with_finetune", epochs_ns),
        ("cifar10/vgg19/ns-p0.7", "ns", "top1_finetuned", 90.0),
    ]:
        values[(cell, method, metric, 0.0)] = [value + 0.01 * s for s in range(3)] if metric.startswith("top1") \
            else [value] * 3
    return claim_rows(values, paper="proxns", table="table1")


def test_removed_exactly_the_zero_xi_channels_says_nothing_when_nothing_was_removed():
    from reproductions.proxns.common import CLAIMS

    c5 = next(c for c in CLAIMS if c.id == "PNS-C5")
    assert c5.check(proxns_rows(removed=0.0)).status == NO_SIGNAL
    assert c5.check(proxns_rows(removed=40.0)).status == HOLDS


def test_one_pass_cheaper_needs_its_accuracy_condition():
    from reproductions.proxns.common import CLAIMS

    c7 = next(c for c in CLAIMS if c.id == "PNS-C7")
    assert c7.check(proxns_rows(removed=40.0)).status == HOLDS  # half the epochs at the same accuracy
    lost = c7.check(proxns_rows(removed=40.0, accuracy_gap=5.0))  # half the epochs, 5 points lower
    assert lost.status == FAILS and "accuracy (fails)" in lost.evidence and "epochs (holds)" in lost.evidence


def test_the_verdict_file_names_the_source_the_bound_and_the_scope():
    claim = Claim("X-C1", "x beats y.", beats(M, "x", "y"), source="Table 1: x beats y", bound="bound chosen here: 0")
    rows = claim_rows({("c", "x", M, 0.5): [60.0, 61.0, 62.0], ("c", "y", M, 0.5): [50.0, 51.0, 52.0]})
    frame = verdict_frame([claim], rows, paper="p", table="t", scale="quick", evaluated_at="", git_sha="")
    row = frame.iloc[0]
    assert (row["source"], row["bound"], row["verdict"]) == ("Table 1: x beats y", "bound chosen here: 0",
                                                             "holds at quick scale")


def test_a_verdict_on_a_stand_in_data_set_says_what_it_tests():
    claim = Claim("X-C1", "x beats y.", beats(M, "x", "y"))
    rows = claim_rows({("c", "x", M, 0.5): [60.0, 61.0, 62.0], ("c", "y", M, 0.5): [50.0, 51.0, 52.0]})
    (_, verdict), = evaluate_claims([claim], rows.assign(dataset="cifar10_jpeg_100class"))
    assert "not CIFAR-100" in verdict.evidence
    (_, verdict), = evaluate_claims([claim], rows)
    assert "CIFAR-100" not in verdict.evidence and verdict.status == HOLDS


def test_ahead_at_the_top_measured_at_chance_cannot_hold():
    from prunebench.claims import no_worse_and_wins_at_top

    rows = claim_rows({("c", "g", M, 0.5): [27.0, 28.0, 27.5], ("c", "l", M, 0.5): [26.0, 27.0, 26.9],
                       ("c", "g", M, 0.9): [12.0, 13.0, 12.5], ("c", "l", M, 0.9): [13.0, 13.5, 13.2],
                       **{("c", m, "top1_chance", r): [10.0] * 3 for m in "gl" for r in (0.5, 0.9)}})
    assert no_worse_and_wins_at_top(M, "g", "l")(rows).status == NO_SIGNAL


def published(cell: str, values: dict[str, float], metric: str = M) -> pd.DataFrame:
    return pd.DataFrame([{"cell": cell, "method": method, "metric": metric, "value": str(value)}
                         for method, value in values.items()])


def test_each_interval_stands_beside_the_papers_difference_with_the_seeds_it_would_need():
    """Differences 10, 11, 12 (std 1, n 3): half-width t(0.975, 2)/√3 = 2.48. Beside a published +20 (target ±10):
    3 seeds suffice; beside +2 (target ±1): t(n−1)/√n ≤ 1 first at n = 7 (n = 6: 2.571/2.449 = 1.05)."""
    claim = Claim("X-C1", "x beats y.", beats(M, "x", "y"))
    rows = claim_rows({("c", "x", M, 0.5): [60.0, 62.0, 64.0], ("c", "y", M, 0.5): [50.0, 51.0, 52.0],
                       ("d", "x", M, 0.5): [60.0, 62.0, 64.0], ("d", "y", M, 0.5): [50.0, 51.0, 52.0]})
    paper = pd.concat([published("c", {"x": 90.0, "y": 70.0}), published("d", {"x": 71.0, "y": 69.0})])
    row = verdict_frame([claim], rows, paper, paper="p", table="t", scale="quick", evaluated_at="", git_sha="").iloc[0]
    assert row["beside_paper"] == ("c p=0.5: ±2.48 (n=3) beside the paper's +20.00; ±10.00 needs 3 seeds at this "
                                   "spread; d p=0.5: ±2.48 (n=3) beside the paper's +2.00; ±1.00 needs 7 seeds at "
                                   "this spread")


def test_nothing_beside_a_sweep_point_or_a_difference_the_paper_does_not_print():
    claim = Claim("X-C1", "x beats y.", beats(M, "x", "y"))
    rows = claim_rows({("c", "x", M, 0.5): [60.0, 62.0, 64.0], ("c", "y", M, 0.5): [50.0, 51.0, 52.0],
                       ("c~p0.8", "x", M, 0.8): [60.0, 62.0, 64.0], ("c~p0.8", "y", M, 0.8): [50.0, 51.0, 52.0]})
    only_x = published("c", {"x": 90.0, "z": 70.0})
    frame = verdict_frame([claim], rows, only_x, paper="p", table="t", scale="quick", evaluated_at="", git_sha="")
    assert frame.iloc[0]["beside_paper"] == ""
    both = published("c", {"x": 90.0, "y": 70.0})
    frame = verdict_frame([claim], rows, both, paper="p", table="t", scale="quick", evaluated_at="", git_sha="")
    assert frame.iloc[0]["beside_paper"].startswith("c p=0.5: ") and "p=0.8" not in frame.iloc[0]["beside_paper"]
