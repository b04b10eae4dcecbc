"""The published SLR Table 2 (reproductions/published/slr_table2.csv): every row sits in the cell of its own
setting, and SLR's rows carry the paper's wording."""
from __future__ import annotations

import pandas as pd
import pytest

from prunebench.paths import published_csv

pytestmark = pytest.mark.unit


def test_a_cell_named_by_percent_pruned_holds_only_that_percent():
    frame = pd.read_csv(published_csv("slr", "table2"))
    pruned = frame[frame.metric == "params_pruned"]
    assert len(pruned) >= 14
    for row in pruned.itertuples():
        setting = row.cell.rsplit("/", 1)[1]
        assert setting.startswith("p") and float(setting[1:]) == pytest.approx(row.value), row


def test_slr_rows_say_final_accuracy_as_the_paper_does():
    frame = pd.read_csv(published_csv("slr", "table2"))
    slr = frame[(frame.method == "slr") & frame.metric.str.startswith("top1")]
    assert set(slr.metric) == {"top1_hardprune"} and len(slr) == 6
